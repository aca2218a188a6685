package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.testing.Await;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several registries publishing through one shared order: the core's side of the relay seam. */
class SseRegistryRelayTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private final SharedLog log = new SharedLog();

    private SseRegistry server(SharedLog.Relay relay) {
        return fixture.build(fixture.builder().history(100).relay(relay));
    }

    private SseConnection open(SseRegistry registry, ConnectOptions options) {
        return fixture.open(registry, options);
    }

    private List<Message> messagesOf(SseConnection c) {
        return fixture.transportOf(c).messages();
    }

    /** Waits until {@code c} has been written {@code count} messages (relayed events drain on other threads). */
    private List<Message> awaitMessages(SseConnection c, int count) {
        Await.await(count + " messages on " + c, () -> messagesOf(c).size() >= count);
        return messagesOf(c);
    }

    @Test
    void everyServerDeliversEachEventOnceWithTheSameIdsInTheSameOrder() {
        SseRegistry a = server(log.join());
        SseRegistry b = server(log.join());
        SseConnection onA = open(a, ConnectOptions.builder("x").rooms("r").build());
        SseConnection onB = open(b, ConnectOptions.builder("y").rooms("r").build());

        PublishResult first = a.publish(SseEvent.of("1"));
        PublishResult second = b.publish("r", SseEvent.of("2"));
        PublishResult third = a.publish("r", SseEvent.of("3").withRecorded(false));

        List<Message> expected = List.of(
                new Message("message", "1", first.id()),
                new Message("message", "2", second.id()),
                new Message("message", "3", second.id())); // a live event leaves the last id as it was
        assertThat(awaitMessages(onA, 3)).isEqualTo(expected);
        assertThat(awaitMessages(onB, 3)).isEqualTo(expected);
        assertThat(first.id()).isEqualTo("1-1");
        assertThat(third.id()).isNull();
        assertThat(first.queued()).as("counts this server's connections").isEqualTo(1);
    }

    @Test
    void directMessageReachesTheConnectionOnWhicheverServerHoldsIt() {
        SseRegistry a = server(log.join());
        SseRegistry b = server(log.join());
        SseConnection onB = open(b, ConnectOptions.builder("y").build());
        SseConnection otherOnA = open(a, ConnectOptions.builder("x").build());

        PublishResult sent = a.send(onB.id(), SseEvent.of("dm", "hi"));
        a.publish(SseEvent.of("marker", "m"));

        assertThat(sent).isEqualTo(new PublishResult(null, 0));
        assertThat(awaitMessages(onB, 2).get(0)).isEqualTo(new Message("dm", "hi", ""));
        assertThat(awaitMessages(otherOnA, 1)).extracting(Message::type).containsExactly("marker");
    }

    @Test
    void clientResumingFromAnIdItsServerHasNotReadYetGetsWhatFollowsItOnly() {
        SharedLog.Relay slow = log.join();
        SseRegistry a = server(log.join());
        SseRegistry b = server(slow);
        slow.pause();
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            ids.add(a.publish(SseEvent.of(Integer.toString(i))).id());
        }

        // The client saw 1 and 2 on A, then comes to B, which has read nothing yet.
        SseConnection c =
                open(b, ConnectOptions.builder("x").lastEventId(ids.get(1)).build());
        assertThat(messagesOf(c))
                .as("neither a reset nor a replay of what it has")
                .isEmpty();
        slow.resume();
        String live = a.publish(SseEvent.of("4")).id();

        assertThat(awaitMessages(c, 2))
                .containsExactly(new Message("message", "3", ids.get(2)), new Message("message", "4", live));
    }

    @Test
    void serverStartedLaterReplaysFromTheSharedHistory() {
        SseRegistry a = server(log.join());
        String first = a.publish("r", SseEvent.of("1")).id();
        String second = a.publish("r", SseEvent.of("2")).id();

        SseRegistry late = server(log.join());
        SseConnection c = open(
                late, ConnectOptions.builder("x").rooms("r").lastEventId(first).build());

        assertThat(messagesOf(c)).containsExactly(new Message("message", "2", second));
    }

    @Test
    void idOlderThanTheMirrorIsExpiredAndAForeignIdIsUnknown() {
        SseRegistry a = fixture.build(fixture.builder().history(2).relay(log.join()));
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            ids.add(a.publish(SseEvent.of(Integer.toString(i))).id());
        }

        SseConnection expired =
                open(a, ConnectOptions.builder("x").lastEventId(ids.get(0)).build());
        SseConnection unknown =
                open(a, ConnectOptions.builder("x").lastEventId("abc-1").build());

        assertThat(messagesOf(expired))
                .containsExactly(
                        new Message("reset", "{\"reason\":\"expired\"}", ids.get(1)),
                        new Message("message", "3", ids.get(2)),
                        new Message("message", "4", ids.get(3)));
        assertThat(messagesOf(unknown).get(0)).isEqualTo(new Message("reset", "{\"reason\":\"unknown\"}", ids.get(1)));
    }

    @Test
    void lostPlaceInTheSharedOrderResetsOpenStreamsThenReplaysWhatIsRetained() {
        SharedLog.Relay relay = log.join();
        SseRegistry a = server(relay);
        String first = a.publish(SseEvent.of("1")).id();
        SseConnection c = open(a, ConnectOptions.builder("x").build());
        String second = a.publish(SseEvent.of("2")).id();

        relay.resyncWithGap(2); // the oldest message given becomes the boundary, a relay id: the reset's

        assertThat(awaitMessages(c, 3))
                .containsExactly(
                        new Message("message", "2", second),
                        new Message("reset", "{\"reason\":\"expired\"}", first),
                        new Message("message", "2", second));
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void refusedPublishThrowsAndReachesNoOne() {
        SharedLog.Relay relay = log.join();
        SseRegistry a = server(relay);
        SseConnection c = open(a, ConnectOptions.builder("x").build());
        relay.refuse(true);

        assertThatThrownBy(() -> a.publish(SseEvent.of("1"))).isInstanceOf(RelayUnavailableException.class);
        assertThatThrownBy(() -> a.send(c.id(), SseEvent.of("1"))).isInstanceOf(RelayUnavailableException.class);
        relay.refuse(false);
        a.publish(SseEvent.of("2"));

        assertThat(awaitMessages(c, 1)).extracting(Message::data).containsExactly("2");
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void statsTellWhetherTheRelayCarriesEventsAndHowFarBehindThisServerIs() {
        SharedLog.Relay relay = log.join();
        SseRegistry a = server(relay);
        assertThat(a.stats().relay()).isEqualTo(new SseStats.Relay(true, null, 0));

        relay.refuse(true);
        assertThat(a.stats().relay()).isEqualTo(new SseStats.Relay(false, "the shared log refuses, on purpose", 0));

        try (SseRegistry alone = SseRegistry.builder().heartbeat(null).build()) {
            assertThat(alone.stats().relay()).as("no relay").isNull();
        }
    }

    @Test
    void aMessageToOneConnectionIsNeverRecordedWhateverItsEventSays() {
        SseEvent event = SseEvent.of("x");
        assertThat(event.recorded()).isTrue();

        assertThat(new RelayMessage(RelayMessage.Scope.CONNECTION, "id", event, null).recorded())
                .isFalse();
        assertThat(new RelayMessage(RelayMessage.Scope.ROOM, "r", event, null).recorded())
                .isTrue();
        assertThat(new RelayMessage(RelayMessage.Scope.ALL, null, event.withRecorded(false), null).recorded())
                .isFalse();
    }

    private SseRegistry server(SharedLog.Relay relay, int history) {
        return fixture.build(fixture.builder().history(history).relay(relay));
    }

    private static List<String> typesAndData(List<Message> messages) {
        return messages.stream()
                .map(m -> m.type() + ":" + m.data().replaceAll("\\{.*}", ""))
                .toList();
    }

    @Test
    void positionGivenBeforeAnyEventIsResetOnceWhatFollowedItIsNoLongerRetained() {
        SseRegistry a = server(log.join(), 2);
        SseRegistry b = server(log.join(), 2);
        SseConnection first = open(b, ConnectOptions.builder("x").announce(true).build());
        String position = awaitMessages(first, 1).get(0).lastEventId();
        first.close();
        for (int i = 1; i <= 5; i++) {
            a.publish(SseEvent.of("e" + i));
        }

        SseConnection resumed = open(
                a,
                ConnectOptions.builder("x").announce(true).lastEventId(position).build());

        assertThat(typesAndData(awaitMessages(resumed, 4)))
                .as("resuming from \"%s\", events 1 to 3 are gone: the client is told", position)
                .containsExactly("connected:", "reset:", "message:e4", "message:e5");
    }

    @Test
    void resetAfterLosingThePlaceInTheRelayGivesAPositionAnotherServerResumesFromExactly() {
        SharedLog.Relay relayOfB = log.join();
        SseRegistry a = server(log.join(), 100);
        SseRegistry b = server(relayOfB, 100);
        SseConnection onB = open(b, ConnectOptions.builder("x").announce(true).build());
        a.publish(SseEvent.of("e1"));
        a.publish(SseEvent.of("e2"));
        a.publish(SseEvent.of("e3"));
        awaitMessages(onB, 4);

        relayOfB.resyncWithGap(2); // b is given e2 and e3: e2 becomes its boundary, e3 is retained
        List<Message> seen = awaitMessages(onB, 5);
        assertThat(seen.get(4).type()).isEqualTo(SseRegistry.RESET_EVENT);
        String position = seen.get(4).lastEventId(); // a client that went away right after the reset
        onB.close();

        SseConnection resumed = open(
                a,
                ConnectOptions.builder("x").announce(true).lastEventId(position).build());
        a.publish(SseEvent.of("e4"));

        assertThat(typesAndData(awaitMessages(resumed, 3)))
                .as(
                        "resuming from the reset's \"%s\" on the other server: what b still had, nothing it had before",
                        position)
                .containsExactly("connected:", "message:e3", "message:e4");
    }

    @Test
    void clientResumingWhereTheServerLostItsPlaceWithNothingGivenBackIsReset() {
        SharedLog.Relay relay = log.join();
        SseRegistry a = server(relay, 100);
        String first = a.publish(SseEvent.of("e1")).id();
        a.publish(SseEvent.of("e2"));
        relay.resyncWithGap(
                0, false); // the relay trimmed everything this server had not read, and does not say where it stood

        SseConnection resumed = open(
                a, ConnectOptions.builder("x").announce(true).lastEventId(first).build());
        a.publish(SseEvent.of("e3"));

        assertThat(typesAndData(awaitMessages(resumed, 3)))
                .as("resuming from \"%s\": e2 may be gone, the client is told", first)
                .containsExactly("connected:", "reset:", "message:e3");
    }

    @Test
    void clientResumingFromAfterTheGapWhereTheServerLostItsPlaceWithNothingGivenBackIsNotReset() {
        SharedLog.Relay relayOfB = log.join();
        SseRegistry a = server(log.join(), 100);
        SseRegistry b = server(relayOfB, 100);
        a.publish(SseEvent.of("e1"));
        relayOfB.pause();
        relayOfB.resyncWithGap(0); // b lost its place, and is given back nothing: e1 is where the gap ends
        String seen = a.publish(SseEvent.of("e2")).id(); // after the gap; b has not read it yet

        SseConnection resumed = open(
                b, ConnectOptions.builder("x").announce(true).lastEventId(seen).build());
        relayOfB.resume();
        a.publish(SseEvent.of("e3"));

        assertThat(typesAndData(awaitMessages(resumed, 2)))
                .as("resuming from \"%s\", which came after the gap: nothing was lost, nothing is repeated", seen)
                .containsExactly("connected:", "message:e3");
    }

    @Test
    void serverThatLostItsPlaceAndWasGivenABoundaryLaterPlacesClientsFromAfterIt() {
        SharedLog.Relay relayOfB = log.join();
        SseRegistry a = server(log.join(), 100);
        SseRegistry b = server(relayOfB, 100);
        relayOfB.pause();
        relayOfB.resyncWithGap(0, false); // b lost its place, and is told nothing
        a.publish(SseEvent.of("e1"));
        relayOfB.resyncWithGap(1); // b lost it again, and is given e1 back: its boundary, its place again
        String seen = a.publish(SseEvent.of("e2")).id(); // after the boundary; b has not read it yet

        SseConnection resumed = open(
                b, ConnectOptions.builder("x").announce(true).lastEventId(seen).build());
        relayOfB.resume();
        a.publish(SseEvent.of("e3"));

        assertThat(typesAndData(awaitMessages(resumed, 2)))
                .as("resuming from \"%s\", after the boundary b was given: nothing was lost", seen)
                .containsExactly("connected:", "message:e3");
    }

    @Test
    void serverBehindTheRelayGivesANewConnectionNoLiveEventPublishedBeforeItOpened() {
        SharedLog.Relay slow = log.join();
        SseRegistry a = server(log.join());
        SseRegistry b = server(slow);
        slow.pause();
        String seen = a.publish(SseEvent.of("e1")).id();
        a.publish(SseEvent.of("before").withRecorded(false)); // the client saw e1 and this on A

        SseConnection c = open(b, ConnectOptions.builder("x").lastEventId(seen).build());
        slow.resume(); // b now delivers what it had not read, "before" among it
        a.publish(SseEvent.of("after").withRecorded(false));
        String last = a.publish(SseEvent.of("e2")).id();

        assertThat(awaitMessages(c, 2))
                .as("what was published before the connection opened is not live to it")
                .containsExactly(new Message("message", "after", ""), new Message("message", "e2", last));
    }
}
