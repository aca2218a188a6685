package dev.ssekit.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * The load generator's workloads, each with its full-size parameters and a small {@code --smoke}
 * size for tests. Immutable.
 */
public enum Workload {

    /** N streams, one publisher at a fixed rate: is the rate held, and how late is each delivery? */
    FANOUT("fanout", "N streams at a fixed publish rate"),
    /** N streams, publishing as fast as an end-to-end window of events in flight allows. */
    SATURATE("saturate", "N streams, publishing as fast as delivery allows"),
    /** N idle streams: heap and resident memory per stream beyond an empty server. */
    IDLE_MEMORY("idle-memory", "N idle streams: memory per stream"),
    /** Normal streams beside a few that never read, with large events: are the others harmed? */
    SLOW_CONSUMERS("slow-consumers", "normal streams beside stalled ones, 8 KiB events"),
    /** Steady streams while short-lived ones connect and leave, during publishing. */
    CHURN("churn", "steady streams while others connect and disconnect"),
    /**
     * A long bounded run: many steady streams, a steady publish rate and continuous churn, with the
     * server's heap and threads sampled throughout. Steady streams must lose nothing; the samples
     * must stay flat.
     */
    SOAK("soak", "long run with churn: losses, heap and threads over time"),
    /**
     * N streams read up to different events of a full history and disconnect, then all reconnect
     * within a second with {@code Last-Event-ID} while publishers keep publishing: is every stream
     * served its replay and the live events after it, exactly once and in order, how soon does the
     * replay start, and how long do publishers wait meanwhile? Needs a server with a history (the
     * library's; the baseline has none).
     */
    RECONNECT_STORM("reconnect-storm", "N streams reconnecting at once with Last-Event-ID against a full history");

    private final String command;
    private final String summary;

    Workload(String command, String summary) {
        this.command = command;
        this.summary = summary;
    }

    /** Returns the name of the workload on the command line, such as {@code slow-consumers}. */
    public String command() {
        return command;
    }

    /** Returns a one-line description. */
    public String summary() {
        return summary;
    }

    /** Returns the workload named {@code command} on the command line. */
    public static Workload of(String command) {
        for (Workload w : values()) {
            if (w.command.equals(command.toLowerCase(Locale.ROOT))) {
                return w;
            }
        }
        throw new IllegalArgumentException("workload: unknown \"" + command + "\"");
    }

    /** Returns the parameters of this workload at full size, or at smoke size for tests. */
    public WorkloadParams defaults(boolean smoke) {
        WorkloadParams p = WorkloadParams.base(this, smoke);
        return switch (this) {
            case FANOUT ->
                smoke
                        ? p.withConnections(20).withRate(50).withDuration(Duration.ofSeconds(1))
                        : p.withConnections(1_000)
                                .withRate(20)
                                .withDuration(Duration.ofSeconds(20))
                                .withWarmup(Duration.ofSeconds(2));
            case SATURATE ->
                smoke
                        ? p.withConnections(20).withRate(0).withWindow(8).withDuration(Duration.ofSeconds(1))
                        : p.withConnections(1_000)
                                .withRate(0)
                                .withWindow(32)
                                .withPublishers(8)
                                .withDuration(Duration.ofSeconds(15))
                                .withWarmup(Duration.ofSeconds(3));
            case IDLE_MEMORY ->
                smoke
                        ? p.withConnections(50).withRate(0).withHold(Duration.ofMillis(200))
                        : p.withConnections(10_000).withRate(0).withHold(Duration.ofSeconds(5));
            case SLOW_CONSUMERS ->
                smoke
                        ? p.withConnections(10)
                                .withStalled(2)
                                .withRate(50)
                                .withEventBytes(8_192)
                                .withDuration(Duration.ofSeconds(1))
                                .withSampleEvery(Duration.ofMillis(500))
                        : p.withConnections(100)
                                .withStalled(5)
                                .withRate(50)
                                .withEventBytes(8_192)
                                .withDuration(Duration.ofSeconds(30))
                                .withWarmup(Duration.ofSeconds(2))
                                .withSampleEvery(Duration.ofSeconds(5));
            case CHURN ->
                smoke
                        ? p.withConnections(10)
                                .withRate(50)
                                .withChurnRate(20)
                                .withLifetime(Duration.ofMillis(200))
                                .withDuration(Duration.ofSeconds(1))
                        : p.withConnections(500)
                                .withRate(20)
                                .withChurnRate(100)
                                .withLifetime(Duration.ofSeconds(1))
                                .withDuration(Duration.ofSeconds(20))
                                .withWarmup(Duration.ofSeconds(2));
            // 10 minutes on demand; CI runs it with --duration 60s (see BENCHMARKS.md).
            case SOAK ->
                smoke
                        ? p.withConnections(20)
                                .withRate(50)
                                .withChurnRate(10)
                                .withLifetime(Duration.ofMillis(500))
                                .withDuration(Duration.ofSeconds(2))
                                .withSampleEvery(Duration.ofMillis(500))
                        : p.withConnections(2_000)
                                .withRate(50)
                                .withChurnRate(10)
                                .withLifetime(Duration.ofSeconds(5))
                                .withDuration(Duration.ofMinutes(10))
                                .withWarmup(Duration.ofSeconds(5))
                                .withSampleEvery(Duration.ofSeconds(30))
                                .withOpenTimeout(Duration.ofSeconds(120));
            // warmup: publishing before the storm, for the publishers' latency without it;
            // duration: how long the storm may take until every stream caught up; one publisher, so
            // that the server's order of the events is that of their sequence numbers; every stream may
            // wait for its connected event at once, or the bound, not the server, would pace the storm.
            case RECONNECT_STORM ->
                smoke
                        ? p.withConnections(50)
                                .withPublishers(1)
                                .withHistory(500)
                                .withRate(20)
                                .withWarmup(Duration.ofMillis(500))
                                .withDuration(Duration.ofSeconds(10))
                                .withSpread(Duration.ofMillis(500))
                                .withConnectConcurrency(50)
                        : p.withConnections(5_000)
                                .withPublishers(1)
                                .withHistory(10_000)
                                .withRate(20)
                                .withWarmup(Duration.ofSeconds(3))
                                .withDuration(Duration.ofSeconds(60))
                                .withSpread(Duration.ofSeconds(1))
                                .withConnectConcurrency(5_000);
        };
    }
}
