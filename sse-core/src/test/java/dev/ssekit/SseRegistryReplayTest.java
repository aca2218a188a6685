package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.SseFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** History and replay: ids, resuming at every boundary, gaps signalled, entitlement, no races. */
class SseRegistryReplayTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private final MutableClock clock = new MutableClock();
    private SseRegistry registry;

    private SseRegistry.Builder builder() {
        return fixture.builder().drainExecutor(Runnable::run).ticker(clock);
    }

    private SseConnection open(ConnectOptions options) {
        return open(new RecordingTransport(), options);
    }

    private SseConnection open(RecordingTransport transport, ConnectOptions options) {
        return fixture.open(registry, transport, options);
    }

    private SseConnection resume(String lastEventId) {
        return open(ConnectOptions.builder("client").lastEventId(lastEventId).build());
    }

    private List<Message> messagesOf(SseConnection c) {
        return fixture.transportOf(c).messages();
    }

    private List<String> dataOf(SseConnection c) {
        return fixture.transportOf(c).data();
    }

    /** Broadcasts events whose data is "1", "2", ... and returns their ids, in order. */
    private List<String> broadcast(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ids.add(registry.publish(SseEvent.of(Integer.toString(i))).id());
        }
        return ids;
    }

    private static String epochOf(String id) {
        return id.substring(0, id.indexOf('-'));
    }

    private static Message reset(String reason, String id) {
        return new Message(SseRegistry.RESET_EVENT, "{\"reason\":\"" + reason + "\"}", id);
    }

    // ---- ids -----------------------------------------------------------------------------------

    @Test
    void historyAssignsMonotonicIdsOfEpochAndSequence() {
        registry = fixture.build(builder().history(10));
        SseConnection c = open(ConnectOptions.of("a"));

        List<String> ids = broadcast(3);

        String epoch = ids.get(0).substring(0, ids.get(0).indexOf('-'));
        assertThat(epoch).matches("[0-9a-z]{8}");
        assertThat(ids).containsExactly(epoch + "-1", epoch + "-2", epoch + "-3");
        assertThat(fixture.build(builder().history(10))
                        .publish(SseEvent.of("x"))
                        .id())
                .as("another registry's ids have another epoch")
                .doesNotStartWith(epoch + "-");
        assertThat(messagesOf(c)).extracting(Message::lastEventId).containsExactlyElementsOf(ids);
    }

    @Test
    void eventWithItsOwnIdIsRejectedWhenHistoryIsOn() {
        registry = fixture.build(builder().history(10));

        assertThatThrownBy(() ->
                        registry.publish(SseEvent.builder().id("mine").data("x").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("id must be null");
    }

    @Test
    void directMessagesAreNotRecordedAndGetNoRegistryId() {
        registry = fixture.build(builder().history(10));
        SseConnection c = open(ConnectOptions.of("a"));

        PublishResult result = registry.send(c.id(), SseEvent.of("private"));
        c.send(SseEvent.of("also private"));

        assertThat(result.id()).isNull();
        assertThat(fixture.transportOf(c).text()).doesNotContain("id:");
        assertThat(dataOf(resume("0"))).isEmpty();
    }

    // ---- resuming ------------------------------------------------------------------------------

    @Test
    void resumesAfterAnIdInTheMiddleThenGoesLive() {
        registry = fixture.build(builder().history(10));
        List<String> ids = broadcast(5);

        SseConnection c = resume(ids.get(1));
        String live = registry.publish(SseEvent.of("6")).id();

        assertThat(messagesOf(c))
                .containsExactly(
                        new Message("message", "3", ids.get(2)),
                        new Message("message", "4", ids.get(3)),
                        new Message("message", "5", ids.get(4)),
                        new Message("message", "6", live));
    }

    @Test
    void resumingFromTheLastIdReplaysNothing() {
        registry = fixture.build(builder().history(10));
        List<String> ids = broadcast(5);

        SseConnection c = resume(ids.get(4));
        registry.publish(SseEvent.of("6"));

        assertThat(dataOf(c)).containsExactly("6");
    }

    @Test
    void zeroReplaysEverythingRetained() {
        registry = fixture.build(builder().history(10));
        broadcast(5);

        assertThat(dataOf(resume("0"))).containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    void zeroAsksForWhatIsRetainedWithoutAReset() {
        registry = fixture.build(builder().history(3));
        broadcast(5);

        SseConnection c = resume("0");

        assertThat(messagesOf(c)).extracting(Message::type).doesNotContain(SseRegistry.RESET_EVENT);
        assertThat(dataOf(c)).containsExactly("3", "4", "5");
    }

    @Test
    void zeroBeforeAnythingWasPublishedReplaysNothing() {
        registry = fixture.build(builder().history(3));

        SseConnection c = resume("0");

        assertThat(fixture.transportOf(c).text()).isEmpty();
    }

    @Test
    void unknownIdGetsResetThenEverythingRetained() {
        registry = fixture.build(builder().history(10));
        List<String> ids = broadcast(3);

        SseConnection c = resume("not-an-id");

        assertThat(messagesOf(c))
                .containsExactly(
                        reset("unknown", epochOf(ids.get(0)) + "-0"),
                        new Message("message", "1", ids.get(0)),
                        new Message("message", "2", ids.get(1)),
                        new Message("message", "3", ids.get(2)));
    }

    @Test
    void anyUntrustedLastEventIdIsTreatedAsUnknown() {
        registry = fixture.build(builder().history(10));
        List<String> ids = broadcast(2);
        String epoch = ids.get(0).substring(0, ids.get(0).indexOf('-'));
        List<String> hostile = List.of(
                epoch + "-3", // ahead of this server
                epoch + "-99999999999999999999", // does not fit a long
                epoch + "--1",
                epoch + "-",
                epoch + "-1x",
                "-1",
                "zzzzzz-1", // another epoch: a restarted server
                epoch + "0-1",
                "1",
                "00",
                "\0",
                "\uD800",
                "9".repeat(100_000));

        for (String lastEventId : hostile) {
            SseConnection c = resume(lastEventId);
            assertThat(messagesOf(c))
                    .as("last event id %.40s", lastEventId)
                    .startsWith(reset("unknown", epoch + "-0"))
                    .extracting(Message::data)
                    .endsWith("1", "2");
        }
    }

    @Test
    void idOlderThanHistoryByCountGetsResetThenWhatIsRetained() {
        registry = fixture.build(builder().history(3));
        List<String> ids = broadcast(5); // retains 3, 4, 5

        SseConnection missedOne = resume(ids.get(0));
        SseConnection missedNone = resume(ids.get(1));

        assertThat(messagesOf(missedOne))
                .containsExactly(
                        reset("expired", ids.get(1)),
                        new Message("message", "3", ids.get(2)),
                        new Message("message", "4", ids.get(3)),
                        new Message("message", "5", ids.get(4)));
        assertThat(messagesOf(missedNone)).extracting(Message::data).containsExactly("3", "4", "5");
    }

    @Test
    void idOlderThanHistoryByAgeGetsReset() {
        registry = fixture.build(builder().history(100).historyMaxAge(Duration.ofMinutes(1)));
        List<String> ids = broadcast(2);
        clock.advance(Duration.ofMinutes(1));
        assertThat(dataOf(resume("0"))).as("exactly as old as the limit: kept").containsExactly("1", "2");

        clock.advance(Duration.ofMillis(1));
        String third = registry.publish(SseEvent.of("3")).id();

        assertThat(messagesOf(resume(ids.get(0))))
                .containsExactly(reset("expired", ids.get(1)), new Message("message", "3", third));
        assertThat(dataOf(resume(ids.get(1)))).as("missed nothing that expired").containsExactly("3");

        clock.advance(Duration.ofMinutes(2)); // everything has expired, nothing new
        assertThat(fixture.transportOf(resume(third)).text())
                .as("missed nothing at all")
                .isEmpty();
        assertThat(messagesOf(resume(ids.get(1)))).containsExactly(reset("expired", third));
    }

    @Test
    void historyAgeIsMeasuredByTheMonotonicClockNotTheWallClock() {
        registry = fixture.build(builder().history(100).historyMaxAge(Duration.ofMinutes(1)));
        broadcast(2);

        clock.stepWallClock(Duration.ofHours(1));

        assertThat(dataOf(resume("0"))).as("a step of the date expires nothing").containsExactly("1", "2");
    }

    @Test
    void historyBytesBoundRetainedEventsButKeepTheNewest() {
        String data = "x".repeat(100);
        int frameSize = SseFrame.encode(SseEvent.builder()
                        .id(Long.toString(clock.millis(), 36) + "-1")
                        .data(data)
                        .build())
                .size();
        registry = fixture.build(builder().history(100).historyBytes(2L * frameSize + 10));

        for (int i = 0; i < 5; i++) {
            registry.publish(SseEvent.of(data));
        }
        assertThat(dataOf(resume("0"))).hasSize(2);

        registry.close();
        registry = fixture.build(builder().history(100).historyBytes(1));
        registry.publish(SseEvent.of(data));
        assertThat(dataOf(resume("0"))).as("newest always kept").containsExactly(data);
    }

    @Test
    void lastEventIdIsIgnoredWithoutHistory() {
        registry = fixture.build(builder());
        registry.publish(SseEvent.of("x"));

        SseConnection c = resume("whatever");

        assertThat(fixture.transportOf(c).text()).isEmpty();
    }

    @Test
    void retryAndConnectedEventComeBeforeReplay() {
        registry = fixture.build(builder().history(10));
        List<String> ids = broadcast(2);

        SseConnection c = open(ConnectOptions.builder("a")
                .retry(Duration.ofSeconds(1))
                .announce(true)
                .lastEventId("unknown")
                .build());

        assertThat(fixture.transportOf(c).frames())
                .containsExactly(
                        "retry: 1000\n\n",
                        "event: connected\ndata: {\"connectionId\":\"" + c.id() + "\"}\n\n",
                        "id: " + epochOf(ids.get(0)) + "-0\nevent: reset\ndata: {\"reason\":\"unknown\"}\n\n",
                        "id: " + ids.get(0) + "\ndata: 1\n\n",
                        "id: " + ids.get(1) + "\ndata: 2\n\n");
    }

    // ---- entitlement ---------------------------------------------------------------------------

    @Test
    void replayGivesOnlyBroadcastsAndOpeningRoomsOfChosenTypes() {
        registry = fixture.build(builder().history(100));
        SseConnection someoneElse = open(ConnectOptions.of("eve"));
        registry.publish(SseEvent.of("broadcast"));
        registry.publish("a", SseEvent.of("room a"));
        registry.publish("b", SseEvent.of("room b"));
        registry.publish(SseEvent.of("other", "other type"));
        registry.publish("a", SseEvent.of("other", "other type in a"));
        registry.send(someoneElse.id(), SseEvent.of("direct"));

        SseConnection c = open(ConnectOptions.builder("alice")
                .rooms("a")
                .eventTypes("message")
                .lastEventId("0")
                .build());
        SseConnection later =
                open(ConnectOptions.builder("bob").lastEventId("0").build());
        later.join("b");

        assertThat(dataOf(c)).containsExactly("broadcast", "room a");
        assertThat(dataOf(later))
                .as("rooms joined after opening replay nothing")
                .containsExactly("broadcast", "other type");
    }

    @Test
    void resetPassesEveryEventTypeFilter() {
        registry = fixture.build(builder().history(10));
        String id = broadcast(1).get(0);

        SseConnection c = open(ConnectOptions.builder("a")
                .eventTypes("tick")
                .lastEventId("bogus")
                .build());

        assertThat(messagesOf(c)).containsExactly(reset("unknown", epochOf(id) + "-0"));
    }

    @Test
    void publishToEmptyRoomIsRecordedForMembersWhoReturn() {
        registry = fixture.build(builder().history(10));
        SseConnection before = open(ConnectOptions.builder("a").rooms("r").build());
        String seen = registry.publish("r", SseEvent.of("seen")).id();
        before.close();

        PublishResult missed = registry.publish("r", SseEvent.of("missed"));
        SseConnection back =
                open(ConnectOptions.builder("a").rooms("r").lastEventId(seen).build());

        assertThat(missed.queued()).isZero();
        assertThat(missed.id()).isNotNull();
        assertThat(messagesOf(back)).containsExactly(new Message("message", "missed", missed.id()));
    }

    @Test
    void replayLargerThanTheQueueIsDeliveredWhole() {
        registry = fixture.build(builder().history(2_000).queueCapacity(4));
        broadcast(2_000);
        RecordingTransport slow = RecordingTransport.notReady();

        SseConnection c =
                open(slow, ConnectOptions.builder("a").lastEventId("0").build());
        assertThat(c.queuedFrames()).isEqualTo(2_000);
        slow.setReady(true);

        assertThat(dataOf(c))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 2_000)
                        .mapToObj(Integer::toString)
                        .toList());
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void replayLargerThanTheQueueLeavesRoomForLiveEventsUnderDisconnect() {
        registry = fixture.build(builder().history(100).queueCapacity(4).overflow(OverflowPolicy.DISCONNECT));
        broadcast(100);
        RecordingTransport slow = RecordingTransport.notReady();
        SseConnection c =
                open(slow, ConnectOptions.builder("a").lastEventId("0").build());

        registry.publish(SseEvent.of("live 1"));
        registry.publish(SseEvent.of("live 2"));

        assertThat(c.isOpen()).as("a long replay is not a slow consumer").isTrue();
        slow.setReady(true);
        assertThat(dataOf(c)).hasSize(102).endsWith("live 1", "live 2");
        assertThat(registry.stats().slowConsumersDisconnected()).isZero();
    }

    @Test
    void liveLimitStillHoldsBehindALongReplay() {
        registry = fixture.build(builder().history(10).queueCapacity(2).overflow(OverflowPolicy.DISCONNECT));
        broadcast(10);
        SseConnection c = open(
                RecordingTransport.notReady(),
                ConnectOptions.builder("a").lastEventId("0").build());

        registry.publish(SseEvent.of("live 1"));
        registry.publish(SseEvent.of("live 2"));
        assertThat(c.isOpen()).isTrue();
        registry.publish(SseEvent.of("live 3"));

        assertThat(c.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
    }

    @Test
    void liveEventsReachPresentMembersButAreNeitherRecordedNorGivenIds() {
        registry = fixture.build(builder().history(10));
        SseConnection member = open(ConnectOptions.builder("a").rooms("ticker").build());
        SseConnection other = open(ConnectOptions.of("b"));

        PublishResult tick = registry.publish("ticker", SseEvent.of("tick", "1").withRecorded(false));
        PublishResult all = registry.publish(SseEvent.of("x").withRecorded(false));
        List<String> recorded = broadcast(1);

        assertThat(tick).isEqualTo(new PublishResult(null, 1));
        assertThat(all).isEqualTo(new PublishResult(null, 2));
        assertThat(messagesOf(member))
                .containsExactly(
                        new Message("tick", "1", ""),
                        new Message("message", "x", ""),
                        new Message("message", "1", recorded.get(0)));
        assertThat(dataOf(other)).containsExactly("x", "1");
        assertThat(dataOf(resume("0")))
                .as("only the recorded event is replayed")
                .containsExactly("1");
    }

    @Test
    void emptyLastEventIdCountsAsNone() {
        registry = fixture.build(builder().history(10));
        broadcast(3);

        SseConnection c = resume("");

        assertThat(messagesOf(c)).as("no reset and no replay").isEmpty();
    }

    // ---- races -----------------------------------------------------------------------------------

    @Test
    void publishingWhileReplayingLosesAndRepeatsNothing() throws Exception {
        int opens = 40;
        int eventsPerOpen = 75;
        int events = opens * eventsPerOpen;
        registry = fixture.build(builder().history(10_000).queueCapacity(10_000));
        AtomicReference<PublishResult> latest = new AtomicReference<>();
        // The publisher may publish only as many events as it holds permits for; each open hands
        // it the next batch just before connecting, so that every open races with publishing.
        Semaphore permits = new Semaphore(0);
        ExecutorService publisher = Executors.newSingleThreadExecutor();
        record Resumed(SseConnection connection, int firstExpected) {}
        List<Resumed> resumed = new ArrayList<>();
        try {
            Future<?> publishing = publisher.submit(() -> {
                for (int i = 0; i < events; i++) {
                    permits.acquire();
                    SseEvent event = SseEvent.of(Integer.toString(i));
                    latest.set(i % 2 == 0 ? registry.publish(event) : registry.publish("r", event));
                }
                return null;
            });
            for (int n = 0; n < opens; n++) {
                PublishResult last = latest.get();
                boolean fromStart = last == null || n % 3 == 0;
                String lastEventId = fromStart ? "0" : last.id();
                // Event i carries sequence i + 1, so resuming after sequence s starts at event s.
                int first = fromStart
                        ? 0
                        : Integer.parseInt(last.id().substring(last.id().indexOf('-') + 1));
                RecordingTransport transport = n % 2 == 0 ? new RecordingTransport() : RecordingTransport.notReady();
                permits.release(eventsPerOpen);
                SseConnection c = open(
                        transport,
                        ConnectOptions.builder("client")
                                .rooms("r")
                                .lastEventId(lastEventId)
                                .build());
                resumed.add(new Resumed(c, first));
            }
            publishing.get(30, TimeUnit.SECONDS);
        } finally {
            publisher.shutdownNow();
        }

        for (Resumed r : resumed) {
            fixture.transportOf(r.connection()).setReady(true);
            assertThat(r.connection().isOpen()).isTrue();
            assertThat(dataOf(r.connection()))
                    .as("connection resuming at event %d", r.firstExpected())
                    .containsExactlyElementsOf(IntStream.range(r.firstExpected(), events)
                            .mapToObj(Integer::toString)
                            .toList());
        }
    }
}
