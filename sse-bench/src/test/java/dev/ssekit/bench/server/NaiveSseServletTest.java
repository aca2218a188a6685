package dev.ssekit.bench.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NaiveSseServletTest {

    private static BenchServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        server = BenchServer.start(BenchServer.Impl.NAIVE, "127.0.0.1", 0);
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static URI sse() {
        return URI.create("http://127.0.0.1:" + server.port() + "/sse");
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return client.send(
                HttpRequest.newBuilder(sse())
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String poll(BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(10, TimeUnit.SECONDS);
        assertThat(line).as("a line within 10 s").isNotNull();
        return line;
    }

    @Test
    void streamStartsWithConnectedThenCarriesEachPublishedBody() throws Exception {
        HttpResponse<Stream<String>> stream =
                client.send(HttpRequest.newBuilder(sse()).GET().build(), HttpResponse.BodyHandlers.ofLines());
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        stream.body().forEach(lines::add);
                    } catch (UncheckedIOException closedByTheTest) {
                        // the stream is closed at the end of the test
                    }
                },
                "test-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            assertThat(stream.headers().firstValue("X-Bench-Impl")).hasValue("naive");
            String id = stream.headers().firstValue("X-SSE-Connection-Id").orElseThrow();
            assertThat(poll(lines)).isEqualTo("event: connected");
            assertThat(poll(lines)).isEqualTo("data: {\"connectionId\":\"" + id + "\"}");
            assertThat(poll(lines)).isEmpty();

            HttpResponse<String> published = post("{\"n\":1,\n\"event\":\"x\"}");

            assertThat(published.statusCode()).isEqualTo(200);
            assertThat(published.body()).isEqualTo("{\"id\":null,\"queued\":1}");
            // A line break in the body stays inside the data: it cannot add a field or an event.
            assertThat(poll(lines)).isEqualTo("data: {\"n\":1,");
            assertThat(poll(lines)).isEqualTo("data: \"event\":\"x\"}");
            assertThat(poll(lines)).isEmpty();
        } finally {
            stream.body().close();
        }
    }

    @Test
    void bodyOverOneMebibyteIsRefusedWith413() throws Exception {
        HttpResponse<String> r = post("\"" + "x".repeat(1 << 20) + "\"");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).isEqualTo("{\"error\":\"body must not be larger than 1048576 bytes\"}");
    }

    @Test
    void frameTurnsEveryLineOfTheBodyIntoADataLine() {
        String frame = new String(
                NaiveSseServlet.frame("a\r\nb\rc\n".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertThat(frame).isEqualTo("data: a\ndata: b\ndata: c\ndata: \n\n");
    }
}
