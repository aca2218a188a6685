package dev.ssekit.servlet;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.RecordingClient.Event;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every endpoint's refusals as JSON errors, the limits at each edge, and what a client is entitled to. */
abstract class SseErrorsSuite extends SseServletSuite {

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
        assertError(
                post("/sse/subscriptions", "application/json", "{\"connectionId\":\"nope\"}"),
                400,
                "connectionId must be a connection id");
        assertError(
                post("/sse/subscriptions", "application/json", "{\"join\":[]}"), 400, "connectionId must be a string");
        assertError(
                post("/sse/subscriptions", "application/json", subscription(id, "\"bogus\":1")),
                400,
                "unknown field \"bogus\"");
        assertError(
                post("/sse/subscriptions", "application/json", subscription(id, "\"join\":[1]")),
                400,
                "join must be an array of strings");
        assertError(
                post("/sse/subscriptions", "application/json", subscription(id, "\"join\":[\"\"]")),
                400,
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
        assertError(
                post("/sse/subscriptions", "application/json", subscription(id, "\"join\":[\"secret.r\"]")),
                403,
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

        assertError(
                post("/sse/subscriptions", "application/json", subscription(UUID.randomUUID(), "")),
                404,
                "no open connection");
        assertError(get("/sse/nope"), 404, "no such endpoint");
    }

    @Test
    void wrongMethodsAnswer405WithAllow() throws Exception {
        start(new SseServlet(registry));

        HttpResponse<String> getSubscriptions = get("/sse/subscriptions"); // first: see post()
        HttpResponse<String> put = client.send(
                HttpRequest.newBuilder(sse)
                        .method("PUT", HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertError(put, 405, "method PUT is not allowed");
        assertThat(put.headers().firstValue("allow")).hasValue("GET, POST, OPTIONS");
        assertError(getSubscriptions, 405, "method GET is not allowed");
        assertThat(getSubscriptions.headers().firstValue("allow")).hasValue("POST, OPTIONS");
        HttpResponse<String> options = client.send(
                HttpRequest.newBuilder(sse)
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(options.statusCode()).isEqualTo(204);
        assertThat(options.headers().firstValue("allow")).hasValue("GET, POST, OPTIONS");
    }

    @Test
    void bodiesOverTheLimitAnswer413WhetherDeclaredOrChunked() throws Exception {
        start(SseServlet.builder(registry)
                .authorizer(SseAuthorizer.allowAll())
                .maxBodyBytes(1_024)
                .build());
        byte[] big = ("\"" + "x".repeat(2_000) + "\"").getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> declared =
                post(client, "/sse", "application/json", HttpRequest.BodyPublishers.ofByteArray(big));
        HttpResponse<String> chunked = post(
                client,
                "/sse",
                "application/json",
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
        assertThat(post("/sse", "application/vnd.example+json", "{}").statusCode())
                .isEqualTo(200);
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
        assertThat(full.headers()
                        .firstValue("retry-after")
                        .map(Integer::parseInt)
                        .orElseThrow())
                .isBetween(5, 14);
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
        assertError(
                post("/sse/subscriptions", "application/json; charset=:", subscription(id(stream), "")),
                415,
                "JSON must be UTF-8");
    }

    @Test
    void bodiesThatAreNotUtf8Answer400NotA500() throws Exception {
        // Found by HttpInputFuzzTest: given bytes, Jackson guessed UTF-32 and failed with an I/O error.
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient stream = connect("");
        byte[] truncatedUtf32 = {0, 0, 0, '1', 0};
        byte[] invalidUtf8 = {'"', (byte) 0xC3, '"'};

        for (byte[] body : List.of(truncatedUtf32, invalidUtf8)) {
            assertError(
                    post(client, "/sse", "application/json", HttpRequest.BodyPublishers.ofByteArray(body)),
                    400,
                    "body is not valid");
            assertError(
                    post(
                            client,
                            "/sse/subscriptions",
                            "application/json",
                            HttpRequest.BodyPublishers.ofByteArray(body)),
                    400,
                    "body is not valid");
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
        start(SseServlet.builder(registry)
                .authorizer(SseAuthorizer.allowAll())
                .maxBodyBytes(100)
                .build());
        String atLimit = "\"" + "x".repeat(98) + "\"";
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(100);

        assertThat(post("/sse", "application/json", atLimit).statusCode()).isEqualTo(200);
        assertError(
                post("/sse", "application/json", "\"" + "x".repeat(99) + "\""), 413, "body must be at most 100 bytes");
        RecordingClient stream = connect("");
        String join = subscription(id(stream), "\"join\":[\"" + "r".repeat(100 - 70) + "\"]");
        String padded = join.substring(0, join.length() - 1) + " ".repeat(100 - join.length()) + "}";
        assertThat(padded.getBytes(StandardCharsets.UTF_8)).hasSize(100);
        assertThat(post("/sse/subscriptions", "application/json", padded).statusCode())
                .isEqualTo(200);
        assertError(
                post("/sse/subscriptions", "application/json", padded + " "), 413, "body must be at most 100 bytes");
    }

    @Test
    void roomsPerConnectionAtTheLimitAreAcceptedAndOneMoreAnswers400() throws Exception {
        registry = registry(SseRegistry.builder().maxRoomsPerConnection(4));
        start(new SseServlet(registry));

        connect("?rooms=a,b,c,d");
        assertError(get("/sse?rooms=a,b,c,d,e"), 400, "rooms: a connection may join at most 4");
        RecordingClient stream = connect("?rooms=a,b,c");
        assertThat(post("/sse/subscriptions", "application/json", subscription(id(stream), "\"join\":[\"d\"]"))
                        .statusCode())
                .isEqualTo(200);
        assertError(
                post("/sse/subscriptions", "application/json", subscription(id(stream), "\"join\":[\"e\"]")),
                400,
                "rooms: a connection may join at most 4");
        assertThat(registry.connection(id(stream)).orElseThrow().rooms()).containsExactlyInAnyOrder("a", "b", "c", "d");
    }

    @Test
    void eventTypesPerConnectionAtTheLimitAreAcceptedAndOneMoreAnswers400() throws Exception {
        registry = registry(SseRegistry.builder().maxEventTypesPerConnection(3));
        start(new SseServlet(registry));

        RecordingClient stream = connect("?events=x,y,z");
        assertError(get("/sse?events=w,x,y,z"), 400, "event types: a connection may choose at most 3");
        assertError(
                post(
                        "/sse/subscriptions",
                        "application/json",
                        subscription(id(stream), "\"events\":[\"w\",\"x\",\"y\",\"z\"]")),
                400,
                "event types: a connection may choose at most 3");
        assertThat(registry.connection(id(stream)).orElseThrow().eventTypes()).containsExactlyInAnyOrder("x", "y", "z");
    }

    @Test
    void namesOfTheLongestLengthAreAcceptedAndOneCharacterMoreAnswers400() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        String longest = "n".repeat(128);

        RecordingClient stream = connect("?rooms=" + longest + "&events=" + longest);
        assertError(get("/sse?rooms=" + longest + "n"), 400, "at most 128 characters");
        assertError(get("/sse?events=" + longest + "n"), 400, "at most 128 characters");
        assertThat(post("/sse?room=" + longest + "&event=" + longest, "application/json", "1")
                        .statusCode())
                .isEqualTo(200);
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
        Set<UUID> ids = new HashSet<>();
        int[] ones = new int[128];
        for (int i = 0; i < n; i++) {
            SseConnection c = Connections.open(
                    registry, new NullTransport(), ConnectOptions.builder("o").build());
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
                assertThat(ones[bit])
                        .as("bit %d set in %d of %d ids", bit, ones[bit], n)
                        .isBetween(n * 40 / 100, n * 60 / 100);
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
            assertError(
                    post(
                            intruder,
                            "/sse/subscriptions",
                            "application/json",
                            HttpRequest.BodyPublishers.ofString(subscription(id, change))),
                    403,
                    "only the owner");
        }
        assertError(
                post(intruder, "/sse?connectionId=" + id, "application/json", HttpRequest.BodyPublishers.ofString("1")),
                403,
                "not allowed to publish");
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
    static final class NullTransport implements SseTransport {
        @Override
        public void start(TransportListener listener) {}

        @Override
        public boolean isReady() {
            return false;
        }

        @Override
        public void write(SseFrame frame) {}

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
