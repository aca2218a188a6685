package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.RecordingClient.Event;
import dev.ssekit.testing.Await;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.lang.reflect.Method;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a connection may see, and what a refused request costs, on a real container. Rooms are the
 * only boundary: a connection never receives, live or replayed, an event of a room the authorizer
 * did not let it join, whatever event-type filter it chose and however it changed it. Each
 * subclass names a container.
 */
abstract class SseAuthorizationSuite {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Refuses rooms starting with "secret", counts every join it is asked, and refuses or stops by query. */
    static final class SecretRooms implements SseAuthorizer {
        final AtomicInteger joins = new AtomicInteger();

        @Override
        public ConnectDecision connect(HttpServletRequest request, String owner) {
            String who = request.getParameter("who");
            return "banned".equals(who)
                    ? ConnectDecision.DENY
                    : "done".equals(who) ? ConnectDecision.STOP : ConnectDecision.ALLOW;
        }

        @Override
        public boolean join(HttpServletRequest request, String owner, String room) {
            joins.incrementAndGet();
            return !room.startsWith("secret");
        }
    }

    /** Counts the HTTP sessions the container creates. */
    static final class SessionCounter implements HttpSessionListener {
        final AtomicInteger created = new AtomicInteger();

        @Override
        public void sessionCreated(HttpSessionEvent se) {
            created.incrementAndGet();
        }
    }

    ServerFixture server;
    SseRegistry registry;
    SecretRooms authorizer;
    SessionCounter sessions;
    URI root;
    private final List<RecordingClient> opened = new ArrayList<>();

    abstract ServerFixture newServer();

    @BeforeEach
    void setUp() {
        server = newServer();
        registry = SseServletSuite.registry(SseRegistry.builder().history(1_000).maxRoomsPerConnection(8));
        authorizer = new SecretRooms();
        sessions = new SessionCounter();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (RecordingClient c : opened) {
                c.close();
            }
        } finally {
            server.stop();
            registry.close();
        }
    }

    void start(SseServlet.Builder servlet) throws Exception {
        SseServlet built = servlet.authorizer(authorizer).build();
        root = server.start(context -> {
            context.addListener(sessions);
            SseServlet.register(context, "/sse", built);
        });
    }

    HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(server.version())
                .cookieHandler(new CookieManager())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    RecordingClient connect(HttpClient client, String query, String... headers) throws Exception {
        RecordingClient c = RecordingClient.open(client, root.resolve("/sse" + query), headers);
        opened.add(c);
        assertThat(c.response().statusCode()).as("status of GET /sse%s", query).isEqualTo(200);
        c.awaitEvent("connected");
        return c;
    }

    static UUID id(RecordingClient c) {
        return SseServletSuite.id(c);
    }

    HttpResponse<String> get(HttpClient client, String pathAndQuery) throws Exception {
        return client.send(
                HttpRequest.newBuilder(root.resolve(pathAndQuery))
                        .timeout(Await.TIMEOUT)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(HttpClient client, String pathAndQuery, String body) throws Exception {
        if (client.version() == HttpClient.Version.HTTP_2) {
            // Upgrade to h2c with a request that has no body; see SseServletSuite.post.
            client.send(
                    HttpRequest.newBuilder(root.resolve("/sse"))
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
        }
        return client.send(
                HttpRequest.newBuilder(root.resolve(pathAndQuery))
                        .timeout(Await.TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> change(HttpClient client, UUID id, String rest) throws Exception {
        return post(client, "/sse/subscriptions", SseServletSuite.subscription(id, rest));
    }

    /** Reads events up to the broadcast "end", and returns their data; the connection's filter must let "end" pass. */
    static List<String> dataUntilEnd(RecordingClient c) throws InterruptedException {
        List<String> data = new ArrayList<>();
        for (Event e = c.awaitEvent(); !"end".equals(e.type()); e = c.awaitEvent()) {
            data.add(e.data());
        }
        return data;
    }

    /** Publishes one event of each kind to a room a client may not join, and to one it may. */
    void publishSecretsAndPublicEvents(String tag) {
        for (String type : List.of("secret.x", "x", "message", "end")) {
            registry.publish("secret.r", SseEvent.of(type, "SECRET " + tag + " " + type));
        }
        registry.publish("public", SseEvent.of("x", "public " + tag + " x"));
        registry.publish("public", SseEvent.of("secret.x", "public " + tag + " secret.x"));
        registry.publish(SseEvent.of("x", "everyone " + tag + " x"));
    }

    // ---- the property ------------------------------------------------------------------------------

    @Test
    void noConnectionReceivesARoomItMayNotJoinWhateverItsFilterLiveOrChanged() throws Exception {
        start(SseServlet.builder(registry));
        HttpClient client = newClient();
        RecordingClient noFilter = connect(client, "?rooms=public");
        RecordingClient list = connect(client, "?rooms=public&events=secret.x,x,end");
        RecordingClient cleared = connect(client, "?rooms=public&events=x,end");
        RecordingClient changed = connect(client, "?events=end");

        assertThat(get(client, "/sse?rooms=public,secret.r").statusCode()).isEqualTo(403);
        assertThat(get(client, "/sse?rooms=secret.r&events=secret.x").statusCode())
                .isEqualTo(403);
        assertThat(change(client, id(cleared), "\"events\":[]").statusCode()).isEqualTo(200);
        assertThat(change(client, id(changed), "\"join\":[\"public\",\"secret.r\"],\"events\":[]")
                        .statusCode())
                .isEqualTo(403);
        assertThat(change(client, id(changed), "\"join\":[\"public\"],\"events\":[\"secret.x\",\"x\",\"end\"]")
                        .statusCode())
                .isEqualTo(200);
        assertThat(change(client, id(changed), "\"join\":[\"secret.r\"]").statusCode())
                .isEqualTo(403);
        assertThat(change(client, id(changed), "\"events\":[]").statusCode()).isEqualTo(200);
        assertThat(registry.members("secret.r")).isEmpty();

        publishSecretsAndPublicEvents("live");
        registry.publish(SseEvent.of("end", "."));

        List<String> all = List.of("public live x", "public live secret.x", "everyone live x");
        assertThat(dataUntilEnd(noFilter)).containsExactlyElementsOf(all);
        assertThat(dataUntilEnd(list)).containsExactlyElementsOf(all);
        assertThat(dataUntilEnd(cleared)).containsExactlyElementsOf(all);
        assertThat(dataUntilEnd(changed)).containsExactlyElementsOf(all);
    }

    @Test
    void replayFromZeroOrFromMidHistoryHoldsNoEventOfARoomItMayNotJoin() throws Exception {
        start(SseServlet.builder(registry));
        HttpClient client = newClient();
        PublishResult first = registry.publish("public", SseEvent.of("x", "public 0 x"));
        publishSecretsAndPublicEvents("old");

        RecordingClient fromZero = connect(client, "?rooms=public", "Last-Event-ID", "0");
        RecordingClient fromZeroListed = connect(client, "?rooms=public&events=secret.x,x,end", "Last-Event-ID", "0");
        RecordingClient fromMid = connect(client, "?rooms=public", "Last-Event-ID", first.id());
        RecordingClient fromMidByQuery = connect(client, "?rooms=public&lastEventId=" + first.id());
        HttpResponse<String> refused = client.send(
                HttpRequest.newBuilder(root.resolve("/sse?rooms=public,secret.r"))
                        .header("Last-Event-ID", "0")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        registry.publish(SseEvent.of("end", "."));

        List<String> old = List.of("public old x", "public old secret.x", "everyone old x");
        List<String> fromStart = new ArrayList<>(List.of("public 0 x"));
        fromStart.addAll(old);
        assertThat(dataUntilEnd(fromZero)).containsExactlyElementsOf(fromStart);
        assertThat(dataUntilEnd(fromZeroListed)).containsExactlyElementsOf(fromStart);
        assertThat(dataUntilEnd(fromMid)).containsExactlyElementsOf(old);
        assertThat(dataUntilEnd(fromMidByQuery)).containsExactlyElementsOf(old);
    }

    @Test
    void theAuthorizerHasNoHookThatPromisesToHideEventTypes() {
        // Rooms are the boundary; a type filter is the client's. See SseAuthorizer.
        assertThat(Arrays.stream(SseAuthorizer.class.getMethods()).map(Method::getName))
                .containsExactlyInAnyOrder("connect", "join", "manage", "publish", "defaults", "allowAll");
    }

    // ---- cheap checks first --------------------------------------------------------------------------

    @Test
    void anOverlongRoomsListIsRefusedBeforeTheAuthorizerIsAsked() throws Exception {
        start(SseServlet.builder(registry));
        HttpClient client = newClient();
        String many = IntStream.range(0, 800).mapToObj(i -> "r" + i).collect(Collectors.joining(","));
        assertThat(many.length()).isLessThanOrEqualTo(4_096);
        String ninth = IntStream.range(0, 9).mapToObj(i -> "r" + i).collect(Collectors.joining(","));
        String eighth = IntStream.range(0, 8).mapToObj(i -> "r" + i).collect(Collectors.joining(","));

        SseServletSuite.assertError(
                get(client, "/sse?rooms=" + many), 400, "rooms: a connection may join at most 8, was 800");
        SseServletSuite.assertError(get(client, "/sse?rooms=" + ninth), 400, "at most 8, was 9");
        SseServletSuite.assertError(
                get(client, "/sse?rooms=r0,secret.r"), 403, "not allowed to join room \"secret.r\"");
        assertThat(authorizer.joins.get()).as("joins asked").isEqualTo(2);

        RecordingClient atLimit = connect(client, "?rooms=" + eighth + "," + eighth);
        assertThat(authorizer.joins.get())
                .as("joins asked: once per distinct room")
                .isEqualTo(2 + 8);
        UUID id = id(atLimit);
        String joinMany =
                IntStream.range(0, 1_000).mapToObj(i -> "\"j" + i + "\"").collect(Collectors.joining(","));
        SseServletSuite.assertError(change(client, id, "\"join\":[" + joinMany + "]"), 400, "at most 8, was 1000");
        SseServletSuite.assertError(
                change(client, id, "\"join\":[\"a\"],\"leave\":[\"\"]"), 400, "room must not be empty");
        assertThat(authorizer.joins.get()).as("joins asked").isEqualTo(10);
        // The limit holds on the result: a ninth room is refused by the registry, all or nothing.
        SseServletSuite.assertError(change(client, id, "\"join\":[\"a\"],\"events\":[\"y\"]"), 400, "at most 8, was 9");
        SseConnection c = registry.connection(id).orElseThrow();
        assertThat(c.rooms()).hasSize(8);
        assertThat(c.eventTypes()).isEmpty();
    }

    // ---- no state for a refused request --------------------------------------------------------------

    @Test
    void defaultOwnersAreACookieNotASessionAndRefusedRequestsGetNone() throws Exception {
        start(SseServlet.builder(registry).maxConnections(2));
        HttpClient member = newClient();
        RecordingClient a = connect(member, "");
        RecordingClient b = connect(member, "?rooms=public");
        assertThat(sessions.created.get()).as("sessions created").isZero();
        String owner = registry.connection(id(a)).orElseThrow().owner();
        String cookie = cookie(member, "ssekit-owner");
        assertThat(owner).matches("client:[A-Za-z0-9_-]{22}");
        assertThat(registry.connection(id(b)).orElseThrow().owner()).isEqualTo(owner);
        assertThat(owner).doesNotContain(cookie);

        HttpClient stranger = newClient();
        assertEveryRefusalLeavesNothing(stranger, a, id(b));
        assertThat(sessions.created.get()).as("sessions created").isZero();

        RecordingClient c = connect(stranger, "");
        assertThat(sessions.created.get()).as("sessions created").isZero();
        assertThat(registry.connection(id(c)).orElseThrow().owner())
                .matches("client:[A-Za-z0-9_-]{22}")
                .isNotEqualTo(owner);
    }

    @Test
    void withSessionOwnersRefusedRequestsLeaveNoSessionAndOwnersAreNotSessionIds() throws Exception {
        start(SseServlet.builder(registry).maxConnections(2).ownerResolver(OwnerResolver.principalOrSession()));
        HttpClient member = newClient();
        RecordingClient a = connect(member, "");
        RecordingClient b = connect(member, "?rooms=public");
        assertThat(sessions.created.get()).isEqualTo(1);
        String owner = registry.connection(id(a)).orElseThrow().owner();
        String cookie = cookie(member, "JSESSIONID");
        assertThat(owner).matches("session:[A-Za-z0-9_-]{22}");
        assertThat(registry.connection(id(b)).orElseThrow().owner()).isEqualTo(owner);
        assertThat(owner).doesNotContain(cookie.split("\\.")[0]);

        HttpClient stranger = newClient();
        assertEveryRefusalLeavesNothing(stranger, a, id(b));
        assertThat(sessions.created.get()).as("sessions created").isEqualTo(1);

        connect(stranger, "");
        assertThat(sessions.created.get()).as("sessions created").isEqualTo(2);
    }

    /**
     * Has {@code stranger} make every kind of refused request, the limit of two connections first
     * (then closes {@code a} to make room), and checks each answer; it must get no cookie from any.
     */
    private void assertEveryRefusalLeavesNothing(HttpClient stranger, RecordingClient a, UUID othersConnection)
            throws Exception {
        List<Integer> statuses = new ArrayList<>();
        statuses.add(get(stranger, "/sse").statusCode()); // two connections in total: 503
        a.close();
        Await.await("the first connection to close", () -> registry.stats().connections() == 1);
        statuses.add(get(stranger, "/sse?rooms=a,,b").statusCode());
        statuses.add(get(stranger, "/sse?rooms=secret.r").statusCode());
        statuses.add(get(stranger, "/sse?who=banned").statusCode());
        statuses.add(get(stranger, "/sse?who=done").statusCode());
        statuses.add(post(stranger, "/sse/subscriptions", SseServletSuite.subscription(UUID.randomUUID(), ""))
                .statusCode());
        statuses.add(change(stranger, othersConnection, "\"join\":[\"x\"]").statusCode());
        statuses.add(
                post(stranger, "/sse/subscriptions", "{\"connectionId\":1}").statusCode());
        statuses.add(post(stranger, "/sse", "{}").statusCode());
        statuses.add(get(stranger, "/sse/nope").statusCode());

        assertThat(statuses).containsExactly(503, 400, 403, 403, 204, 404, 403, 400, 403, 404);
        assertThat(((CookieManager) stranger.cookieHandler().orElseThrow())
                        .getCookieStore()
                        .getCookies())
                .as("cookies a refused client was given")
                .isEmpty();
    }

    /** The value of the cookie {@code name} (case-insensitive, as containers spell JSESSIONID variously) that {@code client} holds. */
    private static String cookie(HttpClient client, String name) {
        return ((CookieManager) client.cookieHandler().orElseThrow())
                .getCookieStore().getCookies().stream()
                        .filter(k -> k.getName().equalsIgnoreCase(name))
                        .findFirst()
                        .orElseThrow()
                        .getValue();
    }
}
