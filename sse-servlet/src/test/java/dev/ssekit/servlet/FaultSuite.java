package dev.ssekit.servlet;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import com.launchdarkly.eventsource.StreamEvent;
import dev.ssekit.CloseReason;
import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.servlet.RecordingClient.Event;
import dev.ssekit.testing.Await;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The servlet under faults a test can provoke for real: a client that stops reading, a connection
 * that goes silent both ways, a reset in the middle of an event, thousands of short connections,
 * a server restart, and a graceful shutdown of a thousand streams. Each test is bounded in count
 * and time. Each subclass names a container.
 */
abstract class FaultSuite {

    /** Identifies the owner by a header, so raw clients need no session and each has its own limit. */
    static final OwnerResolver BY_HEADER = request -> request.getHeader("X-Client");

    ServerFixture server;
    SseRegistry registry;
    URI root;
    final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /**
     * What an operator would see as trouble in the server's log (the containers' loggers and this
     * library's; the test's clients log elsewhere): records at WARNING or above (containers' WARN
     * and ERROR), and records of any level with a stack trace; the container's own disconnect
     * errors are only counted.
     */
    final List<String> logged = new CopyOnWriteArrayList<>();

    final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            // Bounded: a churn would otherwise keep thousands of records (and their stack traces).
            if (record.getLevel().intValue() < Level.WARNING.intValue() && record.getThrown() == null
                    || !isServerSide(record.getLoggerName())) {
                return;
            }
            String text = record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage()
                    + (record.getThrown() == null ? "" : " [" + record.getThrown() + "]");
            if (logged.size() < 100) {
                logged.add(text);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Thread.UncaughtExceptionHandler previousHandler;

    private static final List<String> SERVER_LOGGERS = List.of(
            "org.eclipse.jetty",
            "org.apache.catalina",
            "org.apache.coyote",
            "org.apache.tomcat",
            "org.apache.juli",
            "io.undertow",
            "org.xnio",
            "org.jboss",
            "dev.ssekit");

    private static boolean isServerSide(String logger) {
        return logger != null && SERVER_LOGGERS.stream().anyMatch(logger::startsWith);
    }

    abstract ServerFixture newServer(int port);

    @BeforeEach
    void captureFailures() {
        Logger.getLogger("").addHandler(capture);
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (AutoCloseable c : closeables) {
                c.close();
            }
            if (server != null) {
                server.stop();
            }
            if (registry != null) {
                registry.close();
            }
        } finally {
            Logger.getLogger("").removeHandler(capture);
            Thread.setDefaultUncaughtExceptionHandler(previousHandler);
        }
    }

    SseRegistry.Builder registryBuilder() {
        return SseRegistry.builder()
                .heartbeat(Duration.ofMillis(200))
                .writeTimeout(Duration.ofSeconds(5))
                .scheduler(SseServletSuite.SWEEPER);
    }

    void start(SseRegistry r, UnaryOperator<SseServlet.Builder> servlet) throws Exception {
        start(r, servlet, 0);
    }

    void start(SseRegistry r, UnaryOperator<SseServlet.Builder> servlet, int port) throws Exception {
        start(r, servlet, port, context -> {});
    }

    /** Starts with {@code more} (a filter, say) added to the context after the servlet. */
    void start(SseRegistry r, UnaryOperator<SseServlet.Builder> servlet, int port, Consumer<ServletContext> more)
            throws Exception {
        registry = r;
        server = newServer(port);
        SseServlet s = servlet.apply(SseServlet.builder(r)).build();
        root = server.start(context -> {
            SseServlet.register(context, "/sse", s);
            more.accept(context);
        });
    }

    <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    RecordingClient recording(String query, String owner) throws Exception {
        RecordingClient stream =
                closeLater(RecordingClient.open(client, root.resolve("/sse" + query), "X-Client", owner));
        assertThat(stream.response().statusCode()).isEqualTo(200);
        stream.awaitEvent("connected");
        return stream;
    }

    RawStream raw(String query, String owner, int receiveBuffer) throws Exception {
        RawStream stream = closeLater(RawStream.open(root, "/sse" + query, receiveBuffer, "X-Client: " + owner));
        assertThat(stream.status).as(stream.head).isEqualTo(200);
        stream.readUntil("event: connected", 64 * 1024);
        return stream;
    }

    static String text(int size, char c) {
        return String.valueOf(c).repeat(size);
    }

    static void report(String what, Object... figures) {
        StringBuilder line = new StringBuilder("[figures] ").append(what);
        for (int i = 0; i + 1 < figures.length; i += 2) {
            line.append(' ').append(figures[i]).append('=').append(figures[i + 1]);
        }
        System.out.println(line);
    }

    // ---- a client that stops reading -------------------------------------------------------------

    @Test
    void readerThatStopsReadingIsDroppedByThePolicyWhileOthersKeepUp() throws Exception {
        int capacity = 64;
        start(
                registryBuilder()
                        .queueCapacity(capacity)
                        .overflow(OverflowPolicy.DISCONNECT)
                        .writeTimeout(Duration.ofSeconds(60))
                        .build(),
                b -> b.ownerResolver(BY_HEADER));
        List<RecordingClient> readers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            readers.add(recording("?rooms=feed", "reader-" + i));
        }
        RawStream stalled = raw("?rooms=feed", "stalled", 4096);
        SseConnection stalledConnection = registry.connection(stalled.id()).orElseThrow();
        AtomicReference<CloseReason> reason = new AtomicReference<>();
        stalledConnection.onClose(reason::set);

        String payload = text(8 * 1024, 'p');
        int published = 0;
        int maxQueued = 0;
        long slowestBatchNanos = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // Batches of 16 events; each batch must reach every reader before the next is published.
        while (published < 4_000 && System.nanoTime() < deadline && !(reason.get() != null && published >= 200)) {
            long start = System.nanoTime();
            for (int i = 0; i < 16; i++) {
                registry.publish("feed", SseEvent.of("p", published + i + ":" + payload));
                maxQueued = Math.max(maxQueued, stalledConnection.queuedFrames());
            }
            for (RecordingClient reader : readers) {
                for (int i = 0; i < 16; i++) {
                    Event e = reader.awaitEvent("p");
                    assertThat(e.data()).startsWith((published + i) + ":");
                }
            }
            published += 16;
            slowestBatchNanos = Math.max(slowestBatchNanos, System.nanoTime() - start);
        }
        report(
                "stalled-reader " + server,
                "published",
                published,
                "maxQueuedOfStalled",
                maxQueued,
                "slowestBatchMs",
                TimeUnit.NANOSECONDS.toMillis(slowestBatchNanos),
                "reason",
                reason.get());
        assertThat(reason.get())
                .as("the stalled reader was dropped by the overflow policy")
                .isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(maxQueued)
                .as("the stalled reader's queue stayed within its bound")
                .isLessThanOrEqualTo(capacity);
        assertThat(registry.stats().connections()).isEqualTo(3);
        assertThat(registry.stats().slowConsumersDisconnected()).isEqualTo(1);
    }

    // ---- half-open -------------------------------------------------------------------------------

    @Test
    void halfOpenConnectionIsClosedByTheWriteDeadline() throws Exception {
        Duration writeTimeout = Duration.ofSeconds(1);
        start(
                registryBuilder()
                        .writeTimeout(writeTimeout)
                        .queueCapacity(100_000)
                        .queueBytes(512L * 1024 * 1024)
                        .overflow(OverflowPolicy.DROP_OLDEST)
                        .build(),
                b -> b.ownerResolver(BY_HEADER));
        RecordingClient healthy = recording("?rooms=feed", "healthy");
        FreezingProxy proxy = closeLater(new FreezingProxy(root));
        RawStream silent = closeLater(RawStream.open(proxy.uri(), "/sse?rooms=feed", 8 * 1024, "X-Client: silent"));
        assertThat(silent.status).isEqualTo(200);
        silent.readUntil("event: connected", 64 * 1024);
        SseConnection connection = registry.connection(silent.id()).orElseThrow();
        BlockingQueue<CloseReason> reason = new LinkedBlockingQueue<>();
        connection.onClose(reason::add);
        OptionalLong openBefore = server.openConnections();

        proxy.freeze();
        long frozenAt = System.nanoTime();
        // Keep publishing, one event every 10 ms (bounded), until the server gives the connection up.
        String payload = text(64 * 1024, 'h');
        CloseReason closed = null;
        int published = 0;
        while (closed == null && published < 2_000) {
            registry.publish("feed", SseEvent.of("h", payload));
            published++;
            closed = reason.poll(10, TimeUnit.MILLISECONDS);
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt);
        report("half-open " + server, "closedAfterMs", tookMillis, "published", published, "reason", closed);
        assertThat(closed).as("closed by the write deadline").isEqualTo(CloseReason.STALLED);
        // Socket buffers fill first (a few MB at most at ~6 MB/s), then the deadline runs.
        assertThat(tookMillis).isLessThan(writeTimeout.toMillis() + 10_000);
        await(
                "the half-open connection left the registry",
                () -> registry.connection(silent.id()).isEmpty());
        if (openBefore.isPresent()) {
            // Let go at once, with a write stuck on it: not left to the container's idle timeout
            // (30 s and more), where the connection limits would no longer count it.
            await(
                    "the container closed the half-open connection",
                    () -> server.openConnections().getAsLong() < openBefore.getAsLong());
        }
        registry.publish("feed", SseEvent.of("after", "."));
        Event e;
        do {
            e = healthy.awaitEvent();
        } while ("h".equals(e.type()));
        assertThat(e.type()).isEqualTo("after");
    }

    // ---- reset mid-event -------------------------------------------------------------------------

    @Test
    void resetInTheMiddleOfALargeEventRemovesOnlyThatStream() throws Exception {
        start(registryBuilder().build(), b -> b.ownerResolver(BY_HEADER));
        RecordingClient other = recording("?rooms=big", "other");
        RawStream victim = raw("?rooms=big", "victim", 4096);
        UUID victimId = victim.id();
        BlockingQueue<CloseReason> reason = new LinkedBlockingQueue<>();
        registry.connection(victimId).orElseThrow().onClose(reason::add);

        String big = text(4 * 1024 * 1024, 'b');
        registry.publish("big", SseEvent.of("big", big));
        victim.readUntil("bbbbbbbbbbbbbbbb", 256 * 1024); // well inside the event
        victim.reset();

        long resetAt = System.nanoTime();
        CloseReason closed = reason.poll(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        report(
                "reset " + server,
                "reason",
                closed,
                "noticedAfterMs",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resetAt),
                "containerLogRecords",
                logged.size());
        // How a reset shows differs: a failed write, or the container's onError (client gone).
        assertThat(closed).isIn(CloseReason.CLIENT_GONE, CloseReason.WRITE_FAILED);
        await(
                "the reset stream left the registry",
                () -> registry.connection(victimId).isEmpty());
        Event e = other.awaitEvent("big");
        assertThat(e.data()).isEqualTo(big);
        registry.publish("big", SseEvent.of("after", "still here"));
        assertThat(other.awaitEvent("after").data()).isEqualTo("still here");
        assertThat(registry.stats().connections()).isEqualTo(1);

        assertThat(uncaught)
                .as("exceptions that escaped to an uncaught handler")
                .isEmpty();
        assertThat(logged)
                .as("warnings, errors and stack traces in the container's log")
                .isEmpty();
    }

    // ---- clients going away ----------------------------------------------------------------------

    @Test
    void clientsGoingAwayLeaveTheLogCleanAndReleaseEachStreamOnce() throws Exception {
        AsyncCompletions completions = new AsyncCompletions();
        start(registryBuilder().build(), b -> b.ownerResolver(BY_HEADER), 0, completions::register);
        int total = 300;
        String big = text(1024 * 1024, 'm');
        AtomicInteger next = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < total && System.nanoTime() < deadline; ) {
                        // Every other one resets; every third goes away in the middle of a 1 MiB event.
                        try (RawStream s = RawStream.open(root, "/sse?rooms=gone", 4096, "X-Client: gone-" + i)) {
                            s.readUntil("event: connected", 64 * 1024);
                            if (i % 3 == 0) {
                                registry.send(s.id(), SseEvent.of("big", big));
                                s.readUntil("mmmmmmmm", 64 * 1024);
                            }
                            if ((i & 1) == 0) {
                                s.reset();
                            }
                        } catch (IOException | RuntimeException e) {
                            failures.add(i + ": " + e);
                        }
                    }
                    return null;
                }));
            }
            long waitUntil = deadline + Await.TIMEOUT.multipliedBy(3).toNanos();
            for (Future<?> w : workers) {
                try {
                    w.get(Math.max(0, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("a client did not finish; threads:\n" + threadDump(), e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("streams that failed to open").isEmpty();
        // The server finds out by a failed write (a heartbeat at the latest) or from the container.
        await(
                "every stream to close",
                Duration.ofSeconds(20),
                () -> registry.stats().connections() == 0);
        await(
                "the container to report each stream complete",
                Duration.ofSeconds(20),
                () -> completions.byClient.size() == total
                        && completions.byClient.values().stream().allMatch(c -> c.completed.get() >= 1));
        report(
                "gone " + server,
                "streams",
                total,
                "containerLogRecords",
                logged.size(),
                "first",
                logged.isEmpty() ? "-" : logged.get(0));

        assertThat(completions.byClient).hasSize(total);
        completions.byClient.forEach((client, counts) -> {
            assertThat(counts.completeCalls.get())
                    .as("%s: AsyncContext.complete() calls (%s)", client, counts)
                    .isLessThanOrEqualTo(1);
            assertThat(counts.completed.get())
                    .as("%s: onComplete reports (%s)", client, counts)
                    .isEqualTo(1);
        });
        assertThat(registry.stats().connections()).isZero();
        assertThat(uncaught)
                .as("exceptions that escaped to an uncaught handler")
                .isEmpty();
        assertThat(logged)
                .as("warnings, errors and stack traces in the container's log")
                .isEmpty();
    }

    // ---- churn -----------------------------------------------------------------------------------

    @Test
    void churnOfTenThousandConnectionsLeavesNothingBehind() throws Exception {
        start(registryBuilder().build(), b -> b.ownerResolver(BY_HEADER));
        int threads = 4;
        // Warms up class loading and the containers' bounded caches (Tomcat keeps up to 500 channels and
        // their buffers for reuse), so that what remains is what the churn itself leaves behind.
        churn(threads, 2_000, Duration.ofSeconds(20));
        awaitIdle();
        await("the container's idle threads to leave", Duration.ofSeconds(20), server::poolAtRest);
        long heapBefore = settledHeap();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        long start = System.nanoTime();
        int cycles = churn(threads, 10_000, Duration.ofSeconds(60));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        awaitIdle();
        int threadsPeak = ManagementFactory.getThreadMXBean().getThreadCount();
        await(
                "the thread count to return to its baseline of " + threadsBefore,
                Duration.ofSeconds(20),
                () -> ManagementFactory.getThreadMXBean().getThreadCount() <= threadsBefore + 2);
        // A container may keep closed connections reachable for a while (Undertow, from its idle
        // timer, until that fires): what counts is what stays.
        long heapAfter = settledHeap();
        for (long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                heapAfter - heapBefore >= 8L * 1024 * 1024 && System.nanoTime() < until; ) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            heapAfter = settledHeap();
        }
        int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        report(
                "churn " + server,
                "cycles",
                cycles,
                "tookMs",
                tookMillis,
                "heapBeforeKiB",
                heapBefore / 1024,
                "heapAfterKiB",
                heapAfter / 1024,
                "threadsBefore",
                threadsBefore,
                "threadsPeak",
                threadsPeak,
                "threadsAfter",
                threadsAfter);

        assertThat(cycles).isEqualTo(10_000);
        if (server instanceof TomcatFixture tomcat) {
            assertThat(tomcat.waitingProcessors())
                    .as("async requests Tomcat still tracks")
                    .isZero();
        }
        assertThat(registry.stats().connections()).isZero();
        assertThat(registry.rooms()).isEmpty();
        assertThat(registry.stats().connections()).isZero();
        assertThat(threadsAfter).as("threads").isLessThanOrEqualTo(threadsBefore + 4);
        assertThat(heapAfter - heapBefore)
                .as("heap growth after a full GC, bytes")
                .isLessThan(8L * 1024 * 1024);
    }

    private void awaitIdle() {
        await(
                "every churned connection to close",
                Duration.ofSeconds(20),
                () -> registry.stats().connections() == 0);
        await("every room to empty", () -> registry.rooms().isEmpty());
    }

    /** Connects and disconnects {@code total} times from {@code threads} threads; returns the cycles done. */
    private int churn(int threads, int total, Duration limit) throws Exception {
        List<String> refusals = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + limit.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    int done = 0;
                    for (int i; (i = next.getAndIncrement()) < total && System.nanoTime() < deadline; done++) {
                        String phase = "connect";
                        try (RawStream s =
                                RawStream.open(root, "/sse?rooms=r" + (i % 16) + ",all", 0, "X-Client: c" + i)) {
                            if (s.status != 200) {
                                refusals.add(s.head);
                                continue;
                            }
                            UUID id = s.id();
                            // Joined on the way: through the API, while the stream is open.
                            registry.connection(id).ifPresent(c -> c.join("extra" + (c.id().hashCode() & 7)));
                            phase = "first event of " + id;
                            s.readUntil("event: connected", 64 * 1024);
                            if ((i & 1) == 0) {
                                s.reset();
                            }
                        } catch (IOException e) {
                            refusals.add(phase + ": " + e);
                        }
                    }
                    return done;
                }));
            }
            // Each cycle is bounded (RawStream's head and first-event deadlines), so every worker
            // ends within this; one that does not is stuck, and the thread dump shows where.
            long waitUntil = deadline + Await.TIMEOUT.multipliedBy(3).toNanos();
            int done = 0;
            for (Future<Integer> f : results) {
                try {
                    done += f.get(Math.max(0, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("a churn worker did not finish; threads:\n" + threadDump(), e);
                }
            }
            report(
                    "churn refusals " + server,
                    "count",
                    refusals.size(),
                    "first",
                    refusals.isEmpty() ? "-" : refusals.get(0));
            assertThat(refusals)
                    .as(() -> "connections refused or unanswered during the churn (" + refusals.size() + ")"
                            + (refusals.stream().anyMatch(r -> r.contains("within"))
                                    ? "; threads:\n" + threadDump()
                                    : ""))
                    .isEmpty();
            return done;
        } finally {
            pool.shutdownNow();
            // The workers' own threads must be gone before the test counts threads.
            assertThat(pool.awaitTermination(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                    .as("churn workers ended")
                    .isTrue();
        }
    }

    private static String threadDump() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                dump.append(" on ").append(t.getLockName()).append(" owned by ").append(t.getLockOwnerName());
            }
            dump.append('\n');
            for (StackTraceElement frame : t.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        return dump.toString();
    }

    static long settledHeap() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    // ---- restart ---------------------------------------------------------------------------------

    @Test
    void eventSourceReconnectsToARestartedServerAndIsToldItsHistoryIsGone() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            port = probe.getLocalPort();
        }
        start(registryBuilder().history(100).build(), b -> b.ownerResolver(r -> "es"), port);
        URI uri = root.resolve("/sse?rooms=news");
        BlockingQueue<MessageEvent> received = new LinkedBlockingQueue<>();
        EventSource es = closeLater(ThirdPartyClient.eventSource(uri));
        es.start();
        Thread reader = new Thread(
                () -> {
                    try {
                        for (StreamEvent e : es.anyEvents()) {
                            if (e instanceof MessageEvent m) {
                                received.add(m);
                            }
                        }
                    } catch (RuntimeException e) {
                        // closed
                    }
                },
                "event-source-reader");
        reader.setDaemon(true);
        reader.start();

        assertThat(next(received).getEventName()).isEqualTo("connected");
        PublishResult first = registry.publish("news", SseEvent.of("n", "1"));
        MessageEvent one = next(received);
        assertThat(one.getLastEventId()).isEqualTo(first.id());

        server.stop();
        registry.close();
        start(registryBuilder().history(100).build(), b -> b.ownerResolver(r -> "es"), port);

        MessageEvent connected = next(received);
        assertThat(connected.getEventName()).isEqualTo("connected");
        MessageEvent reset = next(received);
        assertThat(reset.getEventName())
                .as("the explicit signal that history was lost")
                .isEqualTo(SseRegistry.RESET_EVENT);
        assertThat(reset.getData()).contains("unknown");
        registry.publish("news", SseEvent.of("n", "2"));
        assertThat(next(received).getData()).isEqualTo("2");
    }

    private static MessageEvent next(BlockingQueue<MessageEvent> received) throws InterruptedException {
        MessageEvent e = received.poll(20, TimeUnit.SECONDS);
        assertThat(e).as("an event within 20 s").isNotNull();
        return e;
    }

    // ---- graceful shutdown -----------------------------------------------------------------------

    @Test
    void gracefulShutdownOfAThousandStreamsDeliversTheFinalEventAndRefusesNewcomers() throws Exception {
        int n = 1_000;
        Duration grace = Duration.ofSeconds(10);
        start(registryBuilder().heartbeat(Duration.ofSeconds(30)).build(), b -> b.ownerResolver(BY_HEADER));
        try (Selector selector = Selector.open()) {
            Map<SocketChannel, StringBuilder> seen = new ConcurrentHashMap<>();
            List<SocketChannel> channels = new ArrayList<>();
            for (int batch = 0; batch < n; batch += 100) {
                for (int i = batch; i < batch + 100; i++) {
                    SocketChannel ch = SocketChannel.open();
                    channels.add(ch);
                    ch.setOption(StandardSocketOptions.SO_LINGER, 0); // never leave TIME_WAITs behind
                    ch.configureBlocking(false);
                    ch.connect(new InetSocketAddress(root.getHost(), root.getPort()));
                    ch.register(
                            selector,
                            SelectionKey.OP_CONNECT,
                            "GET /sse?rooms=all HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "X-Client: s" + i + "\r\n\r\n");
                    seen.put(ch, new StringBuilder());
                }
                int upTo = batch + 100;
                pump(
                        selector,
                        seen,
                        Duration.ofSeconds(20),
                        () -> channels.subList(0, upTo).stream()
                                .allMatch(c -> seen.get(c).indexOf("event: connected") >= 0));
            }
            assertThat(registry.stats().connections()).isEqualTo(n);

            AtomicReference<Boolean> drained = new AtomicReference<>();
            long start = System.nanoTime();
            Thread drainer =
                    new Thread(() -> drained.set(registry.shutdown(SseEvent.of("bye", "drain"), grace)), "drainer");
            drainer.start();
            await("the drain to begin", registry::isClosed);
            HttpResponse<String> refused = client.send(
                    HttpRequest.newBuilder(root.resolve("/sse"))
                            .header("X-Client", "newcomer")
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            // Completed: the chunked body's last chunk, or the connection closed.
            pump(
                    selector,
                    seen,
                    grace.plusSeconds(5),
                    () -> channels.stream()
                            .allMatch(c -> !c.isOpen() || seen.get(c).toString().endsWith("\r\n0\r\n\r\n")));
            long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            drainer.join(grace.plusSeconds(5).toMillis());
            report("drain " + server, "streams", n, "drainMs", drainMillis, "withinGrace", drained.get());

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("\"error\"");
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(drained.get())
                    .as("every stream finished within the grace period")
                    .isTrue();
            for (SocketChannel c : channels) {
                assertThat(seen.get(c).toString())
                        .as("stream received the final event")
                        .contains("event: bye\ndata: drain\n\n");
            }
            assertThat(drainMillis).isLessThan(grace.toMillis());
        }
    }

    /** Drives the channels until {@code done}; a channel that reaches end of stream is closed. */
    private static void pump(
            Selector selector, Map<SocketChannel, StringBuilder> seen, Duration limit, BooleanSupplier done)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done within " + limit);
            }
            selector.select(100);
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey key = it.next();
                it.remove();
                SocketChannel ch = (SocketChannel) key.channel();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isConnectable()) {
                    ch.finishConnect();
                    ch.write(ByteBuffer.wrap(((String) key.attachment()).getBytes(StandardCharsets.ISO_8859_1)));
                    key.interestOps(SelectionKey.OP_READ);
                } else if (key.isReadable()) {
                    buffer.clear();
                    int r = ch.read(buffer);
                    if (r < 0) {
                        ch.close();
                    } else {
                        seen.get(ch)
                                .append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1));
                    }
                }
            }
        }
    }
}
