package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.testing.Await;
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

/**
 * Reads one event stream with the JDK HttpClient, raw: lines are split on LF only, so a stray CR
 * from the server would show, and each frame keeps its exact bytes. Frames that hold only comments
 * (heartbeats) are recorded apart from events.
 */
final class RecordingClient implements AutoCloseable {

    /** One received frame with at least one field. {@code data} is null when it had no data line. */
    record Event(String id, String type, String data, String retry, byte[] raw) {
        String text() {
            return new String(raw, StandardCharsets.UTF_8);
        }
    }

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
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
    static RecordingClient open(HttpClient client, URI uri, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<InputStream> response = client.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
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
        assertThat(e.type() == null ? "message" : e.type()).as("type of %s", e.text()).isEqualTo(type);
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
        String id = null;
        String type = null;
        String retry = null;
        StringBuilder data = null;
        boolean fields = false;
        for (String line : lines) {
            if (line.startsWith(":")) {
                comments.add(line.substring(1));
                continue;
            }
            fields = true;
            int colon = line.indexOf(':');
            String name = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (name) {
                case "id" -> id = value;
                case "event" -> type = value;
                case "retry" -> retry = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> throw new AssertionError("unexpected field in " + lines);
            }
        }
        if (fields) {
            events.add(new Event(id, type, data == null ? null : data.toString(), retry, raw));
        }
    }
}
