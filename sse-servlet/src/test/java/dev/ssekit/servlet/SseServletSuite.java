package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.RecordingClient.Event;
import dev.ssekit.spi.Scheduler;
import dev.ssekit.testing.Await;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * What every servlet suite shares: a server of the container a subclass names, the suite's
 * registry, an HTTP client, the streams a test opens (each checked for stray events and closed
 * after the test) and the helpers that speak to the servlet. Every test starts its own server on
 * port 0 with the servlet it needs.
 *
 * <p>The tests, one suite an endpoint or concern: {@link SseStreamSuite} (the event stream, going
 * away, resuming), {@link SsePublishSuite}, {@link SseSubscriptionsSuite}, {@link SseErrorsSuite}
 * (errors, limits at each edge, entitlement) and {@link SseLifecycleSuite} (deploying and
 * undeploying the servlet). {@link SseServletSuites} runs them all as nested classes on the
 * container each of its subclasses ({@code JettySseServletTest}, {@code TomcatSseServletTest}, ...)
 * names.
 */
abstract class SseServletSuite {

    static final ObjectMapper JSON = new ObjectMapper();
    /** The history of the suite's registry, in events. */
    static final int HISTORY = 1_000;

    /** Runs the test registries' heartbeat sweeps, so that only registries built by a servlet own threads. */
    static final Scheduler SWEEPER = Scheduler.of(Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-sweeper");
        t.setDaemon(true);
        return t;
    }));

    ServerFixture server;
    SseRegistry registry;
    HttpClient client;
    URI root;
    URI sse;
    final List<RecordingClient> streams = new ArrayList<>();
    private final Set<HttpClient> upgraded = Collections.newSetFromMap(new IdentityHashMap<>());

    abstract ServerFixture newServer();

    /** Names the container on a test's failure: the suites' test classes are the same on every one. */
    @RegisterExtension
    final TestExecutionExceptionHandler onContainer = (context, failure) -> {
        failure.addSuppressed(new AssertionError("on " + server));
        throw failure;
    };

    @BeforeEach
    void setUp() {
        server = newServer();
        registry = registry(SseRegistry.builder().history(HISTORY));
        client = newClient();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (RecordingClient s : streams) {
                s.assertNoMoreEvents();
            }
        } finally {
            for (RecordingClient s : streams) {
                s.close();
            }
            server.stop();
            registry.close();
        }
    }

    // ---- fixtures --------------------------------------------------------------------------------

    static SseRegistry registry(SseRegistry.Builder builder) {
        return builder.heartbeat(Duration.ofMillis(200))
                .writeTimeout(Duration.ofSeconds(5))
                .scheduler(SWEEPER)
                .build();
    }

    HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(server.version())
                .cookieHandler(new CookieManager())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    void start(SseServlet servlet) throws Exception {
        root = server.start(context -> SseServlet.register(context, "/sse", servlet));
        sse = root.resolve("/sse");
    }

    /** Opens a stream, checks it is accepted and reads its {@code connected} event. */
    RecordingClient connect(String query, String... headers) throws Exception {
        RecordingClient stream = RecordingClient.open(client, URI.create(sse + query), headers);
        streams.add(stream);
        assertThat(stream.response().statusCode()).isEqualTo(200);
        Event connected = stream.awaitEvent("connected");
        assertThat(connected.data()).isEqualTo("{\"connectionId\":\"" + id(stream) + "\"}");
        return stream;
    }

    static UUID id(RecordingClient stream) {
        return UUID.fromString(stream.response()
                .headers()
                .firstValue(SseServlet.CONNECTION_ID_HEADER)
                .orElseThrow());
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(root.resolve(pathAndQuery)).timeout(Await.TIMEOUT);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String pathAndQuery, String contentType, String body) throws Exception {
        return post(client, pathAndQuery, contentType, HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> post(HttpClient with, String pathAndQuery, String contentType, HttpRequest.BodyPublisher body)
            throws Exception {
        if (with.version() == HttpClient.Version.HTTP_2 && upgraded.add(with)) {
            // The JDK client upgrades a connection to h2c with its first request; an upgrade request
            // that carries a body is not reliably upgraded, so upgrade with one that has none.
            with.send(
                    HttpRequest.newBuilder(sse)
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
        }
        HttpRequest.Builder request =
                HttpRequest.newBuilder(root.resolve(pathAndQuery)).timeout(Await.TIMEOUT);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return with.send(request.POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        // Containers normalize the charset's case, which is case-insensitive.
        assertThat(response.headers().firstValue("content-type"))
                .get()
                .asString()
                .isEqualToIgnoringCase("application/json;charset=UTF-8");
        return JSON.readTree(response.body());
    }

    static void assertError(HttpResponse<String> response, int status, String messagePart) throws IOException {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.size()).isEqualTo(1);
        assertThat(body.path("error").asText()).contains(messagePart);
    }

    /** Checks a final event's retry: between the configured one and twice that, spread per connection. */
    static void assertJitteredRetry(String frame, long configuredMillis) {
        long retry = Long.parseLong(frame.substring("retry: ".length(), frame.indexOf('\n')));
        assertThat(retry).isBetween(configuredMillis, 2 * configuredMillis);
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String subscription(UUID id, String rest) {
        return "{\"connectionId\":\"" + id + "\"" + (rest.isEmpty() ? "" : "," + rest) + "}";
    }

    static List<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix))
                .collect(Collectors.toList());
    }

    /** Threads a container or SSEKit starts; not the JDK's or the test clients'. */
    static boolean isContainerThread(Thread t) {
        String name = t.getName();
        return t.isAlive()
                && (name.startsWith("qtp")
                        || name.startsWith("Scheduler-")
                        || name.startsWith("http-")
                        || name.startsWith("Catalina")
                        || name.startsWith("container-")
                        || name.startsWith("ssekit"));
    }
}
