package dev.ssekit.servlet;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.CloseReason;
import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.RecordingClient.Event;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.spi.Scheduler;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.testing.Await;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The servlet's behaviour on a real container with real clients. Each subclass names a container;
 * every test starts its own server on port 0 with the servlet it needs.
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
    private final List<RecordingClient> streams = new ArrayList<>();
    private final Set<HttpClient> upgraded = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    abstract ServerFixture newServer();

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

    @AfterAll
    static void stopSweeper() {
        // Shared by the subclasses; a daemon thread, so nothing to do between classes.
    }

    // ---- fixtures --------------------------------------------------------------------------------

    static SseRegistry registry(SseRegistry.Builder builder) {
        return builder.heartbeat(Duration.ofMillis(200)).writeTimeout(Duration.ofSeconds(5)).scheduler(SWEEPER).build();
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
        return UUID.fromString(stream.response().headers().firstValue(SseServlet.CONNECTION_ID_HEADER).orElseThrow());
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(root.resolve(pathAndQuery)).timeout(Await.TIMEOUT);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String pathAndQuery, String contentType, String body) throws Exception {
        return post(client, pathAndQuery, contentType, HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> post(HttpClient with, String pathAndQuery, String contentType,
            HttpRequest.BodyPublisher body) throws Exception {
        if (with.version() == HttpClient.Version.HTTP_2 && upgraded.add(with)) {
            // The JDK client upgrades a connection to h2c with its first request; an upgrade request
            // that carries a body is not reliably upgraded, so upgrade with one that has none.
            with.send(HttpRequest.newBuilder(sse).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(root.resolve(pathAndQuery)).timeout(Await.TIMEOUT);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return with.send(request.POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        // Containers normalize the charset's case, which is case-insensitive.
        assertThat(response.headers().firstValue("content-type")).get().asString()
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

    // ---- streaming ---------------------------------------------------------------------------------

    @Test
    void streamStartsWithExactHeadersAndConnectedEvent() throws Exception {
        start(new SseServlet(registry));

        RecordingClient stream = connect("");

        HttpResponse<InputStream> response = stream.response();
        HttpHeaders headers = response.headers();
        assertThat(response.version()).isEqualTo(server.version());
        assertThat(headers.allValues("content-type")).containsExactly("text/event-stream;charset=UTF-8");
        assertThat(headers.allValues("cache-control")).containsExactly("no-cache, no-transform");
        assertThat(headers.allValues("x-accel-buffering")).containsExactly("no");
        assertThat(headers.firstValue("content-length")).isEmpty();
        // No "Connection: close": the stream stays open. Undertow states HTTP/1.1's default
        // explicitly ("keep-alive"); Jetty and Tomcat leave the header out.
        assertThat(headers.allValues("connection")).allMatch(v -> v.equalsIgnoreCase("keep-alive"));
        UUID id = id(stream);
        assertThat(registry.connection(id)).isPresent();
        assertThat(registry.stats().connections()).isEqualTo(1);
    }

    @Test
    void configuredRetryIsTheFirstFrame() throws Exception {
        start(SseServlet.builder(registry).retry(Duration.ofMillis(2_500)).build());

        RecordingClient stream = RecordingClient.open(client, sse);
        streams.add(stream);

        Event first = stream.awaitEvent();
        assertThat(first.text()).isEqualTo("retry: 2500\n\n");
        stream.awaitEvent("connected");
    }

    @Test
    void payloadsArriveByteExact() throws Exception {
        start(new SseServlet(registry));
        RecordingClient stream = connect("");
        StringBuilder big = new StringBuilder();
        while (big.toString().getBytes(StandardCharsets.UTF_8).length < 64 * 1024) {
            big.append("0123456789 äöü € 😀 abcdefghijklmnopqrstuvwxyz\n".repeat(64));
        }
        List<String> payloads = List.of(
                "one line",
                "first\nsecond\nthird",
                "carriage\rreturn",
                "crlf\r\nline",
                "trailing newline\n",
                "\n\nonly breaks\n\n",
                "",
                " leading space kept",
                "unicode: héllo wörld, ñ, 日本語, Ωμέγα",
                "emoji: 🎉 👩‍💻 🇺🇦",
                big.toString());

        for (String payload : payloads) {
            SseEvent event = SseEvent.of("payload", payload);
            PublishResult result = registry.publish(event);

            Event received = stream.awaitEvent("payload");
            assertThat(received.id()).isEqualTo(result.id());
            assertThat(received.raw()).isEqualTo(SseFrame.encode(event.withId(result.id())).toByteArray());
            assertThat(received.data()).isEqualTo(payload.replace("\r\n", "\n").replace('\r', '\n'));
        }
    }

    @Test
    void broadcastReachesEveryStream() throws Exception {
        start(new SseServlet(registry));
        RecordingClient a = connect("");
        RecordingClient b = connect("?rooms=r1");

        PublishResult result = registry.publish(SseEvent.of("news", "hello"));

        assertThat(result.queued()).isEqualTo(2);
        assertThat(a.awaitEvent("news").data()).isEqualTo("hello");
        assertThat(b.awaitEvent("news").data()).isEqualTo("hello");
    }

    @Test
    void roomEventsReachOnlyMembers() throws Exception {
        start(new SseServlet(registry));
        RecordingClient inR1 = connect("?rooms=r1");
        RecordingClient inBoth = connect("?rooms=r1,r2");
        RecordingClient inNone = connect("");

        registry.publish("r1", SseEvent.of("room", "for r1"));
        registry.publish("r2", SseEvent.of("room", "for r2"));
        registry.publish(SseEvent.of("end", "all"));

        assertThat(inR1.awaitEvent("room").data()).isEqualTo("for r1");
        assertThat(inR1.awaitEvent("end").data()).isEqualTo("all");
        assertThat(inBoth.awaitEvent("room").data()).isEqualTo("for r1");
        assertThat(inBoth.awaitEvent("room").data()).isEqualTo("for r2");
        assertThat(inBoth.awaitEvent("end").data()).isEqualTo("all");
        assertThat(inNone.awaitEvent("end").data()).isEqualTo("all");
        assertThat(registry.members("r1")).hasSize(2);
    }

    @Test
    void eventTypeFilterChosenAtConnectDropsOtherTypes() throws Exception {
        start(new SseServlet(registry));
        RecordingClient onlyA = connect("?events=a,end");
        RecordingClient all = connect("");

        registry.publish(SseEvent.of("a", "1"));
        registry.publish(SseEvent.of("b", "2"));
        registry.publish(SseEvent.of("end", "3"));

        assertThat(onlyA.awaitEvent("a").data()).isEqualTo("1");
        assertThat(onlyA.awaitEvent("end").data()).isEqualTo("3");
        assertThat(all.awaitEvent("a").data()).isEqualTo("1");
        assertThat(all.awaitEvent("b").data()).isEqualTo("2");
        assertThat(all.awaitEvent("end").data()).isEqualTo("3");
    }

    // ---- publishing over HTTP ------------------------------------------------------------------------

    @Test
    void publishSendsTheBodyAsCompactJsonAndAnswersWithIdAndCount() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient member = connect("?rooms=r");
        RecordingClient other = connect("");

        HttpResponse<String> broadcast = post("/sse", "application/json",
                "{ \"a\" : [1, 2.50, 1e3, {\"b\": \"x\\ny\"}],\n  \"s\": \"é🎉\" }\n");
        HttpResponse<String> toRoom = post("/sse?room=r&event=chat", "application/json; charset=utf-8", "\"hi\"");

        assertThat(broadcast.statusCode()).isEqualTo(200);
        JsonNode answer = json(broadcast);
        assertThat(answer.path("queued").asInt()).isEqualTo(2);
        String compact = "{\"a\":[1,2.50,1e3,{\"b\":\"x\\ny\"}],\"s\":\"é🎉\"}";
        Event received = member.awaitEvent("message");
        assertThat(received.data()).isEqualTo(compact);
        assertThat(received.id()).isEqualTo(answer.path("id").asText());
        assertThat(other.awaitEvent("message").data()).isEqualTo(compact);

        assertThat(toRoom.statusCode()).isEqualTo(200);
        assertThat(json(toRoom).path("queued").asInt()).isEqualTo(1);
        assertThat(member.awaitEvent("chat").data()).isEqualTo("\"hi\"");
    }

    @Test
    void publishToOneConnectionReachesOnlyIt() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient target = connect("");
        RecordingClient bystander = connect("");

        HttpResponse<String> response = post("/sse?connectionId=" + id(target) + "&event=dm", "application/json", "{\"x\":1}");
        registry.publish(SseEvent.of("end", "."));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = json(response);
        assertThat(answer.get("id").isNull()).isTrue();
        assertThat(answer.path("queued").asInt()).isEqualTo(1);
        assertThat(target.awaitEvent("dm").data()).isEqualTo("{\"x\":1}");
        target.awaitEvent("end");
        bystander.awaitEvent("end");
    }

    @Test
    void publishingTheRegistrysOwnEventTypesAnswers400() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient member = connect("?rooms=r");

        for (String type : List.of(SseRegistry.CONNECTED_EVENT, SseRegistry.RESET_EVENT)) {
            assertError(post("/sse?event=" + type, "application/json", "{\"connectionId\":\"x\"}"), 400, "type");
            assertError(post("/sse?room=r&event=" + type, "application/json", "{}"), 400, "reserved");
            assertError(post("/sse?connectionId=" + id(member) + "&event=" + type, "application/json", "{}"), 400, "reserved");
        }
        registry.publish(SseEvent.of("end", "."));

        member.awaitEvent("end"); // the next event: none of the refused ones reached the stream
    }

    @Test
    void nothingAClientSendsAddsALineToAStream() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient stream = connect("");

        String sneaky = "\"line\\n\\nevent: evil\\ndata: injected\\r\\n\"";
        HttpResponse<String> published = post("/sse", "application/json", sneaky);
        HttpResponse<String> badType = post("/sse?event=" + q("a\ndata: x"), "application/json", "1");
        HttpResponse<String> badRoom = get("/sse?rooms=" + q("a\n\ndata: x"));

        assertThat(published.statusCode()).isEqualTo(200);
        Event received = stream.awaitEvent("message");
        assertThat(received.data()).isEqualTo(sneaky);
        assertThat(received.text()).hasLineCount(3); // id, data, blank
        assertError(badType, 400, "event type must not contain control characters");
        assertError(badRoom, 400, "room must not contain control characters");
    }

    // ---- subscriptions and ownership ---------------------------------------------------------------

    @Test
    void ownerChangesRoomsAndEventTypes() throws Exception {
        start(new SseServlet(registry));
        RecordingClient stream = connect("");
        UUID id = id(stream);

        HttpResponse<String> changed = post("/sse/subscriptions", "application/json",
                subscription(id, "\"join\":[\"r1\",\"r2\"],\"events\":[\"x\",\"end\"]"));
        registry.publish("r1", SseEvent.of("x", "1"));
        registry.publish("r1", SseEvent.of("y", "filtered out"));
        registry.publish("r3", SseEvent.of("x", "not a member"));
        registry.publish(SseEvent.of("end", "."));

        assertThat(changed.statusCode()).isEqualTo(200);
        JsonNode answer = json(changed);
        assertThat(answer.path("connectionId").asText()).isEqualTo(id.toString());
        assertThat(answer.path("rooms")).extracting(JsonNode::asText).containsExactly("r1", "r2");
        assertThat(answer.path("events")).extracting(JsonNode::asText).containsExactlyInAnyOrder("x", "end");
        assertThat(stream.awaitEvent("x").data()).isEqualTo("1");
        stream.awaitEvent("end");

        HttpResponse<String> left = post("/sse/subscriptions", "application/json",
                subscription(id, "\"leave\":[\"r2\"],\"events\":[]"));
        assertThat(left.statusCode()).isEqualTo(200);
        assertThat(json(left).path("rooms")).extracting(JsonNode::asText).containsExactly("r1");
        assertThat(json(left).path("events")).isEmpty();
        assertThat(registry.members("r2")).isEmpty();
    }

    @Test
    void anotherSessionMayNotChangeSubscriptions() throws Exception {
        start(new SseServlet(registry));
        RecordingClient stream = connect("");
        UUID id = id(stream);
        HttpClient stranger = newClient();

        HttpResponse<String> response = post(stranger, "/sse/subscriptions", "application/json",
                HttpRequest.BodyPublishers.ofString(subscription(id, "\"join\":[\"r1\"]")));

        assertError(response, 403, "only the owner");
        assertThat(registry.connection(id).orElseThrow().rooms()).isEmpty();
    }

    @Test
    void subscriptionChangesAreAllOrNothing() throws Exception {
        SseRegistry small = registry(SseRegistry.builder().maxRoomsPerConnection(2));
        try {
            start(new SseServlet(small));
            RecordingClient stream = connect("?rooms=a&events=x");
            UUID id = id(stream);

            HttpResponse<String> response = post("/sse/subscriptions", "application/json",
                    subscription(id, "\"leave\":[\"a\"],\"join\":[\"b\",\"c\",\"d\"],\"events\":[\"y\"]"));

            assertError(response, 400, "at most 2");
            SseConnection c = small.connection(id).orElseThrow();
            assertThat(c.rooms()).containsExactly("a");
            assertThat(c.eventTypes()).containsExactly("x");
        } finally {
            small.close();
        }
    }

    // ---- errors ----------------------------------------------------------------------------------

    @Test
    void malformedRequestsAnswer400() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        UUID id = id(connect(""));

        assertError(post("/sse", "application/json", "{\"a\":"), 400, "body is not valid JSON");
        assertError(post("/sse", "application/json", "{} {}"), 400, "exactly one JSON value");
        assertError(post("/sse", "application/json", ""), 400, "was empty");
        assertError(post("/sse?room=r&connectionId=" + id, "application/json", "1"), 400, "cannot be combined");
        assertError(post("/sse?connectionId=42", "application/json", "1"), 400, "connectionId must be a connection id");
        assertError(post("/sse?room=", "application/json", "1"), 400, "room must not be empty");
        assertError(get("/sse?rooms=" + "r".repeat(129)), 400, "room must be at most 128 characters");
        assertError(get("/sse?rooms=a,,b"), 400, "room must not be empty");
        assertError(get("/sse?events=" + q("a\u0001")), 400, "event type must not contain control characters");
        assertError(get("/sse", "Last-Event-ID", "x".repeat(300)), 400, "Last-Event-ID must be at most 256");
        assertError(post("/sse/subscriptions", "application/json", "[]"), 400, "JSON object");
        assertError(post("/sse/subscriptions", "application/json", "{\"connectionId\":\"nope\"}"), 400,
                "connectionId must be a connection id");
        assertError(post("/sse/subscriptions", "application/json", "{\"join\":[]}"), 400, "connectionId must be a string");
        assertError(post("/sse/subscriptions", "application/json", subscription(id, "\"bogus\":1")), 400,
                "unknown field \"bogus\"");
        assertError(post("/sse/subscriptions", "application/json", subscription(id, "\"join\":[1]")), 400,
                "join must be an array of strings");
        assertError(post("/sse/subscriptions", "application/json", subscription(id, "\"join\":[\"\"]")), 400,
                "room must not be empty");
        assertThat(registry.stats().connections()).isEqualTo(1);
    }

    @Test
    void refusedRequestsAnswer403() throws Exception {
        SseAuthorizer authorizer = new SseAuthorizer() {
            @Override
            public ConnectDecision connect(HttpServletRequest request, String owner) {
                return "banned".equals(request.getParameter("who")) ? ConnectDecision.DENY : ConnectDecision.ALLOW;
            }

            @Override
            public boolean join(HttpServletRequest request, String owner, String room) {
                return !room.startsWith("secret");
            }
        };
        start(SseServlet.builder(registry).authorizer(authorizer).build());
        UUID id = id(connect(""));

        assertError(get("/sse?who=banned"), 403, "not allowed to connect");
        assertError(get("/sse?rooms=ok,secret.room"), 403, "not allowed to join room \"secret.room\"");
        assertError(post("/sse/subscriptions", "application/json", subscription(id, "\"join\":[\"secret.r\"]")), 403,
                "not allowed to join room");
        assertError(post("/sse", "application/json", "{}"), 403, "not allowed to publish");
        assertThat(registry.stats().connections()).isEqualTo(1);
    }

    @Test
    void stopDecisionAnswers204() throws Exception {
        SseAuthorizer authorizer = new SseAuthorizer() {
            @Override
            public ConnectDecision connect(HttpServletRequest request, String owner) {
                return ConnectDecision.STOP;
            }
        };
        start(SseServlet.builder(registry).authorizer(authorizer).build());

        HttpResponse<String> response = get("/sse");

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(registry.stats().connections()).isZero();
    }

    @Test
    void unknownConnectionsAndPathsAnswer404() throws Exception {
        start(new SseServlet(registry));

        assertError(post("/sse/subscriptions", "application/json", subscription(UUID.randomUUID(), "")), 404,
                "no open connection");
        assertError(get("/sse/nope"), 404, "no such endpoint");
    }

    @Test
    void wrongMethodsAnswer405WithAllow() throws Exception {
        start(new SseServlet(registry));

        HttpResponse<String> getSubscriptions = get("/sse/subscriptions"); // first: see post()
        HttpResponse<String> put = client.send(HttpRequest.newBuilder(sse)
                .method("PUT", HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertError(put, 405, "method PUT is not allowed");
        assertThat(put.headers().firstValue("allow")).hasValue("GET, POST, OPTIONS");
        assertError(getSubscriptions, 405, "method GET is not allowed");
        assertThat(getSubscriptions.headers().firstValue("allow")).hasValue("POST, OPTIONS");
        HttpResponse<String> options = client.send(HttpRequest.newBuilder(sse)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(options.statusCode()).isEqualTo(204);
        assertThat(options.headers().firstValue("allow")).hasValue("GET, POST, OPTIONS");
    }

    @Test
    void bodiesOverTheLimitAnswer413WhetherDeclaredOrChunked() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).maxBodyBytes(1_024).build());
        byte[] big = ("\"" + "x".repeat(2_000) + "\"").getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> declared = post(client, "/sse", "application/json", HttpRequest.BodyPublishers.ofByteArray(big));
        HttpResponse<String> chunked = post(client, "/sse", "application/json",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
        HttpResponse<String> fits = post("/sse", "application/json", "\"" + "x".repeat(1_000) + "\"");

        assertError(declared, 413, "body must be at most 1024 bytes");
        assertError(chunked, 413, "body must be at most 1024 bytes");
        assertThat(fits.statusCode()).isEqualTo(200);
    }

    @Test
    void bodiesThatAreNotJsonAnswer415() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());

        assertError(post("/sse", "text/plain", "{}"), 415, "Content-Type must be application/json");
        assertError(post(client, "/sse", null, HttpRequest.BodyPublishers.ofString("{}")), 415, "Content-Type");
        assertError(post("/sse", "application/json;charset=ISO-8859-1", "{}"), 415, "JSON must be UTF-8");
        assertError(post("/sse/subscriptions", "application/x-www-form-urlencoded", "a=b"), 415, "Content-Type");
        assertThat(post("/sse", "application/vnd.example+json", "{}").statusCode()).isEqualTo(200);
    }

    @Test
    void connectionLimitsAnswer429PerOwnerAnd503InTotal() throws Exception {
        start(SseServlet.builder(registry)
                .maxConnections(3)
                .maxConnectionsPerOwner(2)
                .ownerResolver(request -> request.getHeader("X-Owner"))
                .build());
        // Before the limits fill: the limits are checked first, being cheaper than establishing an owner.
        HttpResponse<String> anonymous = get("/sse");
        RecordingClient a1 = connect("", "X-Owner", "alice");
        connect("", "X-Owner", "alice");

        HttpResponse<String> third = get("/sse", "X-Owner", "alice");
        connect("", "X-Owner", "bob");
        HttpResponse<String> full = get("/sse", "X-Owner", "carol");

        assertError(third, 429, "too many connections for this client");
        assertThat(third.headers().firstValue("retry-after")).isPresent();
        assertError(full, 503, "too many connections");
        assertThat(full.headers().firstValue("retry-after").map(Integer::parseInt).orElseThrow()).isBetween(5, 14);
        assertError(anonymous, 403, "no owner");

        a1.close();
        await("a closed stream to give its slot back", () -> registry.stats().connections() == 2);
        connect("", "X-Owner", "alice");
    }

    @Test
    void charsetThatIsNotAWellFormedNameAnswers415NotA500() throws Exception {
        // Found by HttpInputFuzzTest: Jetty's getContentType() throws for "charset=:".
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient stream = connect("");

        assertError(post("/sse", "application/json; charset=:", "1"), 415, "JSON must be UTF-8");
        assertError(post("/sse/subscriptions", "application/json; charset=:", subscription(id(stream), "")),
                415, "JSON must be UTF-8");
    }

    @Test
    void bodiesThatAreNotUtf8Answer400NotA500() throws Exception {
        // Found by HttpInputFuzzTest: given bytes, Jackson guessed UTF-32 and failed with an I/O error.
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient stream = connect("");
        byte[] truncatedUtf32 = {0, 0, 0, '1', 0};
        byte[] invalidUtf8 = {'"', (byte) 0xC3, '"'};

        for (byte[] body : List.of(truncatedUtf32, invalidUtf8)) {
            assertError(post(client, "/sse", "application/json", HttpRequest.BodyPublishers.ofByteArray(body)),
                    400, "body is not valid");
            assertError(post(client, "/sse/subscriptions", "application/json", HttpRequest.BodyPublishers.ofByteArray(body)),
                    400, "body is not valid");
        }
        assertThat(registry.connection(id(stream))).isPresent();
    }

    @Test
    void malformedQueryStringAnswersAJsonErrorOrIsIgnored() throws Exception {
        // Found by HttpInputFuzzTest: Jetty throws from getParameterValues for "%zz", which escaped
        // as its own HTML 400; Tomcat drops the malformed parameter; Undertow refuses the request
        // before dispatch. (java.net.URI refuses such a query, hence a raw socket.)
        start(new SseServlet(registry));

        try (RawStream stream = RawStream.open(root, "/sse?rooms=a&%zz", 0)) {
            if (stream.status == 200) {
                stream.readUntil("event: connected", 64 * 1024);
            } else if (stream.header("Content-Type") == null) {
                // Undertow refuses the request line itself, before any servlet runs.
                assertThat(stream.status).isEqualTo(400);
                assertThat(stream.header("Content-Length")).isEqualTo("0");
            } else {
                assertThat(stream.status).isEqualTo(400);
                assertThat(stream.header("Content-Type")).startsWithIgnoringCase("application/json");
                assertThat(stream.readUntil("}", 4096)).contains("{\"error\":\"the query string is malformed\"}");
            }
        }
    }

    // ---- limits, at each edge -----------------------------------------------------------------------

    @Test
    void bodyAtTheLimitIsAcceptedAndOneByteMoreAnswers413() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).maxBodyBytes(100).build());
        String atLimit = "\"" + "x".repeat(98) + "\"";
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(100);

        assertThat(post("/sse", "application/json", atLimit).statusCode()).isEqualTo(200);
        assertError(post("/sse", "application/json", "\"" + "x".repeat(99) + "\""), 413, "body must be at most 100 bytes");
        RecordingClient stream = connect("");
        String join = subscription(id(stream), "\"join\":[\"" + "r".repeat(100 - 70) + "\"]");
        String padded = join.substring(0, join.length() - 1) + " ".repeat(100 - join.length()) + "}";
        assertThat(padded.getBytes(StandardCharsets.UTF_8)).hasSize(100);
        assertThat(post("/sse/subscriptions", "application/json", padded).statusCode()).isEqualTo(200);
        assertError(post("/sse/subscriptions", "application/json", padded + " "), 413, "body must be at most 100 bytes");
    }

    @Test
    void roomsPerConnectionAtTheLimitAreAcceptedAndOneMoreAnswers400() throws Exception {
        registry = registry(SseRegistry.builder().maxRoomsPerConnection(4));
        start(new SseServlet(registry));

        connect("?rooms=a,b,c,d");
        assertError(get("/sse?rooms=a,b,c,d,e"), 400, "rooms: a connection may join at most 4");
        RecordingClient stream = connect("?rooms=a,b,c");
        assertThat(post("/sse/subscriptions", "application/json", subscription(id(stream), "\"join\":[\"d\"]"))
                .statusCode()).isEqualTo(200);
        assertError(post("/sse/subscriptions", "application/json", subscription(id(stream), "\"join\":[\"e\"]")),
                400, "rooms: a connection may join at most 4");
        assertThat(registry.connection(id(stream)).orElseThrow().rooms()).containsExactlyInAnyOrder("a", "b", "c", "d");
    }

    @Test
    void eventTypesPerConnectionAtTheLimitAreAcceptedAndOneMoreAnswers400() throws Exception {
        registry = registry(SseRegistry.builder().maxEventTypesPerConnection(3));
        start(new SseServlet(registry));

        RecordingClient stream = connect("?events=x,y,z");
        assertError(get("/sse?events=w,x,y,z"), 400, "event types: a connection may choose at most 3");
        assertError(post("/sse/subscriptions", "application/json", subscription(id(stream), "\"events\":[\"w\",\"x\",\"y\",\"z\"]")),
                400, "event types: a connection may choose at most 3");
        assertThat(registry.connection(id(stream)).orElseThrow().eventTypes()).containsExactlyInAnyOrder("x", "y", "z");
    }

    @Test
    void namesOfTheLongestLengthAreAcceptedAndOneCharacterMoreAnswers400() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        String longest = "n".repeat(128);

        RecordingClient stream = connect("?rooms=" + longest + "&events=" + longest);
        assertError(get("/sse?rooms=" + longest + "n"), 400, "at most 128 characters");
        assertError(get("/sse?events=" + longest + "n"), 400, "at most 128 characters");
        assertThat(post("/sse?room=" + longest + "&event=" + longest, "application/json", "1").statusCode()).isEqualTo(200);
        assertThat(stream.awaitEvent(longest).data()).isEqualTo("1");
        assertError(post("/sse?room=" + longest + "n", "application/json", "1"), 400, "at most 128 characters");
        assertError(post("/sse?event=" + longest + "n", "application/json", "1"), 400, "at most 128 characters");
    }

    @Test
    void connectionsPerOwnerAndInTotalAtTheLimitAreAcceptedAndOneMoreIsRefused() throws Exception {
        start(SseServlet.builder(registry)
                .maxConnections(5)
                .maxConnectionsPerOwner(3)
                .ownerResolver(request -> request.getHeader("X-Owner"))
                .build());
        for (int i = 0; i < 3; i++) {
            connect("", "X-Owner", "alice");
        }
        assertError(get("/sse", "X-Owner", "alice"), 429, "too many connections for this client");
        connect("", "X-Owner", "bob");
        connect("", "X-Owner", "carol");
        assertThat(registry.stats().connections()).isEqualTo(5);
        assertError(get("/sse", "X-Owner", "dave"), 503, "too many connections");
    }

    // ---- entitlement ---------------------------------------------------------------------------------

    @Test
    void connectionIdsAreRandomVersion4Uuids() throws Exception {
        start(new SseServlet(registry));
        connect("");
        int n = 2_000;
        Set<UUID> ids = new java.util.HashSet<>();
        int[] ones = new int[128];
        for (int i = 0; i < n; i++) {
            SseConnection c = Connections.open(registry, new NullTransport(), ConnectOptions.builder("o").build());
            UUID id = c.id();
            c.close();
            assertThat(id.version()).isEqualTo(4);
            assertThat(id.variant()).isEqualTo(2);
            ids.add(id);
            for (int bit = 0; bit < 64; bit++) {
                ones[bit] += (int) (id.getMostSignificantBits() >>> bit) & 1;
                ones[64 + bit] += (int) (id.getLeastSignificantBits() >>> bit) & 1;
            }
        }
        assertThat(ids).hasSize(n);
        // The 122 random bits are each set about half the time (over 6 standard deviations of margin);
        // the 6 fixed bits (version 0100, variant 10) are the only ones that never vary.
        int fixed = 0;
        for (int bit = 0; bit < 128; bit++) {
            if (ones[bit] == 0 || ones[bit] == n) {
                fixed++;
            } else {
                assertThat(ones[bit]).as("bit %d set in %d of %d ids", bit, ones[bit], n).isBetween(n * 40 / 100, n * 60 / 100);
            }
        }
        assertThat(fixed).isEqualTo(6);
    }

    @Test
    void anotherSessionGets403OnEveryConnectionScopedOperation() throws Exception {
        start(SseServlet.builder(registry).build());
        RecordingClient stream = connect("?rooms=mine&events=a");
        UUID id = id(stream);
        HttpClient intruder = newClient();

        for (String change : List.of("\"join\":[\"x\"]", "\"leave\":[\"mine\"]", "\"events\":[\"b\"]", "")) {
            assertError(post(intruder, "/sse/subscriptions", "application/json",
                    HttpRequest.BodyPublishers.ofString(subscription(id, change))), 403, "only the owner");
        }
        assertError(post(intruder, "/sse?connectionId=" + id, "application/json", HttpRequest.BodyPublishers.ofString("1")),
                403, "not allowed to publish");
        SseConnection c = registry.connection(id).orElseThrow();
        assertThat(c.rooms()).containsExactly("mine");
        assertThat(c.eventTypes()).containsExactly("a");
    }

    @Test
    void replayReturnsNeitherOtherRoomsEventsNorOtherConnectionsDirectMessages() throws Exception {
        start(new SseServlet(registry));
        RecordingClient other = connect("?rooms=b");
        RecordingClient mine = connect("?rooms=a");
        registry.publish("a", SseEvent.of("a", "1"));
        registry.publish("b", SseEvent.of("b", "secret"));
        registry.send(id(other), SseEvent.of("dm", "secret"));
        registry.publish(SseEvent.of("all", "2"));
        PublishResult last = registry.publish("a", SseEvent.of("a", "3"));
        assertThat(mine.awaitEvent("a").data()).isEqualTo("1");
        assertThat(mine.awaitEvent("all").data()).isEqualTo("2");
        assertThat(mine.awaitEvent("a").data()).isEqualTo("3");
        other.awaitEvent("b");
        other.awaitEvent("dm");
        other.awaitEvent("all");

        RecordingClient replayed = connect("?rooms=a", "Last-Event-ID", "0");
        List<String> seen = new ArrayList<>();
        for (Event e = replayed.awaitEvent(); ; e = replayed.awaitEvent()) {
            seen.add(e.type() + "=" + e.data());
            if (last.id().equals(e.id())) {
                break;
            }
        }
        assertThat(seen).containsExactly("a=1", "all=2", "a=3");
    }

    /** A transport that accepts nothing; for connections that only need an id. */
    static final class NullTransport implements dev.ssekit.spi.SseTransport {
        @Override
        public void start(dev.ssekit.spi.TransportListener listener) {}

        @Override
        public boolean isReady() {
            return false;
        }

        @Override
        public void write(dev.ssekit.spi.SseFrame frame) {}

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    // ---- going away ----------------------------------------------------------------------------------

    @ParameterizedTest(name = "reset={0}")
    @ValueSource(booleans = {false, true})
    void clientThatClosesItsSocketLeavesTheRegistry(boolean reset) throws Exception {
        start(SseServlet.builder(registry).maxConnections(1).build());
        try (Socket socket = rawStream(0)) {
            assertThat(registry.stats().connections()).isEqualTo(1);
            assertThat(registry.members("r")).hasSize(1);
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        }

        await("the registry to forget the closed stream", () -> registry.stats().connections() == 0);
        assertThat(registry.rooms()).isEmpty();
        connect(""); // its slot was given back
    }

    @Test
    void httpClientThatCancelsItsStreamLeavesTheRegistry() throws Exception {
        start(new SseServlet(registry));
        RecordingClient stream = connect("?rooms=r");

        stream.close();

        await("the registry to forget the cancelled stream", () -> registry.stats().connections() == 0);
        assertThat(registry.rooms()).isEmpty();
    }

    @Test
    void readerThatStopsReadingIsDroppedWithoutDelayingOthers() throws Exception {
        int capacity = 8;
        SseRegistry bounded = registry(SseRegistry.builder()
                .queueCapacity(capacity)
                .queueBytes(256 * 1024)
                .overflow(OverflowPolicy.DISCONNECT));
        try {
            start(new SseServlet(bounded));
            RecordingClient reader = connect("");
            try (Socket stalled = rawStream(2_048)) {
                UUID stalledId = bounded.connections().stream().map(SseConnection::id)
                        .filter(id -> !id.equals(id(reader))).findFirst().orElseThrow();
                SseConnection slow = bounded.connection(stalledId).orElseThrow();
                String payload = "x".repeat(16 * 1024);
                int maxQueued = 0;
                int sent = 0;
                // Each event must reach the reading client while the other one is stuck.
                while (slow.isOpen() && sent < 2_000) {
                    bounded.publish(SseEvent.of("load", payload + sent));
                    maxQueued = Math.max(maxQueued, slow.queuedFrames());
                    assertThat(reader.awaitEvent("load").data()).isEqualTo(payload + sent);
                    sent++;
                }

                assertThat(slow.isOpen()).as("stalled stream closed after %d events", sent).isFalse();
                assertThat(slow.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
                assertThat(maxQueued).isLessThanOrEqualTo(capacity);
                // The drain thread closes and counts it; the count may trail isOpen() by an instant.
                await("the slow consumer counted", () -> bounded.stats().slowConsumersDisconnected() == 1);
                assertThat(bounded.connection(id(reader))).isPresent();
                bounded.publish(SseEvent.of("end", "."));
                reader.awaitEvent("end");
            }
        } finally {
            bounded.close();
        }
    }

    @Test
    void writeThatMakesNoProgressClosesTheStreamAfterTheWriteTimeout() throws Exception {
        int capacity = 4;
        SseRegistry bounded = SseRegistry.builder()
                .scheduler(SWEEPER)
                .heartbeat(null)
                .writeTimeout(Duration.ofMillis(500))
                .queueCapacity(capacity)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .build();
        try {
            start(new SseServlet(bounded));
            try (Socket stalled = rawStream(2_048)) {
                SseConnection c = bounded.connections().get(0);
                SseEvent load = SseEvent.of("load", "x".repeat(16 * 1024));
                int[] maxQueued = {0};
                // Keep the queue full, so that the stream has something to write for as long as it
                // is open: socket and container buffers fill up and the transport stays not ready.
                await("the stalled stream to be closed", () -> {
                    if (c.isOpen() && c.queuedFrames() < capacity) {
                        bounded.publish(load);
                    }
                    maxQueued[0] = Math.max(maxQueued[0], c.queuedFrames());
                    return !c.isOpen();
                });

                assertThat(c.closeReason()).isEqualTo(CloseReason.STALLED);
                assertThat(maxQueued[0]).isLessThanOrEqualTo(capacity);
                await("the stalled stream to leave the registry", () -> bounded.stats().connections() == 0);
            }
        } finally {
            bounded.close();
        }
    }

    @Test
    void idleStreamsHearHeartbeats() throws Exception {
        start(new SseServlet(registry));
        RecordingClient stream = connect("");

        await("a heartbeat", () -> stream.comments().contains("ping"));
    }

    @Test
    void streamsAbortedWhileEventsFlowNeverWriteIntoOtherResponses() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient steady = connect("");
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        int[] published = {0};
        try {
            publisher.scheduleAtFixedRate(() -> {
                if (published[0] < 3_000) {
                    registry.publish(SseEvent.of("n", Integer.toString(published[0]++)));
                }
            }, 0, 1, java.util.concurrent.TimeUnit.MILLISECONDS);
            for (int i = 0; i < 20; i++) {
                try (Socket aborted = rawStream(0)) {
                    aborted.setSoLinger(true, 0); // reset while events are being written to it
                }
                UUID unknown = UUID.randomUUID();
                HttpResponse<String> other = post("/sse/subscriptions", "application/json", subscription(unknown, ""));
                assertThat(other.statusCode()).isEqualTo(404);
                assertThat(other.body()).isEqualTo("{\"error\":\"no open connection " + unknown + "\"}");
            }
        } finally {
            publisher.shutdown();
            assertThat(publisher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        registry.publish(SseEvent.of("end", Integer.toString(published[0])));

        for (int i = 0; ; i++) {
            Event e = steady.awaitEvent();
            if ("end".equals(e.type())) {
                assertThat(e.data()).isEqualTo(Integer.toString(i));
                break;
            }
            assertThat(e.data()).isEqualTo(Integer.toString(i));
        }
        await("the aborted streams to leave the registry", () -> registry.stats().connections() == 1);
    }

    /**
     * Opens a stream over a plain socket (HTTP/1.1) with a small receive buffer, reads up to its
     * {@code connected} event, and from then on reads nothing.
     */
    Socket rawStream(int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(root.getHost(), root.getPort()), 5_000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET /sse?rooms=r HTTP/1.1\r\nHost: " + root.getAuthority()
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.UTF_8).contains("event: connected")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("stream ended before its connected event: " + seen);
            }
            seen.write(b);
        }
        assertThat(seen.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200");
        return socket;
    }

    // ---- resuming ------------------------------------------------------------------------------

    @Test
    void lastEventIdResumesFromHeaderOrQuery() throws Exception {
        start(new SseServlet(registry));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(registry.publish(SseEvent.of("n", Integer.toString(i))).id());
        }

        RecordingClient byQuery = connect("?lastEventId=" + q(ids.get(1)));
        RecordingClient byHeader = connect("", "Last-Event-ID", ids.get(3));
        RecordingClient unknown = connect("?lastEventId=" + q("bogus\ndata: x"));

        for (int i = 2; i < 5; i++) {
            Event e = byQuery.awaitEvent("n");
            assertThat(e.id()).isEqualTo(ids.get(i));
            assertThat(e.data()).isEqualTo(Integer.toString(i));
        }
        assertThat(byHeader.awaitEvent("n").id()).isEqualTo(ids.get(4));
        assertThat(unknown.awaitEvent("reset").data()).isEqualTo("{\"reason\":\"unknown\"}");
        for (int i = 0; i < 5; i++) {
            assertThat(unknown.awaitEvent("n").id()).isEqualTo(ids.get(i));
        }
    }

    @Test
    void eventSourceReconnectsAfterMaxAgeAndResumesWithoutGapOrDuplicate() throws Exception {
        start(SseServlet.builder(registry).maxConnectionAge(Duration.ofMillis(300)).build());

        List<Integer> received = ThirdPartyClient.receiveWhilePublishing(sse, registry, 3, HISTORY);

        assertThat(received).isNotEmpty();
        assertThat(received).containsExactlyElementsOf(
                IntStream.range(0, received.size()).boxed().collect(Collectors.toList()));
    }

    @Test
    void eventSourceThatDropsBeforeItsFirstRoomEventGetsEverythingPublishedMeanwhile() throws Exception {
        start(new SseServlet(registry));

        List<String> received = ThirdPartyClient.receiveAcrossADrop(sse.resolve("/sse?rooms=news"), registry, "news", 50);

        assertThat(received).containsExactlyElementsOf(
                IntStream.range(0, 50).mapToObj(Integer::toString).collect(Collectors.toList()));
    }

    @Test
    void eventSourceReadsEveryPayload() throws Exception {
        start(new SseServlet(registry));
        List<String> payloads = List.of("a\nb\nc", "cr\rlf\r\nend", "", "ünï 日本 🎉", "x".repeat(64 * 1024));

        List<String> received = ThirdPartyClient.receive(sse, registry, payloads);

        assertThat(received).containsExactlyElementsOf(payloads.stream()
                .map(p -> p.replace("\r\n", "\n").replace('\r', '\n')).collect(Collectors.toList()));
    }

    // ---- life cycle --------------------------------------------------------------------------------

    @Test
    void undeployShutsTheRegistryDownWithAFinalRetryHint() throws Exception {
        SseServlet servlet = SseServlet.builder(registry)
                .shutdownRegistryOnDestroy(true)
                .finalEvent(SseEvent.builder().retry(Duration.ofSeconds(3)).build())
                .build();
        start(servlet);
        RecordingClient a = connect("");
        RecordingClient b = connect("?rooms=r&events=only");

        server.undeploy();

        assertThat(a.awaitEvent().text()).matches("retry: [0-9]+\n\n").satisfies(f -> assertJitteredRetry(f, 3_000));
        assertThat(b.awaitEvent().text()).matches("retry: [0-9]+\n\n").satisfies(f -> assertJitteredRetry(f, 3_000));
        a.awaitEnd();
        b.awaitEnd();
        assertThat(registry.isClosed()).isTrue();
        assertThat(registry.stats().connections()).isZero();
    }

    @Test
    void undeployClosesOwnStreamsButLeavesASharedRegistryOpen() throws Exception {
        start(new SseServlet(registry));
        RecordingClient a = connect("");

        server.undeploy();

        a.awaitEnd();
        assertThat(registry.isClosed()).isFalse();
        await("the stream to leave the registry", () -> registry.stats().connections() == 0);
    }

    @Test
    void servletFromWebXmlUsesTheRegistryInTheContextAttribute() throws Exception {
        root = server.start(context -> {
            context.setAttribute(SseServlet.REGISTRY_ATTRIBUTE, registry);
            ServletRegistration.Dynamic r = SseServlet.register(context, "/sse", new SseServlet());
            r.setInitParameter("publish", "true");
        });
        sse = root.resolve("/sse");
        RecordingClient stream = connect("");

        HttpResponse<String> published = post("/sse", "application/json", "[1]");

        assertThat(published.statusCode()).isEqualTo(200);
        assertThat(stream.awaitEvent("message").data()).isEqualTo("[1]");
        assertThat(registry.stats().connections()).isEqualTo(1);
    }

    @Test
    void registerMapsThePathAndItsSubpathsAndRejectsMalformedPaths() throws Exception {
        List<String> refused = new ArrayList<>();
        root = server.start(context -> {
            for (String bad : List.of("sse", "/sse/", "/sse/*", "/*")) {
                try {
                    SseServlet.register(context, bad, new SseServlet(registry));
                } catch (IllegalArgumentException e) {
                    refused.add(e.getMessage());
                }
            }
            ServletRegistration.Dynamic r = SseServlet.register(context, "/events", new SseServlet(registry));
            assertThat(r.getMappings()).containsExactlyInAnyOrder("/events", "/events/*");
        });
        sse = root.resolve("/events");

        assertThat(refused).hasSize(4).allSatisfy(m -> assertThat(m).startsWith("path must start with '/'"));
        connect("");
        assertError(get("/events/subscriptions"), 405, "method GET");
    }

    @Test
    void servletWithoutAsyncSupportAnswers500() throws Exception {
        root = server.start(context -> context.addServlet("plain", new SseServlet(registry)).addMapping("/sse"));

        assertError(get("/sse"), 500, "asyncSupported=true");
        assertThat(registry.stats().connections()).isZero();
    }

    @Test
    void malformedInitParameterFailsWithoutLeavingARegistryBehind() throws Exception {
        SseServlet servlet = new SseServlet();
        try {
            // Containers that initialize servlets as the context starts fail here ...
            root = server.start(context -> SseServlet.register(context, "/sse", servlet)
                    .setInitParameter("maxBodyBytes", "lots"));
            // ... the others at the first request.
            assertThat(get("/sse").statusCode()).isGreaterThanOrEqualTo(500);
        } catch (Exception e) {
            assertThat(e).hasStackTraceContaining("init parameter maxBodyBytes must be a whole number, was \"lots\"");
        }

        assertThat(servlet.registry()).isNull();
        await("the registry built for the failed servlet to stop", () -> threadsNamed("ssekit").isEmpty());
    }

    @Test
    void startingAndStoppingServersLeavesNoThreadOrConnection() throws Exception {
        server.stop();
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        for (int i = 0; i < 3; i++) {
            ServerFixture fixture = newServer();
            SseServlet servlet = new SseServlet();
            URI uri = fixture.start(context -> {
                ServletRegistration.Dynamic r = SseServlet.register(context, "/sse", servlet);
                r.setInitParameter("heartbeatSeconds", "1");
                r.setInitParameter("history", "10");
                r.setInitParameter("shutdownGraceSeconds", "2");
            });
            try (RecordingClient stream = RecordingClient.open(client, uri.resolve("/sse"))) {
                stream.awaitEvent("connected");
                SseRegistry owned = servlet.registry();
                assertThat(owned.stats().connections()).isEqualTo(1);
                assertThat(threadsNamed("ssekit")).isNotEmpty();

                fixture.stop();

                stream.awaitEnd();
                assertThat(owned.isClosed()).isTrue();
                await("the owned registry to be empty", () -> owned.stats().connections() == 0);
            }
            await("no ssekit thread", () -> threadsNamed("ssekit").isEmpty());
        }
        await("every container thread to end", () -> Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t))
                .noneMatch(SseServletSuite::isContainerThread));
    }

    static List<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix))
                .collect(Collectors.toList());
    }

    /** Threads a container or SSEKit starts; not the JDK's or the test clients'. */
    static boolean isContainerThread(Thread t) {
        String name = t.getName();
        return t.isAlive() && (name.startsWith("qtp") || name.startsWith("Scheduler-") || name.startsWith("http-")
                || name.startsWith("Catalina") || name.startsWith("container-") || name.startsWith("ssekit"));
    }
}
