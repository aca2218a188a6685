package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who is in a room: counting owners, the listeners' hooks and the coalesced presence events. */
class SseRegistryPresenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry;

    private SseRegistry.Builder builder() {
        return fixture.builder().drainExecutor(Runnable::run);
    }

    private SseConnection open(String owner, String... rooms) {
        return fixture.open(registry, ConnectOptions.builder(owner).rooms(rooms).build());
    }

    private List<JsonNode> presenceEvents(SseConnection c) {
        List<JsonNode> events = new ArrayList<>();
        for (Message m : fixture.transportOf(c).messages()) {
            if (m.type().equals(SseRegistry.PRESENCE_EVENT)) {
                try {
                    events.add(JSON.readTree(m.data()));
                } catch (Exception e) {
                    throw new AssertionError("presence data is not JSON: " + m.data(), e);
                }
            }
        }
        return events;
    }

    private List<Integer> presenceCounts(SseConnection c) {
        return presenceEvents(c).stream().map(e -> e.get("count").asInt()).toList();
    }

    private void awaitCounts(SseConnection c, Integer... counts) {
        Await.await(
                "presence counts " + List.of(counts) + " on " + c,
                () -> presenceCounts(c).size() >= counts.length);
        assertThat(presenceCounts(c)).containsExactly(counts);
    }

    // ---- counting owners -------------------------------------------------------------------------

    @Test
    void ownerWithSeveralConnectionsCountsOnceUntilItsLastLeaves() {
        registry = fixture.build(builder().describeOwners(owner -> owner.equals("s-alice") ? "Alice" : "Bob"));
        SseConnection tab1 = open("s-alice", "chat");
        SseConnection tab2 = open("s-alice", "chat");
        SseConnection tab3 = open("s-alice");
        tab3.join("chat");
        open("s-bob", "chat");

        assertThat(registry.presence("chat")).isEqualTo(new Presence("chat", 2, List.of("Alice", "Bob")));

        tab1.close();
        tab2.leave("chat");
        assertThat(registry.presence("chat").count())
                .as("one tab of Alice is still there")
                .isEqualTo(2);

        tab3.close();
        assertThat(registry.presence("chat")).isEqualTo(new Presence("chat", 1, List.of("Bob")));
        assertThat(registry.presence("nobody-here")).isEqualTo(new Presence("nobody-here", 0, List.of()));
    }

    @Test
    void ownersAreAnonymousByDefaultAndTheirKeysAppearNowhere() {
        registry = fixture.build(builder().presenceEvents(Pattern.compile("chat")));
        SseConnection alice = open("session-ALICE-1234", "chat");
        open("session-BOB-5678", "chat");

        assertThat(registry.presence("chat")).isEqualTo(new Presence("chat", 2, List.of()));
        Await.await(
                "a presence event with both owners", () -> presenceCounts(alice).contains(2));
        String everything = fixture.transportOf(alice).text();
        assertThat(everything).doesNotContain("ALICE").doesNotContain("BOB").doesNotContain("members");
        assertThat(presenceEvents(alice).get(presenceEvents(alice).size() - 1).toString())
                .isEqualTo("{\"room\":\"chat\",\"count\":2}");
    }

    @Test
    void describerMayLeaveSomeOwnersUnlistedAndOneThatThrowsCountsAsAnonymous() {
        registry = fixture.build(builder().describeOwners(owner -> switch (owner) {
            case "alice" -> Map.of("name", "Alice");
            case "broken" -> throw new IllegalStateException("no such user");
            default -> null;
        }));
        open("alice", "chat");
        open("hidden", "chat");
        open("broken", "chat");

        Presence p = registry.presence("chat");
        assertThat(p.count()).isEqualTo(3);
        assertThat(p.members()).containsExactly(Map.of("name", "Alice"));
    }

    @Test
    void presenceOfAnInvalidRoomIsRefusedNamingTheRoom() {
        registry = fixture.build(builder());
        assertThatThrownBy(() -> registry.presence("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("room");
        assertThatThrownBy(() -> registry.presence(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("room");
    }

    // ---- hooks ---------------------------------------------------------------------------------

    /** Records every hook call as text, and the threads they came on. */
    private static final class Recorder implements Presence.Listener {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        @Override
        public void occupied(String room) {
            record("occupied " + room);
        }

        @Override
        public void emptied(String room) {
            record("emptied " + room);
        }

        @Override
        public void joined(SseConnection connection, String room) {
            record("joined " + connection.owner() + " " + room);
        }

        @Override
        public void left(SseConnection connection, String room, CloseReason reason) {
            record("left " + connection.owner() + " " + room + " " + reason);
        }

        private void record(String call) {
            threads.add(Thread.currentThread().getName());
            calls.add(call);
        }
    }

    @Test
    void listenerHearsOccupiedJoinedLeftAndEmptiedOnceEachInOrder() {
        registry = fixture.build(builder());
        Recorder recorder = new Recorder();
        registry.addPresenceListener(recorder);

        SseConnection alice = open("alice", "chat");
        SseConnection bob = open("bob");
        bob.join("chat");
        bob.join("chat"); // already in: no change, no call
        alice.leave("chat");
        alice.leave("chat");
        fixture.transportOf(bob).clientGone();
        alice.join("chat");
        alice.close();

        List<String> expected = List.of(
                "occupied chat",
                "joined alice chat",
                "joined bob chat",
                "left alice chat null",
                "left bob chat CLIENT_GONE",
                "emptied chat",
                "occupied chat",
                "joined alice chat",
                "left alice chat CLOSED_BY_APP",
                "emptied chat");
        Await.await("every call", () -> recorder.calls.size() >= expected.size());
        assertThat(recorder.calls).containsExactlyElementsOf(expected);
        assertThat(recorder.threads).containsExactly("ssekit-presence");
    }

    @Test
    void roomsChangedInOneStepAreCountedAndHeard() {
        registry = fixture.build(builder());
        Recorder recorder = new Recorder();
        registry.addPresenceListener(recorder);
        SseConnection alice = open("alice", "a");

        assertThat(registry.changeSubscriptions(alice.id(), List.of("b"), List.of("a"), null))
                .isTrue();

        assertThat(registry.presence("a").count()).isZero();
        assertThat(registry.presence("b").count()).isEqualTo(1);
        List<String> expected = List.of(
                "occupied a", "joined alice a", "left alice a null", "emptied a", "occupied b", "joined alice b");
        Await.await("every call", () -> recorder.calls.size() >= expected.size());
        assertThat(recorder.calls).containsExactlyElementsOf(expected);
    }

    @Test
    void listenerThatThrowsIsContainedAndTheOthersAndLaterChangesAreStillHeard() {
        registry = fixture.build(builder());
        registry.addPresenceListener(new Presence.Listener() {
            @Override
            public void joined(SseConnection connection, String room) {
                throw new IllegalStateException("a broken listener");
            }
        });
        Recorder recorder = new Recorder();
        registry.addPresenceListener(recorder);

        open("alice", "chat").close();
        open("bob", "news");

        List<String> expected = List.of(
                "occupied chat",
                "joined alice chat",
                "left alice chat CLOSED_BY_APP",
                "emptied chat",
                "occupied news",
                "joined bob news");
        Await.await("every call", () -> recorder.calls.size() >= expected.size());
        assertThat(recorder.calls).containsExactlyElementsOf(expected);
    }

    @Test
    void removedListenerHearsNoMoreAndListenerMayUseTheRegistry() {
        registry = fixture.build(builder());
        Recorder gone = new Recorder();
        registry.addPresenceListener(gone);
        assertThat(registry.removePresenceListener(gone)).isTrue();
        assertThat(registry.removePresenceListener(gone)).isFalse();
        // A listener that publishes to the room that just became occupied: the hooks run outside
        // the registry's locks, so this neither deadlocks nor fails.
        registry.addPresenceListener(new Presence.Listener() {
            @Override
            public void occupied(String room) {
                registry.publish(room, registry.event("welcome", "\"first\"").withRecorded(false));
            }
        });

        SseConnection alice = open("alice", "lobby");

        Await.await("the welcome", () -> fixture.transportOf(alice).data().contains("\"first\""));
        assertThat(gone.calls).isEmpty();
    }

    @Test
    void hooksAreCalledExactlyOncePerChangeUnderConcurrentChurn() throws Exception {
        long seed = new Random().nextLong();
        registry = fixture.build(builder());
        Recorder recorder = new Recorder();
        registry.addPresenceListener(recorder);
        List<String> roomNames = List.of("a", "b", "c");
        AtomicInteger joins = new AtomicInteger();
        int threads = 4;
        int perThread = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(seed + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String room = roomNames.get(random.nextInt(roomNames.size()));
                        SseConnection c = open("owner" + random.nextInt(5), room);
                        joins.incrementAndGet();
                        for (int k = 0; k < 3; k++) {
                            String other = roomNames.get(random.nextInt(roomNames.size()));
                            if (random.nextBoolean()) {
                                if (c.join(other)) {
                                    joins.incrementAndGet();
                                }
                            } else {
                                c.leave(other);
                            }
                        }
                        if (random.nextBoolean()) {
                            c.close();
                        } else {
                            fixture.transportOf(c).clientGone();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        Await.await(
                "a left for every joined, an emptied for every occupied (seed " + seed + ")",
                () -> recorder.calls.stream().filter(s -> s.startsWith("left ")).count() == joins.get()
                        && recorder.calls.stream()
                                        .filter(s -> s.startsWith("emptied "))
                                        .count()
                                == recorder.calls.stream()
                                        .filter(s -> s.startsWith("occupied "))
                                        .count());
        assertThat(recorder.calls.stream().filter(s -> s.startsWith("joined ")).count())
                .as("joined calls, seed %d", seed)
                .isEqualTo(joins.get());
        // Replaying the calls in order must describe a possible history: occupied before the first
        // member, emptied after the last one, never a count below zero.
        Map<String, Integer> members = new HashMap<>();
        Map<String, Boolean> occupied = new HashMap<>();
        for (String call : recorder.calls) {
            String[] words = call.split(" ");
            String room = words[0].equals("joined") || words[0].equals("left") ? words[2] : words[1];
            int n = members.getOrDefault(room, 0);
            boolean occ = occupied.getOrDefault(room, false);
            switch (words[0]) {
                case "occupied" -> {
                    assertThat(occ)
                            .as("occupied twice: %s, seed %d", room, seed)
                            .isFalse();
                    assertThat(n).isZero();
                    occupied.put(room, true);
                }
                case "joined" -> {
                    assertThat(occ)
                            .as("joined before occupied: %s, seed %d", room, seed)
                            .isTrue();
                    members.put(room, n + 1);
                }
                case "left" -> {
                    assertThat(n)
                            .as("left more than joined: %s, seed %d", room, seed)
                            .isPositive();
                    members.put(room, n - 1);
                }
                case "emptied" -> {
                    assertThat(n)
                            .as("emptied with members: %s, seed %d", room, seed)
                            .isZero();
                    assertThat(occ).isTrue();
                    occupied.put(room, false);
                }
                default -> throw new AssertionError(call);
            }
        }
        assertThat(occupied.values())
                .as("every room emptied in the end, seed %d", seed)
                .doesNotContain(true);
        assertThat(recorder.threads).containsExactly("ssekit-presence");
    }

    // ---- presence events ---------------------------------------------------------------------------

    @Test
    void membersHearOwnersArriveAndDepartButNotASecondConnectionOfTheSameOwner() {
        registry = fixture.build(builder()
                .presenceEvents(Pattern.compile("chat\\..*"))
                .describeOwners(owner -> owner.toUpperCase(Locale.ROOT)));
        SseConnection alice = open("alice", "chat.lobby");
        awaitCounts(alice, 1);

        SseConnection aliceTab2 = open("alice", "chat.lobby");
        SseConnection bob = open("bob", "chat.lobby");
        awaitCounts(alice, 1, 2);
        assertThat(presenceEvents(alice).get(1).get("members").toString()).isEqualTo("[\"ALICE\",\"BOB\"]");

        aliceTab2.close(); // Alice is still there in her first tab
        bob.close();
        awaitCounts(alice, 1, 2, 1);
        assertThat(presenceCounts(aliceTab2))
                .as("a second tab hears who is there, not itself arrive twice")
                .containsExactly(2);
    }

    @Test
    void roomsOutsideThePatternGetNoPresenceEvents() {
        registry = fixture.build(builder().presenceEvents(Pattern.compile("chat")));
        SseConnection outsider = open("carol", "news");
        SseConnection member = open("dave", "news", "chat");
        awaitCounts(member, 1); // sent after any event for "news" would have been

        assertThat(presenceEvents(outsider)).isEmpty();
        assertThat(presenceEvents(member)).hasSize(1);
    }

    @Test
    void burstOfAThousandJoinsSendsOneEventWithTheFinalCount() throws Exception {
        CountDownLatch burstDone = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        registry = fixture.build(
                builder().presenceEvents(Pattern.compile("room")).presenceEventDelay(Duration.ofMillis(50)));
        // Hold the presence thread during the burst, so that the burst is a burst however slow the
        // machine: the coalesced event then cannot go out before the last join.
        registry.addPresenceListener(new Presence.Listener() {
            @Override
            public void occupied(String room) {
                holding.countDown();
                try {
                    burstDone.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        SseConnection first = open("owner0", "room");
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        List<SseConnection> all = new ArrayList<>(List.of(first));
        for (int i = 1; i < 1_000; i++) {
            all.add(open("owner" + i, "room"));
        }
        burstDone.countDown();

        awaitCounts(first, 1_000);
        // A fence: one more owner arrives; the members then hear exactly the burst's event and this one.
        SseConnection late = open("late", "room");
        awaitCounts(first, 1_000, 1_001);
        for (SseConnection c : all) { // each is drained on its own: wait for each
            awaitCounts(c, 1_000, 1_001);
        }
        awaitCounts(late, 1_001);
    }

    @Test
    void presenceEventsAreNeverRecordedNorReplayed() {
        registry = fixture.build(builder().history(100).presenceEvents(Pattern.compile("chat")));
        SseConnection alice = open("alice", "chat");
        registry.publish("chat", registry.event("line", "\"hello\""));
        awaitCounts(alice, 1);
        open("bob", "chat");
        awaitCounts(alice, 1, 2);
        for (Message m : fixture.transportOf(alice).messages()) {
            if (m.type().equals("presence")) {
                assertThat(m.lastEventId())
                        .as("a presence event carries no id of its own")
                        .isEqualTo(fixture.transportOf(alice).messages().stream()
                                .filter(x -> x.type().equals("line"))
                                .findFirst()
                                .orElseThrow()
                                .lastEventId());
            }
        }

        RecordingTransport resumed = new RecordingTransport();
        fixture.open(
                registry,
                resumed,
                ConnectOptions.builder("carol").rooms("chat").lastEventId("0").build());
        assertThat(resumed.messages()).extracting(Message::type).containsExactly("line");
    }
}
