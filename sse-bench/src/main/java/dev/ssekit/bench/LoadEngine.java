package dev.ssekit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * The non-blocking core of the load generator: one selector thread that opens event streams, reads
 * and parses them, publishes numbered events through {@code POST /sse}, and keeps every count.
 *
 * <p>Thread-safe by confinement: all state belongs to the engine's thread. Other threads act
 * through {@link #call}, which runs a function there and waits for its result.
 *
 * <p>Accounting. Each event's data carries a sequence number and its publish time in epoch
 * microseconds. A stream is owed every event whose publish began after the stream received its
 * {@code connected} event (so the server had registered it) and whose publish was acknowledged
 * before the stream left. Leaving, a stream waits, up to a deadline, for what it is owed; whatever
 * has not arrived by then is lost. An event received twice on one stream is a duplicate.
 */
final class LoadEngine implements AutoCloseable {

    static final byte[] CONNECTED = "connected".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    static final byte[] RESET = "reset".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TIME_KEY = "\"t\":".getBytes(StandardCharsets.US_ASCII);

    /** Highest latency or connect time recorded, in microseconds; larger values are clamped. */
    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);
    /** How long a churning stream waits, on leaving, for the events it is owed. */
    private static final long CHURN_LEAVE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** An event in the end-to-end window is given up on after this long. */
    private static final long WINDOW_GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final long HOUSEKEEPING_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** A socket's owner, told when its key is selected. */
    interface Handler {
        void onSelected(SelectionKey key) throws IOException;

        void onFailure(IOException e);
    }

    private final InetSocketAddress server; // where publishers post
    private final InetSocketAddress[] streamServers; // where streams open, in turn
    private int nextStreamServer;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private final long baseNanos;
    private final long baseMicros;
    private final byte[] getRequest;
    private final String host;
    private final String postHead;
    private final int connectConcurrency;

    private long nowNanos;
    private long receiveMicros;
    private long receiveNanos;

    // ---- streams
    private final List<SseClient> steady = new ArrayList<>();
    private final List<SseClient> stalled = new ArrayList<>();
    private final ArrayDeque<SseClient> churners = new ArrayDeque<>();
    private final List<SseClient> leavingList = new ArrayList<>();
    private final Set<SseClient> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private int pendingSteady;
    private int pendingStalled;
    private int opening;
    private int requested;
    private int connectedInitial;
    private int failedInitial;
    private long openStartNanos = -1;
    private long openEndNanos = -1;
    private int receivers;
    private boolean stopping;
    private int connectFailures;
    private int streamsEndedByServer;
    private String firstError;
    private String impl;
    private final Histogram connectMicros = new Histogram(MAX_MICROS, 3);

    // ---- publishing
    private final List<Publisher> publishers = new ArrayList<>();
    private final BitSet acked = new BitSet();
    private long nextSeq;
    private boolean publishing;
    private boolean measuring;
    private long measureFromSeq = Long.MAX_VALUE;
    private long publishStartNanos;
    private long measureStartNanos;
    private long measureEndNanos;
    private long publishEndNanos;
    private long warmupNanos;
    private long intervalNanos;
    private long nextDueNanos;
    private int window;
    private int eventBytes;
    private String padding = "";
    private long sent;
    private long sentMeasured;
    private long ackedCount;
    private long publishErrors;
    private long publisherReconnects;
    private long maxPublishLagNanos;
    private int[] recipients = new int[0];
    private int[] delivered = new int[0];
    private long[] sentAt = new long[0];
    private final BitSet done = new BitSet();
    private long doneCount;
    private int oldestUndone;
    private long windowGiveUps;

    // ---- deliveries
    private final Histogram latencyMicros = new Histogram(MAX_MICROS, 3);
    // From writing a measured publish request to reading its answer: what a publisher waits.
    private final Histogram answerMicros = new Histogram(MAX_MICROS, 3);
    private long deliveries;
    private long duplicates;
    private long measuredDeliveries;
    private long lastMeasuredNanos;
    private long expected;
    private long lost;
    private long strays;

    // ---- reconnect storm
    private final ArrayDeque<SseClient> pendingRecorders = new ArrayDeque<>();
    private final List<SseClient> recorders = new ArrayList<>();
    private final ArrayDeque<SseClient> pendingResumes = new ArrayDeque<>();
    private final List<SseClient> resumed = new ArrayList<>();
    private long publishLimit = Long.MAX_VALUE;
    private int recordersStopped;
    private int recordersEnded;
    private long stormStartNanos;
    private long stormIntervalNanos;
    private long nextResumeNanos;
    private long firstRequestNanos;
    private long lastRequestNanos;
    private long stormEndNanos;
    private int stormClients;
    private int resumesSent;
    private int resumesServed;
    private int resumesCaughtUp;
    private int resumesEnded;
    private long resets;
    private long outOfOrder;
    private final Histogram firstReplayMicros = new Histogram(MAX_MICROS, 3);
    private final Histogram caughtUpMicros = new Histogram(MAX_MICROS, 3);
    private final Histogram answerBeforeStormMicros = new Histogram(MAX_MICROS, 3);
    private final Histogram answerDuringStormMicros = new Histogram(MAX_MICROS, 3);
    private boolean stormArmed;

    // ---- churn
    private boolean churning;
    private long churnIntervalNanos;
    private long nextChurnNanos;
    private long churnEndNanos;
    private long lifetimeNanos;
    private long churnStartNanos;
    private long churnStoppedNanos;
    private long churnOpened;
    private long churnCycles;

    private LoadEngine(InetSocketAddress server, List<InetSocketAddress> streamServers, int connectConcurrency)
            throws IOException {
        this.server = server;
        this.streamServers = streamServers.isEmpty()
                ? new InetSocketAddress[] {server}
                : streamServers.toArray(new InetSocketAddress[0]);
        this.connectConcurrency = connectConcurrency;
        this.selector = Selector.open();
        String host = server.getAddress().getHostAddress() + ":" + server.getPort();
        this.host = host;
        this.getRequest = ("GET /sse HTTP/1.1\r\nHost: " + host
                        + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        this.postHead =
                "POST /sse HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: ";
        Instant now = Instant.now();
        this.baseNanos = System.nanoTime();
        this.baseMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        this.thread = new Thread(this::loop, "loadgen-io");
        this.thread.setDaemon(true);
    }

    /**
     * Starts an engine that sends to {@code server}, opening at most {@code connectConcurrency}
     * streams at a time so that the server's accept queue never overflows.
     */
    static LoadEngine start(InetSocketAddress server, int connectConcurrency) throws IOException {
        return start(server, List.of(), connectConcurrency);
    }

    /**
     * Starts an engine whose publishers post to {@code server} and whose streams open on
     * {@code streamServers} in turn (on {@code server} if empty): servers that share events, so
     * that every event crosses from one server to the others.
     */
    static LoadEngine start(InetSocketAddress server, List<InetSocketAddress> streamServers, int connectConcurrency)
            throws IOException {
        LoadEngine engine = new LoadEngine(server, streamServers, connectConcurrency);
        engine.thread.start();
        return engine;
    }

    /**
     * Runs {@code action} on the engine's thread and returns its result.
     *
     * @throws IllegalStateException if the engine does not answer within 30 s
     */
    <T> T call(Function<LoadEngine, T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(action.apply(this));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        selector.wakeup();
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the engine", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("engine task failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("engine did not answer within 30 s", e);
        }
    }

    /** Runs {@code action} on the engine's thread and waits for it. */
    void run(Consumer<LoadEngine> action) {
        call(e -> {
            action.accept(e);
            return null;
        });
    }

    @Override
    public void close() {
        if (!thread.isAlive()) {
            return;
        }
        run(LoadEngine::closeAll);
        running = false;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- what handlers use ------------------------------------------------------------------------

    InetSocketAddress server() {
        return server;
    }

    /** The server the next stream opens on: the stream servers in turn. Engine thread only. */
    InetSocketAddress nextStreamServer() {
        InetSocketAddress next = streamServers[nextStreamServer];
        nextStreamServer = (nextStreamServer + 1) % streamServers.length;
        return next;
    }

    Selector selector() {
        return selector;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    /** Records the time the bytes about to be parsed were read; every event in them shares it. */
    void stampReceiveTime() {
        receiveNanos = System.nanoTime();
        receiveMicros = baseMicros + (receiveNanos - baseNanos) / 1_000;
    }

    /** Returns the current time in epoch microseconds, on the same clock as the receive stamps. */
    long epochMicros() {
        return baseMicros + (System.nanoTime() - baseNanos) / 1_000;
    }

    void onImpl(String value) {
        if (value != null && impl == null) {
            impl = value;
        }
    }

    void onConnected(SseClient c) {
        long now = System.nanoTime();
        c.connected = true;
        c.connectedNanos = now;
        c.fromSeq = nextSeq;
        opening--;
        connectMicros.recordValue(Math.min(MAX_MICROS, (now - c.connectStartNanos) / 1_000));
        switch (c.kind) {
            case STALLED -> {
                c.stopReading();
                connectedInitial++;
                openEndNanos = now;
            }
            case STEADY -> {
                connectedInitial++;
                openEndNanos = now;
                c.receiving = true;
                receivers++;
            }
            case CHURN -> {
                c.receiving = true;
                receivers++;
                c.leaveAtNanos = now + lifetimeNanos;
                churners.add(c);
            }
            case RECORD -> {
                connectedInitial++;
                openEndNanos = now;
                c.receiving = true;
                receivers++;
            }
            case RESUME -> {
                c.fromSeq = c.stopSeq + 1; // owed everything after its id: the replay, then what is live
                c.receiving = true;
                receivers++;
            }
        }
        if ((stopping || c.leaving) && c.kind != SseClient.Kind.STALLED) {
            c.leaving = false;
            leave(c, now); // it is owed nothing: it registered after the last publish
        }
    }

    void onDelivery(SseClient c, long seq, long publishMicros) {
        if (c.closed) {
            return; // the rest of a read after a recording stream stopped
        }
        if (seq >= nextSeq || seq > Integer.MAX_VALUE - 1) {
            strays++;
            return;
        }
        int s = (int) seq;
        if (c.kind == SseClient.Kind.RESUME) {
            onResumedDelivery(c, seq);
        }
        if (c.received.get(s)) {
            duplicates++;
            return;
        }
        c.received.set(s);
        deliveries++;
        if (measuring && seq >= measureFromSeq) {
            latencyMicros.recordValue(Math.max(0, Math.min(MAX_MICROS, receiveMicros - publishMicros)));
            measuredDeliveries++;
            lastMeasuredNanos = receiveNanos;
        }
        if (window > 0 && seq >= c.fromSeq && s < delivered.length) {
            delivered[s]++;
            checkDone(s);
        }
        if (c.missing != null && c.missing.get(s)) {
            c.missing.clear(s);
            if (--c.missingCount == 0) {
                finish(c);
            }
        }
        if (c.kind == SseClient.Kind.RECORD && seq == c.stopSeq) {
            stopRecording(c);
        }
    }

    /** A recording stream read its stop event: it keeps the event's id and disconnects. */
    private void stopRecording(SseClient c) {
        c.stopId = c.lastEventId();
        recordersStopped++;
        if (c.receiving) {
            c.receiving = false;
            receivers--;
        }
        // It was counted as a recipient of what was published after its stop event; it will not read it.
        for (long q = Math.max(c.stopSeq + 1, c.fromSeq); q < nextSeq && q < recipients.length; q++) {
            recipients[(int) q]--;
            checkDone((int) q);
        }
        c.finalized = true;
        c.close();
        live.remove(c);
    }

    /** Times a resumed stream's first replayed event and its catching up, and checks the order. */
    private void onResumedDelivery(SseClient c, long seq) {
        if (!c.firstReceived) {
            c.firstReceived = true;
            resumesServed++;
            firstReplayMicros.recordValue(
                    Math.max(0, Math.min(MAX_MICROS, (receiveNanos - c.requestSentNanos) / 1_000)));
        }
        if (seq < c.maxSeq && !c.received.get((int) seq)) {
            outOfOrder++;
        }
        c.maxSeq = Math.max(c.maxSeq, seq);
        if (!c.caughtUp && seq >= c.catchUpSeq) {
            c.caughtUp = true;
            resumesCaughtUp++;
            caughtUpMicros.recordValue(Math.max(0, Math.min(MAX_MICROS, (receiveNanos - c.requestSentNanos) / 1_000)));
            checkStormOver(receiveNanos);
        }
    }

    /** The storm is over once every resumed stream caught up with what was published before it asked, or ended. */
    private void checkStormOver(long now) {
        if (stormEndNanos == 0 && stormClients > 0 && resumesCaughtUp + resumesEnded >= stormClients) {
            stormEndNanos = now;
        }
    }

    /** A stream's request was written in full. */
    void onRequestSent(SseClient c) {
        if (c.kind != SseClient.Kind.RESUME) {
            return;
        }
        c.catchUpSeq = Math.max(c.stopSeq + 1, nextSeq - 1);
        resumesSent++;
        if (firstRequestNanos == 0) {
            firstRequestNanos = c.requestSentNanos;
        }
        lastRequestNanos = c.requestSentNanos;
    }

    /** The server told a resuming stream that its id is unknown or expired. */
    void onReset(SseClient c) {
        resets++;
        if (firstError == null) {
            firstError = "a stream resuming after event " + c.stopSeq + " received a reset event";
        }
    }

    /** A stream ended: the server closed it, it failed, or it never opened. */
    void onStreamEnded(SseClient c, IOException cause) {
        if (c.closed) {
            return;
        }
        if (cause != null && firstError == null) {
            firstError = cause.toString();
        }
        boolean wasConnected = c.connected;
        c.close();
        live.remove(c);
        if (c.kind == SseClient.Kind.RECORD) {
            recordersEnded++;
        } else if (c.kind == SseClient.Kind.RESUME && !c.caughtUp) {
            resumesEnded++;
            checkStormOver(System.nanoTime());
        }
        if (!wasConnected) {
            opening--;
            connectFailures++;
            if (c.kind != SseClient.Kind.CHURN && c.kind != SseClient.Kind.RESUME) {
                failedInitial++;
            }
            c.finalized = true;
            return;
        }
        if (!c.finalized) {
            streamsEndedByServer++;
        }
        if (c.receiving) {
            c.receiving = false;
            receivers--;
        }
        if (c.leaving && !c.finalized) {
            finish(c); // what it still misses will never come
        }
    }

    void onAck(Publisher p, long seq) {
        if (seq < 0) {
            return;
        }
        acked.set((int) seq);
        ackedCount++;
        long answered = System.nanoTime();
        if (measuring && seq >= measureFromSeq) {
            answerMicros.recordValue(Math.max(0, Math.min(MAX_MICROS, (answered - p.sentNanos) / 1_000)));
        }
        if (stormArmed) {
            long micros = Math.max(0, Math.min(MAX_MICROS, (answered - p.sentNanos) / 1_000));
            if (stormStartNanos == 0) {
                answerBeforeStormMicros.recordValue(micros);
            } else if (stormEndNanos == 0) {
                answerDuringStormMicros.recordValue(micros);
            }
        }
        if (window > 0) {
            checkDone((int) seq);
        }
    }

    void onPublishError(Publisher p, long seq, String message) {
        publishErrors++;
        if (firstError == null) {
            firstError = message;
        }
        if (window > 0 && seq >= 0) {
            markDone((int) seq);
        }
    }

    // ---- commands, run on the engine's thread through call() -------------------------------------

    /** Opens {@code steadyCount} reading streams, then {@code stalledCount} streams that stop reading. */
    void openStreams(int steadyCount, int stalledCount) {
        pendingSteady += steadyCount;
        pendingStalled += stalledCount;
        requested += steadyCount + stalledCount;
        if (openStartNanos < 0) {
            openStartNanos = System.nanoTime();
        }
    }

    /**
     * Opens {@code count} recording streams: stream {@code i} reads up to event
     * {@code first + i * (last - first + 1) / count}, keeps its id and disconnects.
     */
    void openRecorders(int count, long first, long last) {
        for (int i = 0; i < count; i++) {
            SseClient c = new SseClient(this, SseClient.Kind.RECORD);
            c.stopSeq = first + (long) i * (last - first + 1) / count;
            pendingRecorders.add(c);
        }
        requested += count;
        if (openStartNanos < 0) {
            openStartNanos = System.nanoTime();
        }
    }

    /**
     * Publishes {@code count} events, as fast as the end-to-end window of {@code windowSize} allows,
     * through {@code publisherCount} connections; they are not measured.
     */
    void publishCount(int publisherCount, int windowSize, int bytes, long count) {
        Duration forever = Duration.ofDays(1);
        startPublishing(publisherCount, 0, windowSize, bytes, forever, forever);
        publishLimit = count;
    }

    /** Closes the publishing connections, so that the next {@link #startPublishing} starts afresh. */
    void closePublishers() {
        for (Publisher p : publishers) {
            p.close();
        }
        publishers.clear();
    }

    /**
     * Answers from now on are timed as before the storm, until {@link #startStorm} begins it; then
     * as during it, until every resumed stream caught up or ended.
     */
    void armStorm() {
        stormArmed = true;
    }

    /**
     * Reconnects every recording stream that kept an id, in a shuffled order, spread evenly over
     * {@code spread}, each with its id as {@code Last-Event-ID}, at most
     * {@code connectConcurrency} waiting for their {@code connected} event at once.
     */
    void startStorm(Duration spread, long seed) {
        List<SseClient> order = new ArrayList<>();
        for (SseClient r : recorders) {
            if (r.stopId != null) {
                SseClient c = new SseClient(this, SseClient.Kind.RESUME);
                c.stopSeq = r.stopSeq;
                c.stopId = r.stopId;
                order.add(c);
            }
        }
        Collections.shuffle(order, new Random(seed));
        pendingResumes.addAll(order);
        stormClients = order.size();
        long now = System.nanoTime();
        stormStartNanos = now;
        nextResumeNanos = now;
        stormIntervalNanos = order.isEmpty() ? 0 : spread.toNanos() / order.size();
        if (order.isEmpty()) {
            stormEndNanos = now;
        }
    }

    /**
     * Publishes for {@code warmup + duration} through {@code publisherCount} connections: at
     * {@code rate} events per second, or, when {@code rate} is 0, as fast as the end-to-end window
     * allows: at most {@code windowSize} events not yet both acknowledged and delivered to every
     * stream. Latency and rates are measured after the warm-up.
     */
    void startPublishing(
            int publisherCount, double rate, int windowSize, int bytes, Duration warmup, Duration duration) {
        long now = System.nanoTime();
        for (int i = 0; i < publisherCount; i++) {
            Publisher p = new Publisher(this);
            try {
                p.open();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot connect a publisher to " + server, e);
            }
            publishers.add(p);
        }
        this.eventBytes = bytes;
        int base = ("{\"seq\":" + Long.MAX_VALUE / 1000 + ",\"t\":" + epochMicros() + ",\"pad\":\"\"}").length();
        this.padding = bytes > base ? "x".repeat(bytes - base) : "";
        this.intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
        this.window = rate > 0 ? 0 : windowSize;
        this.publishStartNanos = now;
        this.warmupNanos = warmup.toNanos();
        this.nextDueNanos = now;
        this.publishEndNanos = now + warmup.toNanos() + duration.toNanos();
        this.publishLimit = Long.MAX_VALUE;
        this.measuring = false;
        this.measureEndNanos = 0;
        this.publishing = true;
        if (warmupNanos == 0) {
            beginMeasuring(now);
        }
    }

    /** Stops publishing now, if it has not stopped by itself. */
    void stopPublishing() {
        if (publishing) {
            publishing = false;
            measureEndNanos = System.nanoTime();
        }
    }

    /** Opens {@code perSecond} short-lived streams a second for {@code duration}; each stays {@code lifetime}. */
    void startChurn(double perSecond, Duration lifetime, Duration duration) {
        long now = System.nanoTime();
        churning = true;
        churnIntervalNanos = (long) (1e9 / perSecond);
        lifetimeNanos = lifetime.toNanos();
        churnStartNanos = now;
        nextChurnNanos = now;
        churnEndNanos = now + duration.toNanos();
    }

    /**
     * Makes every stream leave: from now on each waits, up to {@code drain}, for the events it is
     * owed, then closes. Stalled streams stay open until {@link #closeAll()}.
     */
    void leaveAll(Duration drain) {
        long now = System.nanoTime();
        stopping = true;
        if (churning) {
            churning = false;
            churnStoppedNanos = now;
        }
        long deadline = now + drain.toNanos();
        for (SseClient c : steady) {
            leave(c, deadline);
        }
        for (SseClient c : churners) {
            leave(c, deadline);
        }
        churners.clear();
        for (SseClient c : resumed) {
            leave(c, deadline);
        }
    }

    /** Closes everything: what a leaving stream still misses is lost. */
    void closeAll() {
        for (SseClient c : new ArrayList<>(leavingList)) {
            finish(c);
        }
        leavingList.clear();
        for (SseClient c : steady) {
            if (!c.finalized && c.connected) {
                leave(c, 0);
                finish(c);
            }
        }
        for (SseClient c : resumed) {
            if (!c.finalized && c.connected) {
                leave(c, 0);
                finish(c);
            }
        }
        pendingResumes.clear();
        pendingRecorders.clear();
        for (SseClient c : new ArrayList<>(live)) {
            c.close();
        }
        live.clear();
        for (Publisher p : publishers) {
            p.close();
        }
        publishing = false;
        churning = false;
    }

    /** Returns the counters the controlling thread waits on. */
    Progress progress() {
        int busy = 0;
        for (Publisher p : publishers) {
            if (p.busy) {
                busy++;
            }
        }
        int leavingNow = 0;
        for (SseClient c : leavingList) {
            if (!c.finalized) {
                leavingNow++;
            }
        }
        return new Progress(
                requested,
                connectedInitial,
                failedInitial,
                receivers,
                publishing,
                busy,
                leavingNow,
                sent,
                ackedCount,
                deliveries,
                churning,
                recordersStopped,
                recordersEnded,
                pendingResumes.size(),
                stormEndNanos > 0);
    }

    /** The counters the controlling thread waits on. Immutable. */
    record Progress(
            int requested,
            int connected,
            int failed,
            int receivers,
            boolean publishing,
            int postsInFlight,
            int leaving,
            long sent,
            long acked,
            long deliveries,
            boolean churning,
            int recordersStopped,
            int recordersEnded,
            int resumesWaiting,
            boolean stormOver) {

        /** Whether every requested initial stream is open or has failed. */
        boolean allOpened() {
            return connected + failed >= requested;
        }
    }

    /** Returns the figures of the run so far. */
    Figures figures() {
        long measureEnd = measureEndNanos > 0 ? measureEndNanos : System.nanoTime();
        double measuredSeconds = measuring ? Math.max(1e-9, (measureEnd - measureStartNanos) / 1e9) : 0;
        double deliverySeconds = measuredDeliveries > 0
                ? Math.max(1e-9, (Math.max(lastMeasuredNanos, measureEnd) - measureStartNanos) / 1e9)
                : 0;
        long churnEnd = churnStoppedNanos > 0 ? churnStoppedNanos : System.nanoTime();
        return new Figures(
                impl,
                requested,
                connectedInitial,
                openEndNanos > 0 && openStartNanos > 0 ? (openEndNanos - openStartNanos) / 1e6 : -1,
                connectFailures,
                streamsEndedByServer,
                connectMicros.copy(),
                sent,
                sentMeasured,
                ackedCount,
                publishErrors,
                publisherReconnects,
                measuredSeconds,
                maxPublishLagNanos / 1e6,
                measuredDeliveries,
                deliverySeconds,
                latencyMicros.copy(),
                answerMicros.copy(),
                expected,
                deliveries,
                lost,
                duplicates,
                strays,
                windowGiveUps,
                churnOpened,
                churnCycles,
                churnStartNanos > 0 ? (churnEnd - churnStartNanos) / 1e9 : 0,
                firstError,
                stormStartNanos == 0 ? null : stormFigures());
    }

    private StormFigures stormFigures() {
        return new StormFigures(
                recorders.size(),
                recordersStopped,
                stormClients,
                resumesSent,
                resumesServed,
                resumesCaughtUp,
                resets,
                outOfOrder,
                lastRequestNanos > 0 ? (lastRequestNanos - firstRequestNanos) / 1e6 : -1,
                stormEndNanos > 0 ? (stormEndNanos - stormStartNanos) / 1e6 : -1,
                firstReplayMicros.copy(),
                caughtUpMicros.copy(),
                answerBeforeStormMicros.copy(),
                answerDuringStormMicros.copy());
    }

    /**
     * What a reconnect storm measured. Immutable once returned (the histograms are copies).
     *
     * @param recorders streams opened to record a position
     * @param recorded those that read their stop event and kept its id
     * @param clients streams reconnected in the storm
     * @param requestsSent their requests written in full
     * @param served those that received their first replayed event
     * @param caughtUp those that received everything published before they asked
     * @param resets {@code reset} events received: ids the server did not know or had forgotten
     * @param outOfOrder events received after a later one on the same stream
     * @param spreadMillis from the first request written to the last
     * @param stormMillis from the storm's start until every stream caught up or ended; -1 if not
     * @param firstReplayMicros from writing the request to reading the first replayed event
     * @param caughtUpMicros from writing the request to reading the last event published before it
     * @param answerBeforeMicros publish answers before the storm
     * @param answerDuringMicros publish answers during the storm
     */
    record StormFigures(
            int recorders,
            int recorded,
            int clients,
            int requestsSent,
            int served,
            int caughtUp,
            long resets,
            long outOfOrder,
            double spreadMillis,
            double stormMillis,
            Histogram firstReplayMicros,
            Histogram caughtUpMicros,
            Histogram answerBeforeMicros,
            Histogram answerDuringMicros) {}

    /** The figures of a run. Immutable once returned (the histograms are copies). */
    record Figures(
            String impl,
            int requested,
            int connected,
            double openMillis,
            int connectFailures,
            int streamsEndedByServer,
            Histogram connectMicros,
            long sent,
            long sentMeasured,
            long acked,
            long publishErrors,
            long publisherReconnects,
            double measuredSeconds,
            double maxPublishLagMillis,
            long measuredDeliveries,
            double deliverySeconds,
            Histogram latencyMicros,
            Histogram answerMicros,
            long expected,
            long received,
            long lost,
            long duplicated,
            long strays,
            long windowGiveUps,
            long churnOpened,
            long churnCycles,
            double churnSeconds,
            String firstError,
            StormFigures storm) {}

    // ---- the loop ---------------------------------------------------------------------------------

    private void loop() {
        try {
            while (running) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                nowNanos = System.nanoTime();
                openMore();
                publishDue();
                churnDue();
                resumeDue();
                housekeeping();
                long wait = nextWakeNanos() - System.nanoTime();
                if (wait <= 0) {
                    selector.selectNow(this::dispatch);
                } else {
                    selector.select(this::dispatch, Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            firstError = "load generator failed: " + e;
            System.getLogger(LoadEngine.class.getName()).log(System.Logger.Level.ERROR, "load generator failed", e);
        } finally {
            try {
                selector.close();
            } catch (IOException ignored) {
                // exiting
            }
        }
    }

    private void dispatch(SelectionKey key) {
        Handler h = (Handler) key.attachment();
        try {
            h.onSelected(key);
        } catch (IOException e) {
            h.onFailure(e);
        } catch (CancelledKeyException e) {
            // closed while being handled
        }
    }

    private long nextWakeNanos() {
        long next = nowNanos + HOUSEKEEPING_NANOS;
        if (!tasks.isEmpty()) {
            return nowNanos;
        }
        if (publishing) {
            next = Math.min(next, publishEndNanos);
            if (!measuring) {
                next = Math.min(next, publishStartNanos + warmupNanos);
            }
            if (intervalNanos > 0 && idlePublisher() != null) {
                next = Math.min(next, nextDueNanos);
            }
        }
        if (!pendingResumes.isEmpty() && opening < connectConcurrency) {
            next = Math.min(next, nextResumeNanos);
        }
        if (churning) {
            next = Math.min(next, Math.min(churnEndNanos, opening < connectConcurrency ? nextChurnNanos : next));
            SseClient first = churners.peek();
            if (first != null) {
                next = Math.min(next, first.leaveAtNanos);
            }
        }
        return next;
    }

    private void openMore() {
        while (opening < connectConcurrency && !pendingRecorders.isEmpty()) {
            SseClient c = pendingRecorders.poll();
            recorders.add(c);
            openStream(c);
        }
        while (opening < connectConcurrency && (pendingSteady > 0 || pendingStalled > 0)) {
            SseClient.Kind kind = pendingSteady > 0 ? SseClient.Kind.STEADY : SseClient.Kind.STALLED;
            if (kind == SseClient.Kind.STEADY) {
                pendingSteady--;
            } else {
                pendingStalled--;
            }
            SseClient c = new SseClient(this, kind);
            (kind == SseClient.Kind.STEADY ? steady : stalled).add(c);
            openStream(c);
        }
    }

    /** Reconnects the storm's streams that are due, as many as may be opening at once. */
    private void resumeDue() {
        while (!pendingResumes.isEmpty() && nowNanos >= nextResumeNanos && opening < connectConcurrency) {
            SseClient c = pendingResumes.poll();
            nextResumeNanos += stormIntervalNanos;
            resumed.add(c);
            openStream(c);
        }
    }

    private void openStream(SseClient c) {
        opening++;
        live.add(c);
        byte[] request = getRequest;
        if (c.kind == SseClient.Kind.RESUME) {
            request = ("GET /sse HTTP/1.1\r\nHost: " + host
                            + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\nLast-Event-ID: " + c.stopId
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8);
        }
        try {
            c.open(ByteBuffer.wrap(request), System.nanoTime());
        } catch (IOException e) {
            onStreamEnded(c, e);
        }
    }

    /**
     * Starts measuring with the first event scheduled from now on. A publisher that fell behind
     * during the warm-up catches up on events scheduled before: they are sent, but neither counted
     * as published in the measured time nor measured, so "published" never exceeds the target and
     * falls short of it exactly when the rate was not held.
     */
    private void beginMeasuring(long now) {
        measuring = true;
        long behind =
                intervalNanos > 0 && nextDueNanos < now ? (now - nextDueNanos + intervalNanos - 1) / intervalNanos : 0;
        measureFromSeq = nextSeq + behind;
        measureStartNanos = now;
    }

    private void publishDue() {
        if (!publishing) {
            return;
        }
        long now = nowNanos;
        if (now >= publishEndNanos) {
            publishing = false;
            measureEndNanos = publishEndNanos;
            return;
        }
        if (!measuring && now >= publishStartNanos + warmupNanos) {
            beginMeasuring(now);
        }
        if (window > 0) {
            giveUpOnStuckEvents(now);
        }
        for (int i = 0; i < publishers.size(); i++) {
            Publisher p = publishers.get(i);
            if (p.closed && publisherReconnects < 10_000) {
                p = new Publisher(this);
                publisherReconnects++;
                try {
                    p.open();
                } catch (IOException e) {
                    publishErrors++;
                    continue;
                } finally {
                    publishers.set(i, p);
                }
            }
            while (p.isIdle()) {
                if (intervalNanos > 0) {
                    if (now < nextDueNanos) {
                        return;
                    }
                    maxPublishLagNanos = Math.max(maxPublishLagNanos, now - nextDueNanos);
                    nextDueNanos += intervalNanos;
                } else if (sent - doneCount >= window) {
                    return;
                }
                if (nextSeq >= publishLimit) {
                    return;
                }
                publish(p, now);
            }
        }
    }

    private Publisher idlePublisher() {
        for (Publisher p : publishers) {
            if (p.isIdle()) {
                return p;
            }
        }
        return null;
    }

    private void publish(Publisher p, long now) {
        long seq = nextSeq++;
        if (window > 0) {
            ensureSeqCapacity((int) seq);
            recipients[(int) seq] = receivers;
            sentAt[(int) seq] = now;
        }
        StringBuilder body = new StringBuilder(eventBytes + 48)
                .append("{\"seq\":")
                .append(seq)
                .append(",\"t\":")
                .append(epochMicros());
        if (!padding.isEmpty()) {
            body.append(",\"pad\":\"").append(padding).append('"');
        }
        byte[] json = body.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        byte[] head = (postHead + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(head, head.length + json.length);
        System.arraycopy(json, 0, request, head.length, json.length);
        sent++;
        if (measuring && seq >= measureFromSeq) {
            sentMeasured++;
        }
        try {
            p.send(seq, request);
        } catch (IOException e) {
            p.onFailure(e);
        }
    }

    private void ensureSeqCapacity(int seq) {
        if (seq < recipients.length) {
            return;
        }
        int size = Math.max(1024, recipients.length * 2);
        recipients = Arrays.copyOf(recipients, size);
        delivered = Arrays.copyOf(delivered, size);
        sentAt = Arrays.copyOf(sentAt, size);
    }

    private void checkDone(int seq) {
        if (!done.get(seq) && acked.get(seq) && seq < delivered.length && delivered[seq] >= recipients[seq]) {
            markDone(seq);
        }
    }

    private void markDone(int seq) {
        if (!done.get(seq)) {
            done.set(seq);
            doneCount++;
        }
    }

    private void giveUpOnStuckEvents(long now) {
        while (oldestUndone < nextSeq) {
            if (done.get(oldestUndone)) {
                oldestUndone++;
            } else if (now - sentAt[oldestUndone] > WINDOW_GIVE_UP_NANOS) {
                markDone(oldestUndone);
                windowGiveUps++;
                oldestUndone++;
            } else {
                return;
            }
        }
    }

    private void churnDue() {
        if (churning) {
            long now = nowNanos;
            if (now >= churnEndNanos) {
                churning = false;
                churnStoppedNanos = now;
            } else {
                while (now >= nextChurnNanos && opening < connectConcurrency) {
                    nextChurnNanos += churnIntervalNanos;
                    churnOpened++;
                    openStream(new SseClient(this, SseClient.Kind.CHURN));
                }
            }
        }
        SseClient c;
        while ((c = churners.peek()) != null && c.leaveAtNanos <= nowNanos) {
            churners.poll();
            leave(c, nowNanos + CHURN_LEAVE_NANOS);
        }
    }

    private void housekeeping() {
        if (leavingList.isEmpty()) {
            return;
        }
        for (Iterator<SseClient> it = leavingList.iterator(); it.hasNext(); ) {
            SseClient c = it.next();
            if (!c.finalized && nowNanos >= c.leaveDeadlineNanos) {
                finish(c);
            }
            if (c.finalized) {
                it.remove();
            }
        }
    }

    // ---- leaving ----------------------------------------------------------------------------------

    /** Starts a stream's leaving: works out what it is owed, and finishes it once that arrived. */
    private void leave(SseClient c, long deadlineNanos) {
        if (c.leaving || c.finalized) {
            return;
        }
        c.leaving = true;
        if (c.receiving) {
            c.receiving = false;
            receivers--;
        }
        if (!c.connected) {
            return; // never registered: owed nothing; onConnected or onStreamEnded settles it
        }
        BitSet owed = (BitSet) acked.clone();
        if (c.fromSeq > 0) {
            owed.clear(0, (int) Math.min(Integer.MAX_VALUE, c.fromSeq));
        }
        c.expected = owed.cardinality();
        owed.andNot(c.received);
        c.missingCount = owed.cardinality();
        if (c.missingCount == 0 || c.closed) {
            finish(c);
        } else {
            c.missing = owed;
            c.leaveDeadlineNanos = deadlineNanos;
            leavingList.add(c);
        }
    }

    /** Settles a leaving stream's account and closes it. */
    private void finish(SseClient c) {
        if (c.finalized) {
            return;
        }
        c.finalized = true;
        expected += c.expected;
        lost += c.missingCount;
        c.missing = null;
        if (c.kind == SseClient.Kind.CHURN && c.connected) {
            churnCycles++;
        }
        c.close();
        live.remove(c);
    }
}
