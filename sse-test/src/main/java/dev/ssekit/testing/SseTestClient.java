package dev.ssekit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A client for testing any running Server-Sent Events server from JUnit, as a browser's
 * {@code EventSource} would use it: connect with headers, await events with a deadline, make sure
 * nothing more arrives, then drop the connection and reconnect with the last event id.
 *
 * <pre>{@code
 * try (SseTestClient client = SseTestClient.connect(URI.create(base + "/sse?rooms=lobby"),
 *         Map.of("Authorization", "Bearer " + token))) {
 *     client.awaitEvent("connected", Duration.ofSeconds(5));
 *     publishSomething();
 *     SseTestEvent e = client.awaitEvent("message", Duration.ofSeconds(5));
 *     assertEquals("hello", e.data());
 *     client.assertNoEvent(Duration.ofMillis(200));
 *     client.reconnect();                 // sends Last-Event-ID: e.lastEventId()
 * }
 * }</pre>
 *
 * <p>Events are read on a daemon thread of the client's own and queued until a test takes them, in
 * the order the server sent them, across reconnections. The client follows no redirects and does
 * not reconnect by itself.
 *
 * <p>Thread-safe: any thread may await events; {@link #reconnect()} and {@link #close()} may be
 * called from any thread.
 *
 * @since 1.0
 */
public final class SseTestClient implements AutoCloseable {

    private static final HttpClient SHARED = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final HttpClient http;
    private final URI uri;
    private final Map<String, String> headers;
    private final BlockingQueue<SseTestEvent> events = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private Connection current; // guarded by lock
    private String lastEventId = ""; // guarded by lock
    private boolean closed; // guarded by lock

    private SseTestClient(HttpClient http, URI uri, Map<String, String> headers) {
        this.http = http;
        this.uri = uri;
        this.headers = Map.copyOf(headers);
    }

    /**
     * Connects to {@code uri} with no extra headers.
     *
     * @throws AssertionError if the server does not answer 200 with {@code text/event-stream}
     */
    public static SseTestClient connect(URI uri) {
        return connect(uri, Map.of());
    }

    /**
     * Connects to {@code uri}, sending {@code headers} with this request and every reconnection.
     *
     * @throws AssertionError if the server does not answer 200 with {@code text/event-stream}
     */
    public static SseTestClient connect(URI uri, Map<String, String> headers) {
        return connect(SHARED, uri, headers);
    }

    /** Connects with {@code http}, for a test that needs its own client (TLS, a proxy, HTTP/2). */
    public static SseTestClient connect(HttpClient http, URI uri, Map<String, String> headers) {
        SseTestClient client = new SseTestClient(
                Objects.requireNonNull(http, "http"),
                Objects.requireNonNull(uri, "uri"),
                Objects.requireNonNull(headers, "headers"));
        client.open();
        return client;
    }

    /**
     * Returns the next event, waiting up to {@code timeout}.
     *
     * @throws AssertionError if none arrives in time
     */
    public SseTestEvent awaitEvent(Duration timeout) {
        SseTestEvent e = poll(timeout.toNanos());
        if (e == null) {
            throw new AssertionError("no event from " + uri + " within " + timeout);
        }
        return e;
    }

    /**
     * Returns the next event of {@code type}, skipping (and discarding) events of other types,
     * waiting up to {@code timeout} in all.
     *
     * @throws AssertionError if none arrives in time
     */
    public SseTestEvent awaitEvent(String type, Duration timeout) {
        Objects.requireNonNull(type, "type");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SseTestEvent e = poll(deadline - System.nanoTime());
            if (e == null) {
                throw new AssertionError("no \"" + type + "\" event from " + uri + " within " + timeout);
            }
            if (e.type().equals(type)) {
                return e;
            }
        }
    }

    /**
     * Waits {@code period} and fails if any event arrives meanwhile, or had arrived untaken.
     *
     * @throws AssertionError naming the event that arrived
     */
    public void assertNoEvent(Duration period) {
        SseTestEvent e = poll(period.toNanos());
        if (e != null) {
            throw new AssertionError("expected no event from " + uri + " within " + period + ", got " + e);
        }
    }

    /** Returns the current connection's {@code X-SSE-Connection-Id} response header, if it sent one. */
    public Optional<String> connectionId() {
        return current().response.headers().firstValue("X-SSE-Connection-Id");
    }

    /** Returns the current connection's response, for its status and headers; its body belongs to the client. */
    public HttpResponse<?> response() {
        return current().response;
    }

    /** Returns the last event id, as a browser holds it: {@code ""} until an event carried an id. */
    public String lastEventId() {
        synchronized (lock) {
            Connection c = current;
            return c == null ? lastEventId : c.parser.lastEventId();
        }
    }

    /** Returns the reconnection delay the server last set with {@code retry}, if it set one. */
    public Optional<Duration> retry() {
        return current().parser.retry();
    }

    /**
     * Drops the connection and opens a new one, sending {@code Last-Event-ID} with the last event id
     * if there is one, as a browser does. Events already received stay queued.
     *
     * @throws AssertionError if the server does not answer 200 with {@code text/event-stream}
     */
    public void reconnect() {
        drop();
        open();
    }

    /** Drops the connection, as a client going away would; {@link #reconnect()} opens another. */
    public void drop() {
        synchronized (lock) {
            Connection c = current;
            if (c != null) {
                lastEventId = c.parser.lastEventId();
                current = null;
                c.close();
            }
        }
    }

    /** Drops the connection for good. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        drop();
    }

    private void open() {
        String resumeFrom;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the client is closed");
            }
            if (current != null) {
                throw new IllegalStateException("already connected");
            }
            resumeFrom = lastEventId;
        }
        Map<String, String> sent = new LinkedHashMap<>(headers);
        sent.putIfAbsent("Accept", "text/event-stream");
        sent.putIfAbsent("Cache-Control", "no-cache");
        if (!resumeFrom.isEmpty()) {
            sent.put("Last-Event-ID", resumeFrom);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        sent.forEach(request::header);
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + uri + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + uri, e);
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (response.statusCode() != 200 || !type.startsWith("text/event-stream")) {
            String body;
            try (Stream<String> lines = response.body()) {
                body = String.join("\n", lines.limit(20).toList());
            }
            throw new AssertionError("GET " + uri + " answered " + response.statusCode() + " " + type + ": " + body);
        }
        Connection c = new Connection(response, new EventParser(resumeFrom, events::add));
        synchronized (lock) {
            if (closed) {
                c.close();
                throw new IllegalStateException("the client is closed");
            }
            current = c;
        }
        c.start();
    }

    private Connection current() {
        synchronized (lock) {
            if (current == null) {
                throw new IllegalStateException("not connected");
            }
            return current;
        }
    }

    private SseTestEvent poll(long nanos) {
        try {
            return events.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an event from " + uri, e);
        }
    }

    /** One HTTP response being read. */
    private static final class Connection {
        final HttpResponse<Stream<String>> response;
        final EventParser parser;
        private final Thread reader;

        Connection(HttpResponse<Stream<String>> response, EventParser parser) {
            this.response = response;
            this.parser = parser;
            this.reader = new Thread(this::read, "sse-test-client");
            this.reader.setDaemon(true);
        }

        void start() {
            reader.start();
        }

        private void read() {
            try (Stream<String> lines = response.body()) {
                lines.forEach(parser::line);
            } catch (RuntimeException e) {
                // Dropped under the reader, or the server went away: the connection is over.
            }
            parser.end();
        }

        void close() {
            response.body().close();
            reader.interrupt();
        }
    }
}
