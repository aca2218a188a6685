package dev.ssekit.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A test client for one event stream: reads it with the JDK HttpClient on a thread of its own and
 * parses it with {@link EventParser}, the WHATWG event-stream interpretation, into {@link Event}s
 * that a test awaits with a deadline.
 *
 * <p>Thread-safe: the reader thread fills a queue that any test thread takes from.
 */
public final class EventStream implements AutoCloseable {

    /** How long {@link #next()} waits. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * One dispatched event: its own {@code id} field (null if it had none or only one holding NUL,
     * unlike a browser's lastEventId, which carries over), and its type, "message" when the stream
     * named none or an empty one.
     */
    public record Event(String id, String type, String data) {}

    private final HttpResponse<Stream<String>> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;

    private EventStream(HttpResponse<Stream<String>> response) {
        this.response = response;
        this.reader = new Thread(this::read, "event-stream-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Opens {@code uri} with {@code client}, sending {@code headers}; fails unless it answers 200. */
    public static EventStream open(HttpClient client, URI uri, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
        headers.forEach(request::header);
        HttpResponse<Stream<String>> response = client.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            String body = String.join("\n", response.body().limit(20).toList());
            fail("GET " + uri + " answered " + response.statusCode() + ": " + body);
        }
        return new EventStream(response);
    }

    /** Opens {@code uri} with {@code client}; fails unless it answers 200. */
    public static EventStream open(HttpClient client, URI uri) throws IOException, InterruptedException {
        return open(client, uri, Map.of());
    }

    /** Returns the response, for its status and headers. */
    public HttpResponse<Stream<String>> response() {
        return response;
    }

    /** Returns the stream's connection id, from the response header. */
    public String connectionId() {
        return response.headers().firstValue("X-SSE-Connection-Id").orElseThrow();
    }

    /** Returns the next event, or {@code null} if none comes within {@code wait}. */
    public Event poll(Duration wait) throws InterruptedException {
        return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Returns the next event, failing if none comes within the timeout. */
    public Event next() throws InterruptedException {
        Event e = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            fail("no event within " + TIMEOUT);
        }
        return e;
    }

    /** Returns the next event of {@code type}, skipping events of other types. */
    public Event next(String type) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            if (e == null) {
                fail("no \"" + type + "\" event within " + TIMEOUT);
            }
            if (e.type().equals(type)) {
                return e;
            }
        }
    }

    private void read() {
        EventParser parser = new EventParser("", e -> events.add(new Event(e.id(), e.type(), e.data())));
        try (Stream<String> lines = response.body()) {
            lines.forEach(parser::line);
        } catch (RuntimeException e) {
            // The stream was closed under the reader: the test is over with it.
        }
        parser.end();
    }

    @Override
    public void close() {
        response.body().close();
        reader.interrupt();
    }
}
