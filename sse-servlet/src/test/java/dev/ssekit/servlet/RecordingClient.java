package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.testing.Await;
import dev.ssekit.testing.EventParser;
import dev.ssekit.testing.SseTestEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Reads one event stream with the JDK HttpClient, raw: frames are split on LF only, so a stray CR
 * from the server would show, each frame keeps its exact bytes, and a line that is neither a
 * comment nor one of the four fields fails the test. What a browser makes of each frame comes from
 * the test kit's spec parser, {@link EventParser}, fed the frames in order. Frames that hold only
 * comments (heartbeats) are recorded apart from events.
 */
final class RecordingClient implements AutoCloseable {

    /**
     * One received frame with at least one field. {@code id}, {@code type} and {@code data} are those
     * of the event a browser dispatched for it: its own id (null if it had none), its type
     * ({@code "message"} if it named none); all three are null when it dispatched none (no data line).
     */
    record Event(String id, String type, String data, byte[] raw) {
        String text() {
            return new String(raw, StandardCharsets.UTF_8);
        }
    }

    private static final Pattern FIELD = Pattern.compile("(id|event|data|retry)(:.*)?", Pattern.DOTALL);

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final EventParser parser = new EventParser("", e -> dispatched = e, comments::add);
    private SseTestEvent dispatched; // confined to the reader thread
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Thread reader;
    private volatile Throwable failure;

    private RecordingClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "recording-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens a stream at {@code uri}; returns once the response headers have arrived. */
    static RecordingClient open(HttpClient client, URI uri, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<InputStream> response =
                client.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        return new RecordingClient(response);
    }

    HttpResponse<InputStream> response() {
        return response;
    }

    /** Returns the next event, failing if none arrives within {@code timeout}. */
    Event awaitEvent(Duration timeout) throws InterruptedException {
        Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            throw new AssertionError("no event within " + timeout + (isEnded() ? "; the stream has ended" : "")
                    + (failure == null ? "" : "; reading failed: " + failure));
        }
        return e;
    }

    Event awaitEvent() throws InterruptedException {
        return awaitEvent(Await.TIMEOUT);
    }

    /** Returns the next event and checks its type; a frame without {@code event:} is a {@code message}. */
    Event awaitEvent(String type) throws InterruptedException {
        Event e = awaitEvent();
        assertThat(e.type()).as("type of %s", e.text()).isEqualTo(type);
        return e;
    }

    /** Fails if an event arrived that the test did not take. */
    void assertNoMoreEvents() {
        List<Event> left = new ArrayList<>(events);
        assertThat(left).as("events nobody expected").extracting(Event::text).isEmpty();
    }

    List<String> comments() {
        return comments;
    }

    boolean isEnded() {
        return ended.getCount() == 0;
    }

    /** Waits until the server ends the stream. */
    void awaitEnd() throws InterruptedException {
        if (!ended.await(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the stream did not end within " + Await.TIMEOUT);
        }
    }

    @Override
    public void close() throws IOException {
        response.body().close();
    }

    private void read() {
        try (InputStream in = response.body()) {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            List<String> lines = new ArrayList<>();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) != -1; ) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    frame.write(b);
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    if (!text.isEmpty()) {
                        lines.add(text);
                        continue;
                    }
                    dispatch(lines, frame.toByteArray());
                    lines.clear();
                    frame.reset();
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        } finally {
            ended.countDown();
        }
    }

    private void dispatch(List<String> lines, byte[] raw) {
        boolean fields = false;
        for (String line : lines) {
            if (!line.startsWith(":")) {
                fields = true;
                if (!FIELD.matcher(line).matches()) {
                    throw new AssertionError("unexpected field in " + lines);
                }
            }
            parser.line(line);
        }
        dispatched = null;
        parser.line("");
        if (fields) {
            SseTestEvent e = dispatched;
            events.add(e == null ? new Event(null, null, null, raw) : new Event(e.id(), e.type(), e.data(), raw));
        }
    }
}
