package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.SseRegistry;
import dev.ssekit.testing.Await;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /sse/presence} and presence events on a real container with real clients. Each
 * subclass names a container; every test starts its own server on port 0.
 */
abstract class SsePresenceSuite {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerFixture server = newServer();
    private final HttpClient client = HttpClient.newBuilder()
            .version(server.version())
            .cookieHandler(new CookieManager())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<RecordingClient> streams = new ArrayList<>();
    private SseRegistry registry;
    private URI root;

    abstract ServerFixture newServer();

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
            if (registry != null) {
                registry.close();
            }
        }
    }

    /** Starts the servlet on {@code registry}; owners are the {@code X-User} header, or the session. */
    private void start(SseRegistry registry, SseAuthorizer authorizer) throws Exception {
        this.registry = registry;
        SseServlet servlet = SseServlet.builder(registry)
                .authorizer(authorizer)
                .ownerResolver(request -> request.getHeader("X-User") != null
                        ? request.getHeader("X-User")
                        : OwnerResolver.principalOrSession().owner(request))
                .build();
        root = server.start(context -> SseServlet.register(context, "/sse", servlet));
    }

    private RecordingClient connect(String query, String user) throws Exception {
        RecordingClient stream = RecordingClient.open(client, root.resolve("/sse" + query), "X-User", user);
        streams.add(stream);
        assertThat(stream.response().statusCode()).isEqualTo(200);
        stream.awaitEvent("connected");
        return stream;
    }

    private HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(root.resolve(pathAndQuery)).timeout(Await.TIMEOUT);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("content-type"))
                .get()
                .asString()
                .isEqualToIgnoringCase("application/json;charset=UTF-8");
        return JSON.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String messagePart) throws IOException {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.size()).isEqualTo(1);
        assertThat(body.path("error").asText()).contains(messagePart);
    }

    private static SseRegistry.Builder registry() {
        // Heartbeats find the streams whose clients went away.
        return SseRegistry.builder().heartbeat(Duration.ofMillis(200)).writeTimeout(Duration.ofSeconds(5));
    }

    // ---- GET /sse/presence -------------------------------------------------------------------------

    @Test
    void presenceCountsEachOwnerOnceAndListsTheApplicationsDescriptions() throws Exception {
        start(
                registry()
                        .describeOwners(owner -> owner.substring(0, 1).toUpperCase(Locale.ROOT) + owner.substring(1))
                        .build(),
                SseAuthorizer.defaults());
        connect("?rooms=chat", "alice");
        connect("?rooms=chat", "alice");
        connect("?rooms=chat,news", "bob");

        HttpResponse<String> answer = get("/sse/presence?room=chat", "X-User", "carol");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(json(answer))
                .isEqualTo(JSON.readTree("{\"room\":\"chat\",\"count\":2,\"members\":[\"Alice\",\"Bob\"]}"));
        assertThat(json(get("/sse/presence?room=empty", "X-User", "carol")))
                .isEqualTo(JSON.readTree("{\"room\":\"empty\",\"count\":0}"));
    }

    @Test
    void presenceIsAnonymousByDefaultAndNeverShowsAnOwnerKey() throws Exception {
        start(registry().build(), SseAuthorizer.defaults());
        connect("?rooms=chat", "session-key-of-alice");
        connect("?rooms=chat", "session-key-of-bob");

        HttpResponse<String> answer = get("/sse/presence?room=chat");

        assertThat(answer.body()).isEqualTo("{\"room\":\"chat\",\"count\":2}");
    }

    @Test
    void presenceIsAuthorizedLikeJoiningTheRoom() throws Exception {
        SseAuthorizer authorizer = new SseAuthorizer() {
            @Override
            public boolean join(HttpServletRequest request, String owner, String room) {
                return !room.startsWith("secret") || owner.equals("insider");
            }
        };
        start(registry().build(), authorizer);
        connect("?rooms=secret.plans", "insider");

        assertError(
                get("/sse/presence?room=secret.plans", "X-User", "outsider"),
                403,
                "not allowed to join room \"secret.plans\"");
        assertThat(json(get("/sse/presence?room=secret.plans", "X-User", "insider"))
                        .get("count")
                        .asInt())
                .isEqualTo(1);
        assertThat(get("/sse/presence?room=open", "X-User", "outsider").statusCode())
                .isEqualTo(200);
    }

    @Test
    void badRoomsAndMethodsAnswerJsonErrors() throws Exception {
        start(registry().build(), SseAuthorizer.defaults());

        assertError(get("/sse/presence"), 400, "room is required");
        assertError(get("/sse/presence?room=a&room=b"), 400, "room must be given once");
        assertError(get("/sse/presence?room="), 400, "room must not be empty");
        assertError(get("/sse/presence?room=" + "r".repeat(129)), 400, "room must be at most 128 characters");
        assertError(get("/sse/presence?room=a%0Ab"), 400, "room must not contain control characters");
        HttpResponse<String> post = client.send(
                HttpRequest.newBuilder(root.resolve("/sse/presence"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .header("Content-Type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(post, 405, "method POST is not allowed");
        assertThat(post.headers().firstValue("allow")).hasValue("GET, OPTIONS");
    }

    // ---- presence events ---------------------------------------------------------------------------

    @Test
    void membersHearOwnersArriveAndLeaveAsPresenceEvents() throws Exception {
        start(
                registry()
                        .presenceEvents(Pattern.compile("chat"))
                        .presenceEventDelay(Duration.ofMillis(50))
                        .describeOwners(owner -> owner.toUpperCase(Locale.ROOT))
                        .build(),
                SseAuthorizer.defaults());
        RecordingClient alice = connect("?rooms=chat", "alice");
        assertThat(alice.awaitEvent("presence").data())
                .isEqualTo("{\"room\":\"chat\",\"count\":1,\"members\":[\"ALICE\"]}");

        RecordingClient bob = connect("?rooms=chat", "bob");

        String both = "{\"room\":\"chat\",\"count\":2,\"members\":[\"ALICE\",\"BOB\"]}";
        RecordingClient.Event seenByAlice = alice.awaitEvent("presence");
        assertThat(seenByAlice.data()).isEqualTo(both);
        assertThat(seenByAlice.id()).as("not recorded: no id").isNull();
        assertThat(bob.awaitEvent("presence").data()).isEqualTo(both);

        bob.close();
        streams.remove(bob);
        assertThat(alice.awaitEvent("presence").data())
                .isEqualTo("{\"room\":\"chat\",\"count\":1,\"members\":[\"ALICE\"]}");
    }
}
