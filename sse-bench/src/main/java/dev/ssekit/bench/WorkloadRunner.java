package dev.ssekit.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;

/**
 * Runs one workload against a server on this machine and returns what it measured.
 *
 * <p>Stateless and thread-safe; each call runs its own {@link LoadEngine}. Every phase has a
 * deadline, so a run ends within roughly {@code openTimeout + warmup + duration + 2 × drain}
 * plus the time the {@code jcmd} probes take, whatever the server does (the reconnect storm
 * within {@code 2 × openTimeout + warmup + spread + 2 × duration + 2 × drain} and 2 s).
 */
public final class WorkloadRunner {

    private static final System.Logger LOG = System.getLogger(WorkloadRunner.class.getName());
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private WorkloadRunner() {}

    /**
     * Runs the workload described by {@code params}.
     *
     * @throws IllegalArgumentException if the host is not a loopback address
     * @throws IOException if the load generator cannot start
     */
    public static RunResult run(WorkloadParams params) throws IOException {
        return run(params, List.of());
    }

    /**
     * Runs the workload with its streams opened on {@code streamPorts} in turn, on the same host,
     * and its publishers posting to {@link WorkloadParams#port()}: for servers that share events,
     * so that every event is published on one server and delivered by others. An empty list opens
     * the streams on the publishers' server.
     *
     * @throws IllegalArgumentException if the host is not a loopback address
     * @throws IOException if the load generator cannot start
     */
    public static RunResult run(WorkloadParams params, List<Integer> streamPorts) throws IOException {
        InetAddress address = InetAddress.getByName(params.host());
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("host must be a loopback address, such as 127.0.0.1: " + params.host());
        }
        InetSocketAddress server = new InetSocketAddress(address, params.port());
        List<InetSocketAddress> streamServers = new ArrayList<>();
        for (int port : streamPorts) {
            streamServers.add(new InetSocketAddress(address, port));
        }
        Instant startedAt = Instant.now();
        Long pid = params.pid();
        Workload w = params.workload();
        if (w == Workload.RECONNECT_STORM) {
            if (!streamPorts.isEmpty()) {
                throw new IllegalArgumentException("stream-ports: the reconnect storm runs against one server");
            }
            return runStorm(params, server, startedAt);
        }

        Long heapBefore = null;
        Long rssBefore = null;
        if (pid != null && w == Workload.IDLE_MEMORY) {
            heapBefore = boxed(ServerProbe.heapAfterGc(pid));
            rssBefore = boxed(ServerProbe.rss(pid));
        }

        List<RunResult.HeapSample> samples = new ArrayList<>();
        long cpuStart;
        long serverCpuStart;
        long cpuEnd;
        long serverCpuEnd;
        long wallStart;
        long wallEnd;
        Long heapAfter = null;
        Long rssAfter = null;
        LoadEngine.Figures f;
        try (LoadEngine engine = LoadEngine.start(server, streamServers, params.connectConcurrency())) {
            engine.run(e -> e.openStreams(params.connections(), params.stalled()));
            boolean opened = await(engine, LoadEngine.Progress::allOpened, params.openTimeout());
            if (!opened) {
                LOG.log(System.Logger.Level.WARNING, "not every stream opened within {0}", params.openTimeout());
            }
            wallStart = System.nanoTime();
            cpuStart = cpu(ProcessHandle.current().pid());
            serverCpuStart = pid == null ? -1 : cpu(pid);
            if (w == Workload.IDLE_MEMORY) {
                LockSupport.parkNanos(params.hold().toNanos()); // a deliberate hold, not a synchronization
            } else {
                engine.run(e -> e.startPublishing(
                        params.publishers(),
                        params.rate(),
                        params.window(),
                        params.eventBytes(),
                        params.warmup(),
                        params.duration()));
                if (churns(w) && params.churnRate() > 0) {
                    engine.run(e -> e.startChurn(
                            params.churnRate(),
                            params.lifetime(),
                            params.warmup().plus(params.duration())));
                }
                long publishStart = System.nanoTime();
                long end =
                        publishStart + params.warmup().plus(params.duration()).toNanos() + POLL_NANOS * 10;
                long nextSample = publishStart;
                while (System.nanoTime() < end && engine.call(e -> e.progress().publishing())) {
                    if (pid != null && params.sampleEvery() != null && System.nanoTime() >= nextSample) {
                        double at = (System.nanoTime() - publishStart) / 1e9;
                        samples.add(new RunResult.HeapSample(
                                at,
                                boxed(ServerProbe.heapAfterGc(pid)),
                                boxed(ServerProbe.rss(pid)),
                                ServerProbe.threads(pid)));
                        nextSample += params.sampleEvery().toNanos();
                    }
                    LockSupport.parkNanos(POLL_NANOS);
                }
                stopAndLeave(engine, params);
            }
            wallEnd = System.nanoTime();
            cpuEnd = cpu(ProcessHandle.current().pid());
            serverCpuEnd = pid == null ? -1 : cpu(pid);
            if (pid != null) {
                heapAfter = boxed(ServerProbe.heapAfterGc(pid));
                rssAfter = boxed(ServerProbe.rss(pid));
                if (!samples.isEmpty()) { // the last sample of the heap over time
                    samples.add(new RunResult.HeapSample(
                            (wallEnd - wallStart) / 1e9, heapAfter, rssAfter, ServerProbe.threads(pid)));
                }
            }
            engine.run(LoadEngine::closeAll);
            f = engine.call(LoadEngine::figures);
        }
        return result(
                params,
                startedAt,
                f,
                heapBefore,
                heapAfter,
                rssBefore,
                rssAfter,
                samples,
                wallEnd - wallStart,
                cpuEnd - cpuStart,
                pid == null || serverCpuStart < 0 || serverCpuEnd < 0 ? -1 : serverCpuEnd - serverCpuStart,
                null);
    }

    /**
     * The reconnect storm. First, {@code connections} streams open; {@code history} events are
     * published as fast as the end-to-end window allows; stream {@code i} reads up to event
     * {@code history / 10 + i × (history − history / 10) / connections}, keeps its id and
     * disconnects (the first tenth is a margin: what is published later pushes the oldest events
     * out of the server's history). Then publishers publish at {@code rate} for {@code warmup},
     * and every stream reconnects with its id as {@code Last-Event-ID}, spread evenly over
     * {@code spread}, while they go on; the storm lasts until every stream received what was
     * published before it asked, at most {@code duration}; publishing goes on for one more second,
     * then every stream waits up to {@code drain} for what it is owed and leaves.
     */
    private static RunResult runStorm(WorkloadParams params, InetSocketAddress server, Instant startedAt)
            throws IOException {
        int n = params.connections();
        int history = params.history();
        if ((long) history * 9 / 10 < n) {
            throw new IllegalArgumentException("history must be at least connections × 10 / 9, so that every stream"
                    + " stops at an event of its own: " + history + " for " + n + " connections");
        }
        if (params.publishers() != 1) {
            // Two publishes in flight at once may be ordered either way by the server, and a stream's
            // position (an id) would no longer tell which sequence numbers come after it.
            throw new IllegalArgumentException(
                    "publishers must be 1 in a reconnect storm, so that the server orders the events as they"
                            + " are numbered: " + params.publishers());
        }
        Long pid = params.pid();
        long wallStart;
        long wallEnd;
        long cpuStart;
        long cpuEnd;
        long serverCpuStart;
        long serverCpuEnd;
        double recordSeconds;
        LoadEngine.Figures f;
        try (LoadEngine engine = LoadEngine.start(server, params.connectConcurrency())) {
            long first = history / 10;
            engine.run(e -> e.openRecorders(n, first, history - 1));
            if (!await(engine, LoadEngine.Progress::allOpened, params.openTimeout())) {
                LOG.log(System.Logger.Level.WARNING, "not every stream opened within {0}", params.openTimeout());
            }
            long recordStart = System.nanoTime();
            engine.run(e -> e.publishCount(params.publishers(), params.window(), params.eventBytes(), history));
            Duration recordTimeout = params.openTimeout().plus(params.duration());
            if (!await(
                    engine,
                    p -> p.acked() >= history && p.recordersStopped() + p.recordersEnded() >= n,
                    recordTimeout)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "the history was not published and read up to every stop event within {0}",
                        recordTimeout);
            }
            engine.run(LoadEngine::stopPublishing);
            engine.run(LoadEngine::closePublishers);
            recordSeconds = (System.nanoTime() - recordStart) / 1e9;

            wallStart = System.nanoTime();
            cpuStart = cpu(ProcessHandle.current().pid());
            serverCpuStart = pid == null ? -1 : cpu(pid);
            engine.run(LoadEngine::armStorm);
            engine.run(e -> e.startPublishing(
                    params.publishers(),
                    params.rate(),
                    params.window(),
                    params.eventBytes(),
                    params.warmup(),
                    params.spread().plus(params.duration()).plus(params.drain())));
            pace(params.warmup()); // the publishers' latency before the storm: a schedule, not a synchronization
            engine.run(e -> e.startStorm(params.spread(), 1L));
            if (!await(engine, LoadEngine.Progress::stormOver, params.spread().plus(params.duration()))) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "not every stream caught up within {0}",
                        params.spread().plus(params.duration()));
            }
            pace(Duration.ofSeconds(1)); // live events after the replay
            stopAndLeave(engine, params);
            wallEnd = System.nanoTime();
            cpuEnd = cpu(ProcessHandle.current().pid());
            serverCpuEnd = pid == null ? -1 : cpu(pid);
            engine.run(LoadEngine::closeAll);
            f = engine.call(LoadEngine::figures);
        }
        LoadEngine.StormFigures s = f.storm();
        RunResult.Storm storm = s == null
                ? null
                : new RunResult.Storm(
                        history,
                        s.recorders(),
                        s.recorded(),
                        s.clients(),
                        s.served(),
                        s.caughtUp(),
                        s.resets(),
                        s.outOfOrder(),
                        recordSeconds,
                        s.spreadMillis(),
                        s.stormMillis(),
                        percentile(s.firstReplayMicros(), 50),
                        percentile(s.firstReplayMicros(), 99),
                        percentile(s.firstReplayMicros(), 100),
                        percentile(s.caughtUpMicros(), 50),
                        percentile(s.caughtUpMicros(), 99),
                        percentile(s.caughtUpMicros(), 100),
                        s.answerBeforeMicros().getTotalCount(),
                        percentile(s.answerBeforeMicros(), 50),
                        percentile(s.answerBeforeMicros(), 99),
                        s.answerDuringMicros().getTotalCount(),
                        percentile(s.answerDuringMicros(), 50),
                        percentile(s.answerDuringMicros(), 99),
                        percentile(s.answerDuringMicros(), 100));
        return result(
                params,
                startedAt,
                f,
                null,
                null,
                null,
                null,
                List.of(),
                wallEnd - wallStart,
                cpuEnd - cpuStart,
                pid == null || serverCpuStart < 0 || serverCpuEnd < 0 ? -1 : serverCpuEnd - serverCpuStart,
                storm);
    }

    /** Returns a percentile of {@code micros} in milliseconds (100 for the highest), or null if it is empty. */
    private static Double percentile(Histogram micros, double percentile) {
        if (micros.getTotalCount() == 0) {
            return null;
        }
        return (percentile >= 100 ? micros.getMaxValue() : micros.getValueAtPercentile(percentile)) / 1000.0;
    }

    /** Waits until {@code time} has passed: pacing a schedule. */
    private static void pace(Duration time) {
        long until = System.nanoTime() + time.toNanos();
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private static RunResult result(
            WorkloadParams p,
            Instant startedAt,
            LoadEngine.Figures f,
            Long heapBefore,
            Long heapAfter,
            Long rssBefore,
            Long rssAfter,
            List<RunResult.HeapSample> samples,
            long wallNanos,
            long cpuNanos,
            long serverCpuNanos,
            RunResult.Storm storm) {
        Histogram lat = f.latencyMicros();
        boolean any = lat.getTotalCount() > 0;
        boolean answered = f.answerMicros().getTotalCount() > 0;
        double measured = f.measuredSeconds();
        int open = f.connected();
        String impl = p.label() != null ? p.label() : f.impl() != null ? f.impl() : "unknown";
        Workload w = p.workload();
        return new RunResult(
                w.command(),
                impl,
                startedAt.toString(),
                p.smoke(),
                p.connections(),
                p.stalled(),
                p.rate(),
                p.window(),
                p.eventBytes(),
                w == Workload.IDLE_MEMORY
                        ? 0
                        : w == Workload.RECONNECT_STORM
                                ? measured
                                : p.duration().toMillis() / 1000.0,
                churns(w) ? p.churnRate() : 0,
                open,
                f.openMillis(),
                f.connectMicros().getTotalCount() > 0 ? f.connectMicros().getValueAtPercentile(99) / 1000.0 : 0,
                f.connectFailures(),
                f.streamsEndedByServer(),
                f.acked(),
                f.sentMeasured(),
                p.rate() > 0 ? Math.round(p.rate() * measured) : 0,
                measured > 0 ? f.sentMeasured() / measured : 0,
                f.publishErrors(),
                f.maxPublishLagMillis(),
                f.deliverySeconds() > 0 ? f.measuredDeliveries() / f.deliverySeconds() : 0,
                lat.getTotalCount(),
                any ? lat.getValueAtPercentile(50) / 1000.0 : 0,
                any ? lat.getValueAtPercentile(90) / 1000.0 : 0,
                any ? lat.getValueAtPercentile(99) / 1000.0 : 0,
                any ? lat.getMaxValue() / 1000.0 : 0,
                answered ? f.answerMicros().getValueAtPercentile(50) / 1000.0 : null,
                answered ? f.answerMicros().getValueAtPercentile(99) / 1000.0 : null,
                f.expected(),
                f.received(),
                f.lost(),
                f.duplicated(),
                churns(w) ? f.churnCycles() : null,
                churns(w) && f.churnSeconds() > 0 ? f.churnCycles() / f.churnSeconds() : null,
                heapBefore,
                heapAfter,
                rssBefore,
                rssAfter,
                heapBefore != null && heapAfter != null && open > 0 ? (heapAfter - heapBefore) / (double) open : null,
                rssBefore != null && rssAfter != null && open > 0 ? (rssAfter - rssBefore) / (double) open : null,
                samples,
                serverCpuNanos >= 0 && wallNanos > 0 ? 100.0 * serverCpuNanos / wallNanos : null,
                wallNanos > 0 ? 100.0 * cpuNanos / wallNanos : 0,
                System.getProperty("java.vm.name") + " " + Runtime.version(),
                f.firstError(),
                storm);
    }

    private static boolean churns(Workload w) {
        return w == Workload.CHURN || w == Workload.SOAK;
    }

    /** Polls the engine until {@code condition} holds or {@code timeout} passes; returns whether it held. */
    /** Stops publishing, waits for the posts in flight, then has every stream leave, each within the drain time. */
    private static void stopAndLeave(LoadEngine engine, WorkloadParams params) {
        engine.run(LoadEngine::stopPublishing);
        await(engine, p -> p.postsInFlight() == 0, params.drain());
        engine.run(e -> e.leaveAll(params.drain()));
        await(engine, p -> p.leaving() == 0, params.drain().plusSeconds(1));
    }

    private static boolean await(LoadEngine engine, Predicate<LoadEngine.Progress> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.test(engine.call(LoadEngine::progress))) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private static long cpu(long pid) {
        OptionalLong v = ServerProbe.cpuNanos(pid);
        return v.isPresent() ? v.getAsLong() : -1;
    }

    private static Long boxed(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }
}
