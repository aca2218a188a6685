package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.testing.Await;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many threads publishing, opening, joining, leaving, stalling and disconnecting at once, with
 * fixed iteration counts. Afterwards the registry's books must balance, and every connection still
 * open must have received exactly what it was owed, once each and in publish order.
 *
 * <p>The checks are exact whatever the interleaving. A witness connection sits in every room from
 * the start, so its stream is the order in which the registry took every publish. Around each
 * change of membership, the thread making it publishes a marker to the witness's private room just
 * before and just after; in the witness's stream, the connection must have every event of a room
 * that lies between "just after join" and "just before leave", may have those between "just before
 * join" and "just after leave", and must have no other. Its events must also come in the witness's
 * order.
 */
class SseRegistryStressTest {

    private static final String[] ROOMS = {"r0", "r1", "r2", "r3"};
    private static final String WITNESS_ROOM = "witness";
    private static final String BROADCAST = "*";
    private static final int PUBLISHERS = 3;
    private static final int EVENTS_PER_PUBLISHER = 2_000;
    private static final int CHURNERS = 4;
    private static final int CONNECTIONS_PER_CHURNER = 80;
    private static final int OPS_PER_CONNECTION = 6;

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private final SseRegistry registry =
            fixture.build(fixture.builder().queueCapacity(100_000).overflow(OverflowPolicy.DISCONNECT));

    /** Where each publisher sends each event: one of ROOMS, or BROADCAST; fixed by seed. */
    private final String[][] targets = new String[PUBLISHERS][EVENTS_PER_PUBLISHER];

    /**
     * Paces the publishers by the churners: each churning step lets every publisher publish one
     * more event, so that publishing overlaps the whole churn instead of finishing while the
     * churners warm up. About as many steps are taken as events are published.
     */
    private final Semaphore[] permits = new Semaphore[PUBLISHERS];

    /** One connection as the thread that owns it sees it. */
    private static final class Tracked {
        final String key;
        final RecordingTransport transport;
        final Set<String> rooms = new LinkedHashSet<>();
        final Set<String> openedWith = new LinkedHashSet<>();
        SseConnection connection;
        boolean ready;
        boolean closedByUs;
        int markers;
        int directs;
        int otherSends;

        Tracked(String key, RecordingTransport transport, boolean ready) {
            this.key = key;
            this.transport = transport;
            this.ready = ready;
        }
    }

    private final ConcurrentLinkedQueue<Tracked> churned = new ConcurrentLinkedQueue<>();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentPublishJoinLeaveAndDisconnectKeepEveryPromise() throws Exception {
        Random seeds = new Random(20250301);
        for (String[] publisher : targets) {
            for (int i = 0; i < publisher.length; i++) {
                int pick = seeds.nextInt(ROOMS.length + 1);
                publisher[i] = pick == ROOMS.length ? BROADCAST : ROOMS[pick];
            }
        }
        Tracked witness = openStable("witness", concat(ROOMS, WITNESS_ROOM));
        List<Tracked> stable = new ArrayList<>();
        for (int s = 0; s < ROOMS.length; s++) {
            stable.add(openStable("stable" + s, ROOMS[s], ROOMS[(s + 1) % ROOMS.length]));
        }
        stable.add(openStable("stable-no-room"));

        for (int p = 0; p < PUBLISHERS; p++) {
            permits[p] = new Semaphore(0);
        }
        ExecutorService pool = Executors.newFixedThreadPool(PUBLISHERS + CHURNERS);
        List<Future<?>> publishers = new ArrayList<>();
        List<Future<?>> churners = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int p = 0; p < PUBLISHERS; p++) {
                int publisher = p;
                publishers.add(pool.submit(() -> {
                    start.await();
                    for (int seq = 0; seq < EVENTS_PER_PUBLISHER; seq++) {
                        permits[publisher].acquire();
                        SseEvent event = SseEvent.of("p:" + publisher + ":" + seq);
                        String target = targets[publisher][seq];
                        if (target.equals(BROADCAST)) {
                            registry.publish(event);
                        } else {
                            registry.publish(target, event);
                        }
                    }
                    return null;
                }));
            }
            for (int ch = 0; ch < CHURNERS; ch++) {
                int churner = ch;
                churners.add(pool.submit(() -> {
                    start.await();
                    churn(churner, new Random(churner));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : churners) {
                f.get(50, TimeUnit.SECONDS);
            }
            for (Semaphore s : permits) {
                s.release(EVENTS_PER_PUBLISHER); // let the publishers finish whatever they have left
            }
            for (Future<?> f : publishers) {
                f.get(50, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<Tracked> all = new ArrayList<>(stable);
        all.add(witness);
        all.addAll(churned);
        List<Tracked> survivors = all.stream().filter(t -> !t.closedByUs).toList();
        for (Tracked t : survivors) {
            t.transport.setReady(true);
        }
        for (Tracked t : survivors) {
            Await.await(t.key + " drained", () -> t.connection.queuedFrames() == 0);
        }

        assertBooksBalance(all, survivors);
        Witness order = new Witness(witness.transport.messages());
        assertThat(order.events).as("the witness got every event once").hasSize(PUBLISHERS * EVENTS_PER_PUBLISHER);
        assertThat(order.markers.values().stream().mapToInt(List::size).sum())
                .as("the witness got every marker once")
                .isEqualTo(all.stream().mapToInt(t -> t.markers).sum());
        int checkedMust = 0;
        for (Tracked t : survivors) {
            if (t != witness) {
                checkedMust += assertReceivedExactlyWhatWasOwed(t, order);
            }
        }
        for (Tracked t : all) {
            assertThat(t.transport.violations()).as("SPI contract on %s", t.key).isEmpty();
        }
        // The run must have produced enough to check, or the checks above prove little.
        long churnedSurvivors = churned.stream().filter(t -> !t.closedByUs).count();
        assertThat(churnedSurvivors).isBetween(50L, churned.size() - 50L);
        assertThat(checkedMust).isGreaterThan(100_000);
    }

    private Tracked openStable(String key, String... rooms) {
        Tracked t = new Tracked(key, new RecordingTransport(), true);
        t.rooms.addAll(List.of(rooms));
        t.connection = Connections.open(
                registry,
                t.transport,
                ConnectOptions.builder("stable").rooms(rooms).build());
        return t;
    }

    private static String[] concat(String[] a, String b) {
        String[] all = Arrays.copyOf(a, a.length + 1);
        all[a.length] = b;
        return all;
    }

    // ---- the churn -----------------------------------------------------------------------------

    /** One churning thread: opens connections, then joins, leaves, stalls, sends to and closes them. */
    private void churn(int churner, Random random) {
        List<Tracked> mine = new ArrayList<>();
        for (int n = 0; n < CONNECTIONS_PER_CHURNER; n++) {
            step();
            Set<String> rooms = new LinkedHashSet<>();
            for (String room : ROOMS) {
                if (random.nextInt(3) == 0) {
                    rooms.add(room);
                }
            }
            boolean ready = random.nextBoolean();
            Tracked t = new Tracked(
                    "c" + churner + "-" + n, ready ? new RecordingTransport() : RecordingTransport.notReady(), ready);
            t.rooms.addAll(rooms);
            t.openedWith.addAll(rooms);
            marker(t, "before-open", "-");
            t.connection = Connections.open(
                    registry,
                    t.transport,
                    ConnectOptions.builder("churner").rooms(rooms).build());
            marker(t, "after-open", "-");
            churned.add(t);
            mine.add(t);
            for (int op = 0; op < OPS_PER_CONNECTION; op++) {
                step();
                List<Tracked> open = mine.stream().filter(x -> !x.closedByUs).toList();
                if (!open.isEmpty()) {
                    operate(open.get(random.nextInt(open.size())), random);
                }
            }
        }
    }

    private void step() {
        for (Semaphore s : permits) {
            s.release();
        }
    }

    private void operate(Tracked t, Random random) {
        String room = ROOMS[random.nextInt(ROOMS.length)];
        switch (random.nextInt(12)) {
            case 0, 1, 2 -> {
                if (!t.rooms.contains(room)) {
                    marker(t, "before-join", room);
                    assertThat(t.connection.join(room)).isTrue();
                    marker(t, "after-join", room);
                    t.rooms.add(room);
                }
            }
            case 3, 4 -> {
                if (t.rooms.contains(room)) {
                    marker(t, "before-leave", room);
                    assertThat(t.connection.leave(room)).isTrue();
                    marker(t, "after-leave", room);
                    t.rooms.remove(room);
                }
            }
            case 5, 6 -> {
                t.ready = !t.ready;
                t.transport.setReady(t.ready);
            }
            case 7, 8 -> {
                SseEvent direct = SseEvent.of("d:" + t.key + ":" + t.directs++);
                assertThat(registry.send(t.connection.id(), direct).queued()).isEqualTo(1);
            }
            case 9 -> {
                t.closedByUs = true;
                switch (random.nextInt(4)) {
                    case 0 -> t.connection.close();
                    case 1 -> t.transport.clientGone();
                    case 2 -> t.transport.streamFailed(new IOException("reset"));
                    default -> {
                        t.transport.failWrites(new IOException("broken pipe"));
                        t.transport.setReady(true);
                        t.otherSends++;
                        t.connection.send(SseEvent.of("never arrives"));
                    }
                }
                Await.await(t.key + " closed", () -> !t.connection.isOpen());
            }
            default -> {
                // Nothing: let the publishers run a little.
            }
        }
    }

    /** Publishes a marker only the witness receives: where this thread's change sits in the order. */
    private void marker(Tracked t, String kind, String room) {
        registry.publish(WITNESS_ROOM, SseEvent.of("m:" + t.key + ":" + t.markers++ + ":" + kind + ":" + room));
    }

    // ---- checks --------------------------------------------------------------------------------

    /** The order in which the registry took every publish, as the witness received it. */
    private static final class Witness {
        final Map<String, Integer> position = new HashMap<>();
        final List<String> events = new ArrayList<>(); // publisher events only, in order
        final Map<String, List<String[]>> markers = new HashMap<>(); // key -> {kind, room, position}

        Witness(List<Message> messages) {
            for (int i = 0; i < messages.size(); i++) {
                String data = messages.get(i).data();
                assertThat(position.put(data, i))
                        .as("witness got %s once", data)
                        .isNull();
                String[] f = data.split(":");
                if (f[0].equals("p")) {
                    events.add(data);
                } else {
                    markers.computeIfAbsent(f[1], k -> new ArrayList<>())
                            .add(new String[] {f[3], f[4], Integer.toString(i)});
                }
            }
        }
    }

    /** A stretch of the witness's order: from (exclusive) and to (exclusive). */
    private record Span(int from, int to) {
        boolean contains(int position) {
            return position > from && position < to;
        }
    }

    /**
     * Checks one surviving connection against the witness. Returns how many events it was
     * required to have, so the test can tell it checked something.
     */
    private int assertReceivedExactlyWhatWasOwed(Tracked t, Witness order) {
        // Spans in which the connection must, or may, have been a member; by room, and for broadcasts.
        Map<String, List<Span>> must = new HashMap<>();
        Map<String, List<Span>> may = new HashMap<>();
        Map<String, Integer> mustStart = new HashMap<>();
        Map<String, Integer> mayStart = new HashMap<>();
        List<String[]> markers = order.markers.getOrDefault(t.key, List.of());
        if (markers.isEmpty()) { // stable: a member of its rooms before anything was published
            for (String room : concat(t.rooms.toArray(String[]::new), BROADCAST)) {
                must.put(room, List.of(new Span(-1, Integer.MAX_VALUE)));
                may.put(room, List.of(new Span(-1, Integer.MAX_VALUE)));
            }
        } else {
            assertThat(markers)
                    .as("%s's markers all reached the witness", t.key)
                    .hasSize(t.markers);
        }
        for (String[] m : markers) {
            String kind = m[0];
            String room = m[1];
            int at = Integer.parseInt(m[2]);
            switch (kind) {
                case "before-open" -> mayStart.put(BROADCAST, at);
                case "after-open" -> mustStart.put(BROADCAST, at);
                case "before-join" -> mayStart.put(room, at);
                case "after-join" -> mustStart.put(room, at);
                case "before-leave" ->
                    must.computeIfAbsent(room, k -> new ArrayList<>()).add(new Span(mustStart.remove(room), at));
                case "after-leave" ->
                    may.computeIfAbsent(room, k -> new ArrayList<>()).add(new Span(mayStart.remove(room), at));
                default -> throw new AssertionError(kind);
            }
            if (kind.equals("after-open")) {
                // The rooms it opened with were joined with the registration itself.
                for (String r : t.openedWith) {
                    mayStart.put(r, mayStart.get(BROADCAST));
                    mustStart.put(r, at);
                }
            }
        }
        // Still a member at the end: of the rooms it has, and of the broadcast.
        mustStart.forEach((room, from) ->
                must.computeIfAbsent(room, k -> new ArrayList<>()).add(new Span(from, Integer.MAX_VALUE)));
        mayStart.forEach((room, from) ->
                may.computeIfAbsent(room, k -> new ArrayList<>()).add(new Span(from, Integer.MAX_VALUE)));

        List<String> received = new ArrayList<>();
        List<Integer> directs = new ArrayList<>();
        for (Message m : t.transport.messages()) {
            String[] f = m.data().split(":");
            if (f[0].equals("d")) {
                assertThat(f[1]).as("%s got another's direct message", t.key).isEqualTo(t.key);
                directs.add(Integer.parseInt(f[2]));
            } else {
                assertThat(f[0]).as("%s got %s", t.key, m.data()).isEqualTo("p");
                received.add(m.data());
            }
        }
        assertThat(directs)
                .as("%s's direct messages, once each, in order", t.key)
                .containsExactlyElementsOf(IntStream.range(0, t.directs).boxed().toList());

        List<String> expectedMust = new ArrayList<>();
        Set<String> allowed = new HashSet<>();
        for (String event : order.events) {
            String[] f = event.split(":");
            String target = targets[Integer.parseInt(f[1])][Integer.parseInt(f[2])];
            int at = order.position.get(event);
            if (may.getOrDefault(target, List.of()).stream().anyMatch(s -> s.contains(at))) {
                allowed.add(event);
            }
            if (must.getOrDefault(target, List.of()).stream().anyMatch(s -> s.contains(at))) {
                expectedMust.add(event);
            }
        }
        // Plain loops that collect problems: an assertion per event would be slow.
        List<String> problems = new ArrayList<>();
        int last = -1;
        for (String event : received) {
            if (!allowed.contains(event)) {
                problems.add("received " + event + " while not a member");
            }
            int at = order.position.get(event);
            if (at <= last) {
                problems.add("received " + event + " twice or out of publish order");
            }
            last = at;
        }
        Set<String> got = new HashSet<>(received);
        for (String event : expectedMust) {
            if (!got.contains(event)) {
                problems.add("missed " + event + ", published while a member");
            }
        }
        assertThat(problems).as("%s", t.key).isEmpty();
        return expectedMust.size();
    }

    private void assertBooksBalance(List<Tracked> all, List<Tracked> survivors) {
        Set<String> expectedRooms = new HashSet<>();
        for (Tracked t : survivors) {
            assertThat(t.connection.isOpen()).as("%s was never closed", t.key).isTrue();
            assertThat(t.connection.rooms()).as("%s's rooms", t.key).containsExactlyInAnyOrderElementsOf(t.rooms);
            expectedRooms.addAll(t.rooms);
            for (String room : t.rooms) {
                assertThat(registry.members(room)).as("members of %s", room).contains(t.connection);
            }
        }
        for (Tracked t : all) {
            if (t.closedByUs) {
                assertThat(t.connection.rooms()).as("%s is closed", t.key).isEmpty();
                assertThat(registry.connection(t.connection.id()))
                        .as("%s is closed", t.key)
                        .isEmpty();
                assertThat(t.transport.isClosed()).isTrue();
            }
        }
        Set<String> rooms = registry.rooms();
        assertThat(rooms).containsExactlyInAnyOrderElementsOf(expectedRooms);
        for (String room : rooms) {
            assertThat(registry.members(room))
                    .as("members of %s", room)
                    .isNotEmpty()
                    .doesNotHaveDuplicates()
                    .allSatisfy(m -> {
                        assertThat(m.isOpen()).as("%s is open", m).isTrue();
                        assertThat(m.rooms())
                                .as("%s knows it is in %s", m, room)
                                .contains(room);
                    });
        }
        SseStats stats = registry.stats();
        assertThat(registry.connections())
                .containsExactlyInAnyOrderElementsOf(
                        survivors.stream().map(t -> t.connection).toList());
        assertThat(registry.stats().connections()).isEqualTo(survivors.size());
        assertThat(stats.connections()).isEqualTo(survivors.size());
        assertThat(stats.rooms()).isEqualTo(rooms.size());
        long own = all.stream()
                .mapToLong(t -> t.markers + t.directs + t.otherSends)
                .sum();
        assertThat(stats.eventsPublished()).isEqualTo((long) PUBLISHERS * EVENTS_PER_PUBLISHER + own);
        assertThat(stats.slowConsumersDisconnected()).isZero();
        assertThat(stats.framesDropped()).isZero();
    }
}
