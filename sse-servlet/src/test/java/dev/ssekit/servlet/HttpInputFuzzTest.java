package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import dev.ssekit.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.BufferUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of everything a client sends: the publish and subscription JSON
 * bodies, their query parameters and content types, and a stream's rooms, event types and
 * {@code Last-Event-ID}, through the real servlet on an in-process Jetty ({@link LocalConnector}).
 * Properties: never a 5xx, never an exception escaping, and every frame any stream receives has
 * only the fields the server writes, with the input confined to its own data line.
 *
 * <p>{@code mvn verify} runs the seeds in {@code src/test/resources/dev/ssekit/servlet/
 * HttpInputFuzzTestInputs} (regression mode); {@code JAZZER_FUZZ=1} fuzzes for {@code maxDuration}.
 */
class HttpInputFuzzTest {

    /**
     * A server-written event: an id as the registry writes it (never empty, which would clear the
     * client's last event id; {@code 0} is the position before everything), one type line at most,
     * one data line.
     */
    private static final Pattern EVENT =
            Pattern.compile("(retry: [0-9]+\n)?(id: ([0-9a-z]+-[0-9]+|0)\n)?(event: [^\r\n]+\n)?data: [^\r\n]*\n");

    private static final Pattern HEARTBEAT = Pattern.compile(":[^\r\n]*\n");

    private static Server server;
    private static LocalConnector connector;
    private static SseRegistry registry;
    private static final Recorder observer = new Recorder();
    private static SseConnection watched;

    @BeforeAll
    static void start() throws Exception {
        registry = SseRegistry.builder()
                .history(50)
                .heartbeat(Duration.ofSeconds(30))
                .maxRoomsPerConnection(8)
                .maxEventTypesPerConnection(8)
                .build();
        SseServlet servlet = SseServlet.builder(registry)
                .authorizer(SseAuthorizer.allowAll())
                .ownerResolver(request -> "fuzz")
                .maxConnectionsPerOwner(1_000)
                .maxBodyBytes(4_096)
                .build();
        server = new Server();
        connector = new LocalConnector(server);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServletContainerInitializer((classes, ctx) -> SseServlet.register(ctx, "/sse", servlet));
        server.setHandler(context);
        server.start();
        watched = Connections.open(
                registry, observer, ConnectOptions.builder("fuzz").rooms("fz").build());
        registry.publish("fz", SseEvent.of("h", "{\"seed\":1}"));
    }

    @AfterAll
    static void stop() throws Exception {
        registry.close();
        server.stop();
    }

    @FuzzTest(maxDuration = "20s")
    void publishAndSubscriptionRequestsNeverFailOrShapeAFrame(FuzzedDataProvider in) throws Exception {
        boolean subscriptions = in.consumeBoolean();
        StringBuilder query = new StringBuilder();
        if (!subscriptions) {
            int mode = in.consumeInt(0, 3);
            if (mode == 1) {
                query.append("room=").append(in.consumeBoolean() ? "fz" : encode(in.consumeString(160)));
            } else if (mode == 2) {
                query.append("connectionId=")
                        .append(in.consumeBoolean() ? watched.id().toString() : encode(in.consumeString(40)));
            }
            if (in.consumeBoolean()) {
                query.append(query.isEmpty() ? "" : "&").append("event=").append(encode(in.consumeString(160)));
            }
            if (in.consumeBoolean()) {
                // Raw and undecoded, as printable ASCII: the request line admits nothing else.
                query.append('&').append(in.consumeString(40).replaceAll("[^\\x21-\\x7e]|#", ""));
            }
        }
        String contentType = switch (in.consumeInt(0, 3)) {
            case 0 -> "application/json";
            case 1 -> "application/json; charset=" + headerValue(in.consumeString(12));
            case 2 -> "text/plain";
            default -> "application/merge-patch+json";
        };
        byte[] body = subscriptions && in.consumeBoolean()
                ? ("{\"connectionId\":\"" + watched.id() + "\",\"join\":[" + jsonString(in.consumeString(140))
                                + "],\"events\":[" + jsonString(in.consumeString(140)) + "]"
                                + in.consumeRemainingAsString() + "}")
                        .getBytes(StandardCharsets.UTF_8)
                : in.consumeRemainingAsBytes();
        String head = "POST /sse" + (subscriptions ? "/subscriptions" : "") + (query.isEmpty() ? "" : "?" + query)
                + " HTTP/1.0\r\nHost: local\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
                + "\r\n\r\n";
        String response = exchange(head, body);
        assertNoServerError(head, response);
        assertOnlyServerShapedFrames(observer.drain());
    }

    @FuzzTest(maxDuration = "20s")
    void streamRequestsNeverFailOrShapeAFrame(FuzzedDataProvider in) throws Exception {
        String rooms = in.consumeString(300);
        String events = in.consumeString(300);
        String header = headerValue(in.consumeString(300));
        String query = in.consumeString(300);
        String head = "GET /sse?rooms=" + encode(rooms) + "&events=" + encode(events)
                + (query.isEmpty() ? "" : "&lastEventId=" + encode(query))
                + " HTTP/1.0\r\nHost: local\r\n" + (header.isBlank() ? "" : "Last-Event-ID: " + header + "\r\n")
                + "\r\n";
        String response = streamExchange(head);
        assertNoServerError(head, response);
        if (response.startsWith("HTTP/1.1 200")) {
            String stream = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertOnlyServerShapedFrames(stream);
            assertThat(stream).containsPattern("\\A(id: [^\n]+\n)?event: connected\n");
        }
    }

    private static String exchange(String head, byte[] body) throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        request.writeBytes(body);
        ByteBuffer answer = connector.getResponse(ByteBuffer.wrap(request.toByteArray()), 10, TimeUnit.SECONDS);
        assertThat(answer).as("an answer to %s", head).isNotNull();
        return BufferUtil.toString(answer, StandardCharsets.UTF_8);
    }

    /**
     * Sends a stream request and returns the whole answer. A refusal ends by itself; a stream is
     * ended by the test, through the registry, once the server has written everything it queued
     * when the stream opened (the {@code connected} event, a {@code reset}, the replay).
     *
     * <p>Streams are not ended by a short maximum connection age: Jetty 12's async timeout is lost
     * when its scheduler fires before the container has stored the scheduled task (the task then
     * finds no task and does nothing, and the stream is never timed out again). With a 20 ms age a
     * request thread descheduled for 20 ms under load is enough, and the fuzzer saw a stream that
     * neither ended nor was answered in full.
     */
    private static String streamExchange(String head) throws Exception {
        LocalConnector.LocalEndPoint endPoint = connector.executeRequest(head);
        Await.await(
                "an answer or an opened stream for " + head,
                () -> !endPoint.isOpen() || endPoint.isOutputShutdown() || openedStream() != null);
        SseConnection stream = openedStream();
        if (stream != null) {
            // Visible only once open() queued its frames; empty only once the stream was armed and drained.
            Await.await(
                    "the stream's opening frames written for " + head,
                    () -> stream.queuedFrames() == 0 || !stream.isOpen());
            stream.close();
        }
        ByteBuffer answer = endPoint.waitForResponse(false, 10, TimeUnit.SECONDS);
        assertThat(answer).as("an answer to %s", head).isNotNull();
        Await.await("the stream closed for " + head, () -> registry.stats().connections() == 1);
        return BufferUtil.toString(answer, StandardCharsets.UTF_8);
    }

    /** The stream that a stream request opened, if any: every connection but the watched one. */
    private static SseConnection openedStream() {
        for (SseConnection c : registry.connections()) {
            if (!c.id().equals(watched.id())) {
                return c;
            }
        }
        return null;
    }

    private static void assertNoServerError(String request, String response) {
        assertThat(response).as("answer to %s", request).startsWith("HTTP/1.1 ");
        int status = Integer.parseInt(response.substring(9, 12));
        assertThat(status).as("status for %s: %s", request, response).isBetween(200, 499);
        if (status >= 400) {
            assertThat(response).contains("{\"error\":\"");
        }
    }

    /** Splits a stream into frames and checks each one is a heartbeat or a server-written event. */
    private static void assertOnlyServerShapedFrames(String stream) {
        assertThat(stream).doesNotContain("\r");
        if (stream.isEmpty()) {
            return;
        }
        assertThat(stream).as("stream ends at a frame boundary").endsWith("\n\n");
        for (String frame : stream.substring(0, stream.length() - 2).split("\n\n", -1)) {
            String f = frame + "\n";
            assertThat(EVENT.matcher(f).matches() || HEARTBEAT.matcher(f).matches())
                    .as("a frame only the server could have shaped: %s", f)
                    .isTrue();
        }
    }

    /**
     * Drops control characters, which the container's HTTP parser refuses (400) before any servlet
     * runs: the fuzzer's effort goes to what reaches the servlet.
     */
    private static String headerValue(String s) {
        return s.replaceAll("[\\x00-\\x1f\\x7f]", "");
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** A transport that records what the registry writes to it, always ready. */
    static final class Recorder implements SseTransport {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final ReentrantLock lock = new ReentrantLock();

        @Override
        public void start(TransportListener listener) {}

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void write(SseFrame frame) {
            lock.lock();
            try {
                frame.writeTo(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        String drain() {
            lock.lock();
            try {
                String s = bytes.toString(StandardCharsets.UTF_8);
                bytes.reset();
                return s;
            } finally {
                lock.unlock();
            }
        }
    }
}
