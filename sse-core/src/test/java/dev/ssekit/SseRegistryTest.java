package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.ssekit.SseStats.ResetReason;
import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rooms, targeted sends, event-type filters, limits and the registry's own bookkeeping. */
class SseRegistryTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry = fixture.build(fixture.builder().drainExecutor(Runnable::run));

    private SseConnection open(ConnectOptions options) {
        return fixture.open(registry, options);
    }

    private List<String> dataOf(SseConnection c) {
        return fixture.transportOf(c).data();
    }

    private List<Message> messagesOf(SseConnection c) {
        return fixture.transportOf(c).messages();
    }

    // ---- rooms ---------------------------------------------------------------------------------

    @Test
    void roomExistsWhileItHasMembersAndLastLeaveRemovesIt() {
        SseConnection alice = open(ConnectOptions.builder("alice").rooms("chat").build());
        SseConnection bob = open(ConnectOptions.of("bob"));
        assertThat(registry.rooms()).containsExactly("chat");

        assertThat(bob.join("chat")).isTrue();
        assertThat(bob.join("chat")).as("already a member").isFalse();
        assertThat(registry.members("chat")).containsExactlyInAnyOrder(alice, bob);

        assertThat(alice.leave("chat")).isTrue();
        assertThat(alice.leave("chat")).as("no longer a member").isFalse();
        assertThat(registry.rooms()).containsExactly("chat");
        assertThat(registry.members("chat")).containsExactly(bob);

        assertThat(bob.leave("chat")).isTrue();
        assertThat(registry.rooms()).isEmpty();
        assertThat(registry.members("chat")).isEmpty();
        assertThat(registry.stats().rooms()).isZero();
    }

    @Test
    void connectionKnowsItsOwnerAndRooms() {
        SseConnection c = open(ConnectOptions.builder("alice").rooms("a", "b").build());
        c.join("c");
        c.leave("a");

        assertThat(c.owner()).isEqualTo("alice");
        assertThat(c.rooms()).containsExactly("b", "c");
        assertThatThrownBy(() -> c.rooms().add("d")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void closedConnectionLeavesAllRooms() {
        SseConnection alice =
                open(ConnectOptions.builder("alice").rooms("x", "y").build());
        SseConnection bob = open(ConnectOptions.builder("bob").rooms("y").build());

        alice.close();

        assertThat(alice.rooms()).isEmpty();
        assertThat(registry.rooms()).containsExactly("y");
        assertThat(registry.members("y")).containsExactly(bob);
        assertThat(registry.connection(alice.id())).isEmpty();
        assertThat(registry.connections()).containsExactly(bob);
        assertThat(alice.join("z")).as("a closed connection joins nothing").isFalse();
        assertThat(registry.rooms()).containsExactly("y");
    }

    // ---- delivery ------------------------------------------------------------------------------

    @Test
    void broadcastReachesEveryConnection() {
        SseConnection a = open(ConnectOptions.of("a"));
        SseConnection b = open(ConnectOptions.builder("b").rooms("chat").build());

        PublishResult result = registry.publish(SseEvent.of("hello"));

        assertThat(result).isEqualTo(new PublishResult(null, 2));
        assertThat(dataOf(a)).containsExactly("hello");
        assertThat(dataOf(b)).containsExactly("hello");
    }

    @Test
    void publishReachesOnlyRoomMembers() {
        SseConnection inRoom = open(ConnectOptions.builder("a").rooms("chat").build());
        SseConnection outside = open(ConnectOptions.builder("b").rooms("other").build());

        PublishResult result = registry.publish("chat", SseEvent.of("msg", "hi"));

        assertThat(result.queued()).isEqualTo(1);
        assertThat(messagesOf(inRoom)).containsExactly(new Message("msg", "hi", ""));
        assertThat(fixture.transportOf(outside).text()).isEmpty();
    }

    @Test
    void publishToEmptyRoomDoesNothing() {
        open(ConnectOptions.of("a"));

        assertThat(registry.publish("nobody-here", SseEvent.of("x")).queued()).isZero();
        assertThat(registry.rooms()).as("publishing creates no room").isEmpty();
    }

    @Test
    void eventKeepsItsOwnIdWithoutHistory() {
        SseConnection c = open(ConnectOptions.of("a"));

        PublishResult result =
                registry.publish(SseEvent.builder().id("my-7").data("x").build());

        assertThat(result.id()).isEqualTo("my-7");
        assertThat(messagesOf(c)).containsExactly(new Message("message", "x", "my-7"));
    }

    @Test
    void sendReachesOnlyTheChosenConnection() {
        SseConnection a = open(ConnectOptions.builder("a").rooms("r").build());
        SseConnection b = open(ConnectOptions.builder("b").rooms("r").build());

        assertThat(registry.send(b.id(), SseEvent.of("for b")).queued()).isEqualTo(1);
        assertThat(a.send(SseEvent.of("for a")).queued()).isEqualTo(1);

        assertThat(dataOf(a)).containsExactly("for a");
        assertThat(dataOf(b)).containsExactly("for b");
    }

    @Test
    void sendToUnknownOrClosedConnectionQueuesNothing() {
        SseConnection c = open(ConnectOptions.of("a"));
        c.close();

        assertThat(registry.send(UUID.randomUUID(), SseEvent.of("x")).queued()).isZero();
        assertThat(registry.send(c.id(), SseEvent.of("x")).queued()).isZero();
        assertThat(c.send(SseEvent.of("x")).queued()).isZero();
        assertThat(fixture.transportOf(c).text()).isEmpty();
    }

    @Test
    void connectionsGetDistinctRandomIdsAndCanBeFound() {
        SseConnection a = open(ConnectOptions.of("a"));
        SseConnection b = open(ConnectOptions.of("a"));

        assertThat(a.id()).isNotEqualTo(b.id());
        assertThat(a.id().version()).as("random UUID").isEqualTo(4);
        assertThat(registry.connection(a.id())).containsSame(a);
        assertThat(registry.connections()).containsExactlyInAnyOrder(a, b);
        assertThat(registry.stats().connections()).isEqualTo(2);
        assertThat(registry.stats().connections()).isEqualTo(2);
    }

    @Test
    void objectDataIsSerializedToJsonOncePerPublish() {
        AtomicInteger calls = new AtomicInteger();
        registry.close();
        registry = fixture.build(fixture.builder().drainExecutor(Runnable::run).serializer(data -> {
            calls.incrementAndGet();
            return "{\"n\":" + data + "}";
        }));
        SseConnection a = open(ConnectOptions.builder("a").rooms("r").build());
        SseConnection b = open(ConnectOptions.builder("b").rooms("r").build());

        registry.publish("r", registry.event("count", 42));
        registry.publish(registry.event("count", 43));
        registry.send(a.id(), registry.event("count", 44));

        assertThat(calls).hasValue(3);
        assertThat(messagesOf(a))
                .extracting(Message::type, Message::data)
                .containsExactly(
                        tuple("count", "{\"n\":42}"), tuple("count", "{\"n\":43}"), tuple("count", "{\"n\":44}"));
        assertThat(dataOf(b)).containsExactly("{\"n\":42}", "{\"n\":43}");
    }

    record Quote(String pair, double price) {}

    @Test
    void defaultSerializerWritesJsonWithJackson() {
        SseConnection c = open(ConnectOptions.of("a"));

        registry.publish(registry.event("quote", new Quote("EURUSD", 1.0842)));
        registry.publish(registry.event("text", "already text"));

        assertThat(dataOf(c)).containsExactly("{\"pair\":\"EURUSD\",\"price\":1.0842}", "already text");
    }

    @Test
    void dataThatCannotBeSerializedIsIllegalArgument() {
        assertThatThrownBy(() -> registry.publish(registry.event("x", new Object())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("data could not be written as JSON");
    }

    // ---- event types ---------------------------------------------------------------------------

    @Test
    void connectionWithoutEventTypesReceivesEveryType() {
        SseConnection c = open(ConnectOptions.of("a"));

        registry.publish(SseEvent.of("plain"));
        registry.publish(SseEvent.of("tick", "t"));

        assertThat(messagesOf(c)).extracting(Message::type).containsExactly("message", "tick");
        assertThat(c.eventTypes()).isEmpty();
    }

    @Test
    void connectionWithEventTypesReceivesOnlyThose() {
        SseConnection ticks =
                open(ConnectOptions.builder("a").eventTypes("tick").build());
        SseConnection messages =
                open(ConnectOptions.builder("b").eventTypes("message").build());

        assertThat(registry.publish(SseEvent.of("plain")).queued()).isEqualTo(1);
        assertThat(registry.publish(SseEvent.of("tick", "t1")).queued()).isEqualTo(1);
        assertThat(registry.publish(SseEvent.of("chat", "c1")).queued()).isZero();
        assertThat(ticks.send(SseEvent.of("chat", "direct")).queued())
                .as("filtered direct message")
                .isZero();
        assertThat(ticks.send(SseEvent.of("tick", "t2")).queued()).isEqualTo(1);

        assertThat(dataOf(ticks)).containsExactly("t1", "t2");
        assertThat(messagesOf(messages)).containsExactly(new Message("message", "plain", ""));
    }

    @Test
    void eventTypesCanBeReplacedAndEmptiedToReceiveAll() {
        SseConnection c = open(ConnectOptions.builder("a").eventTypes("tick").build());

        c.setEventTypes(List.of("chat"));
        registry.publish(SseEvent.of("tick", "t"));
        registry.publish(SseEvent.of("chat", "c"));
        c.setEventTypes(List.of());
        registry.publish(SseEvent.of("tick", "t2"));

        assertThat(dataOf(c)).containsExactly("c", "t2");
    }

    @Test
    void retryAndConnectedEventComeFirstAndPassEveryFilter() {
        SseConnection c = open(ConnectOptions.builder("a")
                .eventTypes("tick")
                .announce(true)
                .retry(Duration.ofSeconds(3))
                .build());
        registry.publish(SseEvent.of("tick", "t"));

        assertThat(fixture.transportOf(c).frames())
                .containsExactly(
                        "retry: 3000\n\n",
                        "event: connected\ndata: {\"connectionId\":\"" + c.id() + "\"}\n\n",
                        "event: tick\ndata: t\n\n");
        assertThat(SseRegistry.CONNECTED_EVENT).isEqualTo("connected");
    }

    // ---- bad input and limits -----------------------------------------------------------------

    @Test
    void invalidRoomNamesAreRejectedNamingTheField() {
        SseConnection c = open(ConnectOptions.of("a"));

        assertThatThrownBy(() -> registry.publish("", SseEvent.of("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("room must not be empty");
        assertThatThrownBy(() -> c.join("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("room must not contain control");
        assertThatThrownBy(() -> c.join("r".repeat(129)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("room must be at most 128");
        RecordingTransport refused = new RecordingTransport();
        assertThatThrownBy(() -> Connections.open(
                        registry,
                        refused,
                        ConnectOptions.builder("a").rooms("ok", "").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("room must not be empty");
        assertThatThrownBy(() -> Connections.open(
                        registry,
                        refused,
                        ConnectOptions.builder("a").eventTypes("\0").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event type must not contain");
        assertThat(refused.isStarted())
                .as("no connection was made on the transport")
                .isFalse();
        assertThatThrownBy(() -> c.setEventTypes(List.of("")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event type must not be empty");
        assertThatThrownBy(() -> registry.publish(null, SseEvent.of("x")))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("room");
        assertThat(c.rooms()).isEmpty();
        assertThat(registry.rooms()).isEmpty();
    }

    @Test
    void limitsOnRoomsAndEventTypesNameTheField() {
        registry.close();
        registry = fixture.build(fixture.builder()
                .drainExecutor(Runnable::run)
                .maxRoomsPerConnection(2)
                .maxEventTypesPerConnection(1));

        RecordingTransport refused = new RecordingTransport();
        assertThatThrownBy(() -> Connections.open(
                        registry,
                        refused,
                        ConnectOptions.builder("a").rooms("r1", "r2", "r3").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("rooms: ");
        assertThatThrownBy(() -> Connections.open(
                        registry,
                        refused,
                        ConnectOptions.builder("a").eventTypes("t1", "t2").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event types: ");
        assertThat(registry.stats().connections()).isZero();
        assertThat(registry.rooms()).isEmpty();

        SseConnection c = open(
                ConnectOptions.builder("a").rooms("r1", "r2").eventTypes("t1").build());
        assertThatThrownBy(() -> c.join("r3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("rooms: ");
        assertThatThrownBy(() -> c.setEventTypes(List.of("t1", "t2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event types: ");
        assertThat(c.rooms()).containsExactly("r1", "r2");
        assertThat(c.eventTypes()).containsExactly("t1");
        assertThat(registry.rooms()).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    void builderRejectsNonsenseNamingTheSetting() {
        assertThatThrownBy(() -> SseRegistry.builder().history(-1)).hasMessageStartingWith("history");
        assertThatThrownBy(() -> SseRegistry.builder().historyBytes(0)).hasMessageStartingWith("historyBytes");
        assertThatThrownBy(() -> SseRegistry.builder().queueCapacity(0)).hasMessageStartingWith("queueCapacity");
        assertThatThrownBy(() -> SseRegistry.builder().queueBytes(0)).hasMessageStartingWith("queueBytes");
        assertThatThrownBy(() -> SseRegistry.builder().maxRoomsPerConnection(0))
                .hasMessageStartingWith("maxRoomsPerConnection");
        assertThatThrownBy(() -> SseRegistry.builder().maxEventTypesPerConnection(0))
                .hasMessageStartingWith("maxEventTypesPerConnection");
        assertThatThrownBy(() -> SseRegistry.builder().heartbeat(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("heartbeat");
        assertThatThrownBy(() -> SseRegistry.builder().writeTimeout(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("writeTimeout");
        assertThatThrownBy(() -> SseRegistry.builder().historyMaxAge(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("historyMaxAge");
        assertThatThrownBy(() -> ConnectOptions.builder("a")
                        .retry(Duration.ofSeconds(-1))
                        .build())
                .hasMessageStartingWith("retry");
    }

    @Test
    void closedRegistryRefusesWork() {
        SseConnection c = open(ConnectOptions.of("a"));
        registry.close();

        assertThat(registry.isClosed()).isTrue();
        assertThat(c.isOpen()).isFalse();
        assertThatThrownBy(() -> Connections.open(registry, new RecordingTransport(), ConnectOptions.of("b")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> registry.publish(SseEvent.of("x"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> registry.publish("r", SseEvent.of("x"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> registry.send(c.id(), SseEvent.of("x"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> registry.publish(registry.event("t", 1))).isInstanceOf(IllegalStateException.class);
        assertThat(c.send(SseEvent.of("x")).queued()).isZero();
        registry.close(); // harmless twice
    }

    @Test
    void statsCountWhatHappened() {
        SseConnection a = open(ConnectOptions.builder("a").rooms("r").build());
        open(ConnectOptions.of("b"));

        registry.publish(SseEvent.of("1"));
        registry.publish("r", SseEvent.of("2"));
        registry.send(a.id(), SseEvent.of("3"));

        SseStats stats = registry.stats();
        assertThat(stats.connections()).isEqualTo(2);
        assertThat(stats.rooms()).isEqualTo(1);
        assertThat(stats.eventsPublished()).isEqualTo(3);
        assertThat(stats.framesQueued()).isEqualTo(4);
        assertThat(stats.framesWritten()).isEqualTo(4);
        assertThat(stats.framesDropped()).isZero();
        assertThat(stats.slowConsumersDisconnected()).isZero();
        assertThat(stats.heartbeats()).isZero();
        assertThat(stats.connectionsOpened()).isEqualTo(2);
        assertThat(stats.connectionsClosed())
                .containsOnlyKeys(CloseReason.values())
                .allSatisfy((r, n) -> assertThat(n).isZero());
        assertThat(stats.replayResets())
                .containsOnlyKeys(ResetReason.values())
                .allSatisfy((r, n) -> assertThat(n).isZero());
    }

    @Test
    void statsCountClosesByReasonAndResetsByReason() {
        registry.close();
        registry = fixture.build(fixture.builder().drainExecutor(Runnable::run).history(10));
        SseConnection a = open(ConnectOptions.of("a"));
        open(ConnectOptions.builder("b").lastEventId("no-such-id").build());
        a.close();

        SseStats stats = registry.stats();
        assertThat(stats.connectionsOpened()).isEqualTo(2);
        assertThat(stats.connectionsClosed())
                .containsEntry(CloseReason.CLOSED_BY_APP, 1L)
                .containsEntry(CloseReason.SHUTDOWN, 0L);
        assertThat(stats.replayResets()).containsEntry(ResetReason.UNKNOWN, 1L).containsEntry(ResetReason.EXPIRED, 0L);

        registry.close();
        assertThat(registry.stats().connectionsClosed()).containsEntry(CloseReason.SHUTDOWN, 1L);
    }

    // ---- ordering --------------------------------------------------------------------------------

    @Test
    void framesOfOneConnectionAreNeverInterleavedOrReordered() throws Exception {
        registry.close();
        registry = fixture.build(fixture.builder().drainExecutor(Runnable::run).queueCapacity(100_000));
        RecordingTransport transport = new RecordingTransport();
        SseConnection c = fixture.open(
                registry, transport, ConnectOptions.builder("a").rooms("r").build());

        int senders = 4;
        int perSender = 500;
        ExecutorService pool = Executors.newFixedThreadPool(senders + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean sending = new AtomicBoolean(true);
            List<Future<?>> futures = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perSender; i++) {
                        // Long, multi-line data: a frame written in pieces would show up at once.
                        SseEvent event = SseEvent.of("s" + sender, sender + ":" + i + "\n" + "x".repeat(i % 50));
                        switch (i % 3) {
                            case 0 -> c.send(event);
                            case 1 -> registry.publish("r", event);
                            default -> registry.send(c.id(), event);
                        }
                    }
                    return null;
                }));
            }
            // Meanwhile the client keeps stalling and resuming, so drains start on many threads.
            Future<?> toggler = pool.submit(() -> {
                start.await();
                while (sending.get()) {
                    transport.setReady(false);
                    Thread.yield();
                    transport.setReady(true);
                }
                return null;
            });
            start.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            sending.set(false);
            toggler.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        transport.setReady(true);
        Await.await("queue drained", () -> c.queuedFrames() == 0);

        List<String> frames = transport.frames();
        assertThat(frames).hasSize(senders * perSender);
        for (String frame : frames) {
            assertThat(WhatwgParser.parse(frame).messages())
                    .as("frame %s stands alone", frame)
                    .hasSize(1);
        }
        int[] next = new int[senders];
        for (Message m : transport.messages()) {
            int sender = Integer.parseInt(m.type().substring(1));
            String[] parts = m.data().split("\n")[0].split(":");
            assertThat(Integer.parseInt(parts[0])).isEqualTo(sender);
            assertThat(Integer.parseInt(parts[1]))
                    .as("sender %d's next frame", sender)
                    .isEqualTo(next[sender]++);
        }
        assertThat(next).containsOnly(perSender);
        assertThat(transport.violations()).isEmpty();
    }

    @Test
    void writeFailureClosesOnlyThatConnection() {
        SseConnection broken = open(ConnectOptions.builder("a").rooms("r").build());
        SseConnection healthy = open(ConnectOptions.builder("b").rooms("r").build());
        fixture.transportOf(broken).failWrites(new IOException("connection reset"));

        PublishResult result = registry.publish("r", SseEvent.of("x"));

        assertThat(result.queued()).isEqualTo(2);
        assertThat(broken.closeReason()).isEqualTo(CloseReason.WRITE_FAILED);
        assertThat(fixture.transportOf(broken).isClosed()).isTrue();
        assertThat(dataOf(healthy)).containsExactly("x");
        assertThat(registry.members("r")).containsExactly(healthy);
    }
}
