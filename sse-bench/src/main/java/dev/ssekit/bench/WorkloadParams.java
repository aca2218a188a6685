package dev.ssekit.bench;

import java.time.Duration;
import java.util.Objects;

/**
 * The parameters of one run of a {@link Workload}. Immutable; the {@code with…} methods return
 * copies.
 *
 * @param workload what to run
 * @param host the server's address; must be a loopback address
 * @param port the server's port
 * @param connections streams that read everything (steady streams, for churn)
 * @param stalled streams that stop reading after their {@code connected} event
 * @param rate events published per second; 0 publishes as fast as {@code window} allows
 * @param window events in flight (published, not yet acknowledged and delivered to every stream)
 *     when {@code rate} is 0
 * @param publishers keep-alive connections that publish, one request in flight on each
 * @param eventBytes the size of each event's JSON data, padded to it
 * @param warmup publishing before measuring starts
 * @param duration publishing while measuring
 * @param churnRate short-lived streams opened per second (churn)
 * @param lifetime how long each short-lived stream stays after it connected (churn)
 * @param hold how long idle streams stay open before memory is measured (idle-memory)
 * @param drain how long, after publishing, streams may take to receive what they are owed
 * @param openTimeout how long opening every stream may take
 * @param connectConcurrency streams being opened at once, at most
 * @param sampleEvery how often the server's heap is sampled while publishing; null for never
 * @param pid the server's process id, for heap and RSS; null for none
 * @param label names the server implementation in the report; null to use the server's
 *     {@code X-Bench-Impl} header
 * @param history events published before a reconnect storm, which the server's history must hold
 *     (reconnect-storm)
 * @param spread the time over which the storm's streams reconnect, evenly (reconnect-storm)
 * @param smoke whether these are the small sizes for tests
 */
public record WorkloadParams(
        Workload workload,
        String host,
        int port,
        int connections,
        int stalled,
        double rate,
        int window,
        int publishers,
        int eventBytes,
        Duration warmup,
        Duration duration,
        double churnRate,
        Duration lifetime,
        Duration hold,
        Duration drain,
        Duration openTimeout,
        int connectConcurrency,
        Duration sampleEvery,
        Long pid,
        String label,
        int history,
        Duration spread,
        boolean smoke) {

    /**
     * Checks the parameters.
     *
     * @throws IllegalArgumentException naming the parameter that is out of range
     */
    public WorkloadParams {
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(host, "host");
        positive("port", port);
        if (connections < 0 || stalled < 0 || connections + stalled == 0) {
            throw new IllegalArgumentException("connections must be positive: " + connections);
        }
        if (rate < 0) {
            throw new IllegalArgumentException("rate must not be negative: " + rate);
        }
        positive("window", window);
        positive("publishers", publishers);
        positive("eventBytes", eventBytes);
        positive("connectConcurrency", connectConcurrency);
        if (churnRate < 0) {
            throw new IllegalArgumentException("churnRate must not be negative: " + churnRate);
        }
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(openTimeout, "openTimeout");
        if (history < 0) {
            throw new IllegalArgumentException("history must not be negative: " + history);
        }
        Objects.requireNonNull(spread, "spread");
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }

    static WorkloadParams base(Workload workload, boolean smoke) {
        return new WorkloadParams(
                workload,
                "127.0.0.1",
                8080,
                1,
                0,
                0,
                32,
                4,
                64,
                Duration.ZERO,
                Duration.ofSeconds(1),
                0,
                Duration.ofSeconds(1),
                Duration.ZERO,
                smoke ? Duration.ofSeconds(5) : Duration.ofSeconds(10),
                smoke ? Duration.ofSeconds(10) : Duration.ofSeconds(60),
                smoke ? 16 : 256,
                null,
                null,
                null,
                0,
                Duration.ofSeconds(1),
                smoke);
    }

    /** Returns a copy that targets {@code host}. */
    public WorkloadParams withHost(String host) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that targets {@code port}. */
    public WorkloadParams withPort(int port) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy with {@code connections} steady streams. */
    public WorkloadParams withConnections(int connections) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy with {@code stalled} streams that stop reading. */
    public WorkloadParams withStalled(int stalled) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy publishing {@code rate} events per second; 0 for as fast as possible. */
    public WorkloadParams withRate(double rate) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy with an end-to-end window of {@code window} events. */
    public WorkloadParams withWindow(int window) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy with {@code publishers} publishing connections. */
    public WorkloadParams withPublishers(int publishers) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy whose events' data is {@code eventBytes} long. */
    public WorkloadParams withEventBytes(int eventBytes) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that publishes {@code warmup} before measuring. */
    public WorkloadParams withWarmup(Duration warmup) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that measures for {@code duration}. */
    public WorkloadParams withDuration(Duration duration) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy opening {@code churnRate} short-lived streams a second. */
    public WorkloadParams withChurnRate(double churnRate) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy whose short-lived streams stay {@code lifetime}. */
    public WorkloadParams withLifetime(Duration lifetime) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that holds idle streams for {@code hold}. */
    public WorkloadParams withHold(Duration hold) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that allows {@code drain} for the last deliveries. */
    public WorkloadParams withDrain(Duration drain) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that allows {@code openTimeout} to open every stream. */
    public WorkloadParams withOpenTimeout(Duration openTimeout) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that opens at most {@code connectConcurrency} streams at once. */
    public WorkloadParams withConnectConcurrency(int connectConcurrency) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that samples the server's heap every {@code sampleEvery}; null for never. */
    public WorkloadParams withSampleEvery(Duration sampleEvery) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that measures the server process {@code pid}; null for none. */
    public WorkloadParams withPid(Long pid) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that publishes {@code history} events before a reconnect storm. */
    public WorkloadParams withHistory(int history) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy whose reconnect storm spreads its reconnections over {@code spread}. */
    public WorkloadParams withSpread(Duration spread) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }

    /** Returns a copy that names the server implementation {@code label} in the report. */
    public WorkloadParams withLabel(String label) {
        return new WorkloadParams(
                workload,
                host,
                port,
                connections,
                stalled,
                rate,
                window,
                publishers,
                eventBytes,
                warmup,
                duration,
                churnRate,
                lifetime,
                hold,
                drain,
                openTimeout,
                connectConcurrency,
                sampleEvery,
                pid,
                label,
                history,
                spread,
                smoke);
    }
}
