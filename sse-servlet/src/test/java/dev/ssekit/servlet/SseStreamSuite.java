package dev.ssekit.servlet;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.CloseReason;
import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.servlet.RecordingClient.Event;
import dev.ssekit.spi.SseFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The event stream ({@code GET}): what it carries, how a client goes away, how it resumes. */
abstract class SseStreamSuite extends SseServletSuite {

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
            assertThat(received.raw())
                    .isEqualTo(SseFrame.encode(event.withId(result.id())).toByteArray());
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

        await(
                "the registry to forget the cancelled stream",
                () -> registry.stats().connections() == 0);
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
                UUID stalledId = bounded.connections().stream()
                        .map(SseConnection::id)
                        .filter(id -> !id.equals(id(reader)))
                        .findFirst()
                        .orElseThrow();
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

                assertThat(slow.isOpen())
                        .as("stalled stream closed after %d events", sent)
                        .isFalse();
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
                await(
                        "the stalled stream to leave the registry",
                        () -> bounded.stats().connections() == 0);
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
            publisher.scheduleAtFixedRate(
                    () -> {
                        if (published[0] < 3_000) {
                            registry.publish(SseEvent.of("n", Integer.toString(published[0]++)));
                        }
                    },
                    0,
                    1,
                    TimeUnit.MILLISECONDS);
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
            assertThat(publisher.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
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
        await(
                "the aborted streams to leave the registry",
                () -> registry.stats().connections() == 1);
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
        socket.getOutputStream()
                .write(("GET /sse?rooms=r HTTP/1.1\r\nHost: " + root.getAuthority()
                                + "\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
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
        start(SseServlet.builder(registry)
                .maxConnectionAge(Duration.ofMillis(300))
                .build());

        List<Integer> received = ThirdPartyClient.receiveWhilePublishing(sse, registry, 3, HISTORY);

        assertThat(received).isNotEmpty();
        assertThat(received)
                .containsExactlyElementsOf(
                        IntStream.range(0, received.size()).boxed().collect(Collectors.toList()));
    }

    @Test
    void eventSourceThatDropsBeforeItsFirstRoomEventGetsEverythingPublishedMeanwhile() throws Exception {
        start(new SseServlet(registry));

        List<String> received =
                ThirdPartyClient.receiveAcrossADrop(sse.resolve("/sse?rooms=news"), registry, "news", 50);

        assertThat(received)
                .containsExactlyElementsOf(
                        IntStream.range(0, 50).mapToObj(Integer::toString).collect(Collectors.toList()));
    }

    @Test
    void eventSourceReadsEveryPayload() throws Exception {
        start(new SseServlet(registry));
        List<String> payloads = List.of("a\nb\nc", "cr\rlf\r\nend", "", "ünï 日本 🎉", "x".repeat(64 * 1024));

        List<String> received = ThirdPartyClient.receive(sse, registry, payloads);

        assertThat(received)
                .containsExactlyElementsOf(payloads.stream()
                        .map(p -> p.replace("\r\n", "\n").replace('\r', '\n'))
                        .collect(Collectors.toList()));
    }
}
