package dev.ssekit.examples.war;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Deploys the packaged WAR, unchanged, into a servlet container under the context path
 * {@value #CONTEXT_PATH}, and reaches the page and {@code /sse}; each subclass is one container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WarDeploymentSuite {

    static final String CONTEXT_PATH = "/example";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient client = HttpClient.newHttpClient();
    private URI base;

    /** Starts the container on 127.0.0.1 with {@code war} at {@link #CONTEXT_PATH}; returns its port. */
    abstract int deploy(Path war, Path workDir) throws Exception;

    abstract void stop() throws Exception;

    @BeforeAll
    void deploy() throws Exception {
        Path war = Paths.get(System.getProperty("example.war", "target/sse-examples.war"));
        assertThat(war).as("the WAR built by `package`").isRegularFile();
        int port = deploy(war.toAbsolutePath(), Files.createTempDirectory("example-war"));
        base = URI.create("http://127.0.0.1:" + port + CONTEXT_PATH + "/");
    }

    @AfterAll
    void undeploy() throws Exception {
        stop();
    }

    /** Reads a stream's lines on another thread until {@code count} non-blank lines have come. */
    /** The first {@code count} field lines of a stream, without comments and ids. */
    private CompletableFuture<List<String>> lines(String path, int count) throws Exception {
        HttpResponse<Stream<String>> response = client.send(
                HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        return CompletableFuture.supplyAsync(() -> {
            List<String> lines = new ArrayList<>();
            try (Stream<String> body = response.body()) {
                for (Iterator<String> it = body.iterator(); it.hasNext() && lines.size() < count; ) {
                    String line = it.next();
                    // Ids are the registry's positions, checked by the core's tests; here the fields that follow.
                    if (!line.isBlank() && !line.startsWith(":") && !line.startsWith("id:")) {
                        lines.add(line);
                    }
                }
            }
            return lines;
        });
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return client.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pageIsServedFromTheExampleJarUnderTheContextPath() throws Exception {
        HttpResponse<String> page =
                client.send(HttpRequest.newBuilder(base).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>SSEKit example</title>");
        assertThat(client.send(
                                HttpRequest.newBuilder(base.resolve("app.js")).build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void streamAnnouncesItselfAndTheListenersTickerTicks() throws Exception {
        List<String> lines = lines("sse?rooms=ticker", 4).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(lines.get(0)).isEqualTo("event: connected");
        assertThat(lines.get(1)).startsWith("data: {\"connectionId\":\"");
        assertThat(lines.get(2)).isEqualTo("event: tick");
        assertThat(lines.get(3)).startsWith("data: {\"count\":");
    }

    @Test
    void initParametersAllowPublishingAndLimitBodiesToOneMebibyte() throws Exception {
        CompletableFuture<List<String>> lines = lines("sse?rooms=war-room", 4);
        HttpResponse<String> published = post("sse?room=war-room&event=chat", "{\"text\":\"from the WAR\"}");
        assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
        assertThat(published.body()).contains("\"queued\":1");
        assertThat(lines.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .contains("event: chat", "data: {\"text\":\"from the WAR\"}");

        HttpResponse<String> tooBig = post("sse?room=war-room", "{\"text\":\"" + "x".repeat(1 << 20) + "\"}");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("\"error\"");
    }
}
