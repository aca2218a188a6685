package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.testing.Await;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nothing lost, for every client: a client holds a position it can resume from from its first
 * event on, whatever it has received, and nothing an application publishes takes that position away.
 */
class SseRegistryResumeTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry(int history) {
        return fixture.build(fixture.builder().drainExecutor(Runnable::run).history(history));
    }

    private SseRegistry server(SharedLog.Relay relay) {
        return fixture.build(fixture.builder().history(100).relay(relay));
    }

    /** Opens a connection as the servlet does for a browser: announced, with the browser's last id, if any. */
    private SseConnection connect(SseRegistry registry, String lastEventId, String... rooms) {
        return fixture.open(
                registry,
                ConnectOptions.builder("browser")
                        .rooms(rooms)
                        .announce(true)
                        .lastEventId(lastEventId)
                        .build());
    }

    /** Drops the connection as a network failure would, and returns the id a browser would send back. */
    private String drop(SseConnection c) {
        RecordingTransport t = fixture.transportOf(c);
        t.clientGone();
        return t.parsed().lastEventId();
    }

    private List<Message> messagesOf(SseConnection c) {
        return fixture.transportOf(c).messages();
    }

    private List<String> roomEventsOf(SseConnection c) {
        return messagesOf(c).stream()
                .filter(m -> !m.type().equals(SseRegistry.CONNECTED_EVENT))
                .map(m -> m.type() + ":" + m.data())
                .toList();
    }

    // ---- a client that has received no event of its own yet ----------------------------------------

    @Test
    void clientThatDropsBeforeItsFirstRoomEventGetsEverythingPublishedMeanwhile() {
        SseRegistry registry = registry(100);
        registry.publish("r", SseEvent.of("before"));
        SseConnection first = connect(registry, null, "r");
        String held = drop(first);

        registry.publish("r", SseEvent.of("1"));
        registry.publish("r", SseEvent.of("2"));
        SseConnection back = connect(registry, held, "r");

        assertThat(held).as("the connected event leaves the browser a position").isNotEmpty();
        assertThat(roomEventsOf(back)).containsExactly("message:1", "message:2");
    }

    @Test
    void clientThatConnectedBeforeAnythingWasPublishedResumesToo() {
        SseRegistry registry = registry(100);
        String held = drop(connect(registry, null, "r"));

        registry.publish("r", SseEvent.of("1"));
        SseConnection back = connect(registry, held, "r");

        assertThat(held).isNotEmpty();
        assertThat(roomEventsOf(back)).containsExactly("message:1");
    }

    @Test
    void clientAwayLongerThanTheHistoryRemembersIsToldOfTheGap() {
        SseRegistry registry = registry(2);
        String held = drop(connect(registry, null, "r"));

        for (int i = 1; i <= 5; i++) {
            registry.publish("r", SseEvent.of(Integer.toString(i)));
        }
        SseConnection back = connect(registry, held, "r");

        assertThat(roomEventsOf(back)).containsExactly("reset:{\"reason\":\"expired\"}", "message:4", "message:5");
    }

    @Test
    void eventsOfOtherRoomsAreSkippedOnResume() {
        SseRegistry registry = registry(100);
        SseConnection first = connect(registry, null, "r");
        registry.publish("other", SseEvent.of("not mine"));
        String held = drop(first);

        registry.publish("other", SseEvent.of("still not mine"));
        registry.publish("r", SseEvent.of("mine"));

        assertThat(roomEventsOf(connect(registry, held, "r"))).containsExactly("message:mine");
    }

    @Test
    void resumingClientKeepsItsOwnPositionUntilTheReplayArrives() {
        SseRegistry registry = registry(100);
        SseConnection first = connect(registry, null, "r");
        String seen = registry.publish("r", SseEvent.of("1")).id();
        drop(first);
        String missed = registry.publish("r", SseEvent.of("2")).id();

        SseConnection back = connect(registry, seen, "r");

        assertThat(messagesOf(back).get(0).type()).isEqualTo(SseRegistry.CONNECTED_EVENT);
        assertThat(messagesOf(back).get(0).lastEventId())
                .as("had the stream dropped right after the connected event, the client resumes where it was")
                .isEqualTo(seen);
        assertThat(messagesOf(back)).last().isEqualTo(new Message("message", "2", missed));
    }

    @Test
    void noResetErasesTheBrowsersLastId() {
        SseRegistry registry = registry(100);
        registry.publish("r", SseEvent.of("1"));

        SseConnection c = connect(registry, "not-an-id", "other");
        String held = drop(c);
        String published = registry.publish("other", SseEvent.of("2")).id();

        assertThat(messagesOf(c))
                .extracting(Message::type)
                .containsExactly(SseRegistry.CONNECTED_EVENT, SseRegistry.RESET_EVENT);
        assertThat(held)
                .as("an empty id would leave the browser nothing to resume from")
                .isNotEmpty();
        SseConnection back = connect(registry, held, "other");
        assertThat(messagesOf(back)).last().isEqualTo(new Message("message", "2", published));
        assertThat(roomEventsOf(back)).containsExactly("message:2");
    }

    @Test
    void clientOnAServerSharingARelayResumesOnAnotherFromItsConnectedEvent() {
        SharedLog log = new SharedLog();
        SseRegistry a = server(log.join());
        SseRegistry b = server(log.join());
        String fromEmpty = drop(connect(a, null, "r"));
        b.publish("r", SseEvent.of("1"));
        SseConnection second = connect(a, null, "r");
        String fromSome = drop(second);

        b.publish("r", SseEvent.of("2"));
        SseConnection backFromEmpty = connect(b, fromEmpty, "r");
        SseConnection backFromSome = connect(b, fromSome, "r");

        assertThat(fromEmpty).isNotEmpty();
        assertThat(fromSome).isNotEmpty();
        Await.await(
                "replays",
                () -> roomEventsOf(backFromEmpty).size() == 3
                        && roomEventsOf(backFromSome).size() == 1);
        // Before its first event a mirror has no relay id to give, only a position of its own, which
        // another server cannot place: it tells the client so, then gives everything it retains.
        assertThat(roomEventsOf(backFromEmpty))
                .containsExactly("reset:{\"reason\":\"unknown\"}", "message:1", "message:2");
        assertThat(roomEventsOf(backFromSome)).containsExactly("message:2");
    }

    @Test
    void withoutHistoryTheConnectedEventCarriesNoId() {
        SseRegistry registry = registry(0);

        SseConnection c = connect(registry, null);

        assertThat(fixture.transportOf(c).text()).doesNotContain("id:");
    }

    // ---- what an application publishes may not move a client's position ----------------------------------

    @Test
    void eventsThatAreNotRecordedMayNotCarryAnIdWhileHistoryIsOn() {
        SseRegistry registry = registry(100);
        SseConnection c = connect(registry, null, "r");
        SseEvent withId = SseEvent.builder().id("mine").type("tick").data("x").build();
        SseEvent withEmptyId = SseEvent.builder().id("").type("tick").data("x").build();

        for (SseEvent event : List.of(withId, withEmptyId)) {
            assertThatThrownBy(() -> registry.publish("r", event.withRecorded(false)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("id ");
            assertThatThrownBy(() -> registry.publish(event.withRecorded(false)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("id ");
            assertThatThrownBy(() -> registry.send(c.id(), event))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("id ");
            assertThatThrownBy(() -> c.send(event))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("id ");
        }
        assertThat(messagesOf(c)).extracting(Message::type).containsExactly(SseRegistry.CONNECTED_EVENT);
    }

    @Test
    void withoutHistoryEventsKeepTheirOwnIds() {
        SseRegistry registry = registry(0);
        SseConnection c = connect(registry, null, "r");

        registry.publish("r", SseEvent.builder().id("a").data("1").build().withRecorded(false));
        registry.send(c.id(), SseEvent.builder().id("b").data("2").build());
        registry.publish("r", SseEvent.builder().id("c").data("3").build());

        assertThat(messagesOf(c)).extracting(Message::lastEventId).endsWith("a", "b", "c");
    }

    @Test
    void theRegistrysOwnEventTypesAreReserved() {
        for (int history : new int[] {0, 100}) {
            SseRegistry registry = registry(history);
            SseConnection c = connect(registry, null, "r");
            for (String type : List.of(SseRegistry.CONNECTED_EVENT, SseRegistry.RESET_EVENT)) {
                SseEvent event = SseEvent.of(type, "{\"connectionId\":\"00000000-0000-0000-0000-000000000000\"}");
                List<Runnable> publishes = List.of(
                        () -> registry.publish("r", event),
                        () -> registry.publish("r", registry.event(type, "x")),
                        () -> registry.publish(event),
                        () -> registry.publish(registry.event(type, "x")),
                        () -> registry.publish("r", event.withRecorded(false)),
                        () -> registry.publish("r", registry.event(type, "x").withRecorded(false)),
                        () -> registry.publish(event.withRecorded(false)),
                        () -> registry.send(c.id(), event),
                        () -> registry.send(c.id(), registry.event(type, "x")),
                        () -> c.send(event));
                for (Runnable publish : publishes) {
                    assertThatThrownBy(publish::run)
                            .as("%s with history %d", type, history)
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageStartingWith("type ")
                            .hasMessageContaining(type);
                }
            }
            assertThat(messagesOf(c)).extracting(Message::type).containsExactly(SseRegistry.CONNECTED_EVENT);
        }
    }
}
