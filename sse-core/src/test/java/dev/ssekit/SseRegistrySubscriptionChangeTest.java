package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SseRegistry#changeSubscriptions} and {@link Connections#checkSubscriptions}: all or nothing. */
class SseRegistrySubscriptionChangeTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry = registry(64, 64);
    private final RecordingTransport transport = fixture.track(new RecordingTransport());

    private SseRegistry registry(int maxRooms, int maxTypes) {
        return fixture.build(fixture.builder()
                .drainExecutor(Runnable::run)
                .maxRoomsPerConnection(maxRooms)
                .maxEventTypesPerConnection(maxTypes));
    }

    @Test
    void leavesThenJoinsAndReplacesEventTypesInOneStep() {
        SseConnection c = Connections.open(
                registry,
                transport,
                ConnectOptions.builder("o").rooms("a", "b").eventTypes("x").build());

        boolean changed = registry.changeSubscriptions(c.id(), List.of("c", "b"), List.of("a", "b"), List.of("y"));

        assertThat(changed).isTrue();
        assertThat(c.rooms()).containsExactlyInAnyOrder("b", "c");
        assertThat(c.eventTypes()).containsExactly("y");
        assertThat(registry.rooms()).containsExactlyInAnyOrder("b", "c");
        assertThat(registry.members("a")).isEmpty();
        assertThat(registry.members("c")).containsExactly(c);

        registry.changeSubscriptions(c.id(), null, List.of("b"), null); // event types unchanged
        assertThat(c.eventTypes()).containsExactly("y");
        registry.changeSubscriptions(c.id(), null, null, List.of()); // all types again
        assertThat(c.eventTypes()).isEmpty();
        assertThat(c.rooms()).containsExactly("c");
    }

    @Test
    void aChangeOverALimitChangesNothing() {
        registry.close();
        registry = registry(2, 1);
        SseConnection c = Connections.open(
                registry,
                transport,
                ConnectOptions.builder("o").rooms("a").eventTypes("x").build());

        assertThatThrownBy(
                        () -> registry.changeSubscriptions(c.id(), List.of("b", "c", "d"), List.of("a"), List.of("y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rooms: a connection may join at most 2, was 3");
        assertThatThrownBy(() -> registry.changeSubscriptions(c.id(), List.of("b"), List.of("a"), List.of("y", "z")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event types: a connection may choose at most 1, was 2");
        assertThatThrownBy(() -> registry.changeSubscriptions(c.id(), List.of("b", ""), List.of("a"), List.of("y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("room must not be empty");

        assertThat(c.rooms()).containsExactly("a");
        assertThat(c.eventTypes()).containsExactly("x");
        assertThat(registry.rooms()).containsExactly("a");
        // Leaving a room first makes room for another: the limit applies to the result.
        assertThat(registry.changeSubscriptions(c.id(), List.of("b", "c"), List.of("a"), null))
                .isTrue();
        assertThat(c.rooms()).containsExactly("b", "c");
    }

    @Test
    void anUnknownOrClosedConnectionIsNotChanged() {
        SseConnection c = Connections.open(registry, transport, ConnectOptions.of("o"));
        c.close();

        assertThat(registry.changeSubscriptions(c.id(), List.of("a"), null, null))
                .isFalse();
        assertThat(registry.changeSubscriptions(UUID.randomUUID(), List.of("a"), null, null))
                .isFalse();
        assertThat(registry.rooms()).isEmpty();
    }

    @Test
    void checkSubscriptionsAppliesTheNameRulesAndCountsDistinctNames() {
        registry.close();
        registry = registry(2, 1);

        Connections.checkSubscriptions(registry, List.of("a", "b", "a", "b"), List.of("x", "x"));
        Connections.checkSubscriptions(registry, null, null);
        assertThatThrownBy(() -> Connections.checkSubscriptions(registry, List.of("a", "b", "c"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rooms: a connection may join at most 2, was 3");
        assertThatThrownBy(() -> Connections.checkSubscriptions(registry, null, List.of("x", "y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event types: a connection may choose at most 1, was 2");
        assertThatThrownBy(() -> Connections.checkSubscriptions(registry, List.of("r".repeat(129)), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("room must be at most 128");
        assertThatThrownBy(() -> Connections.checkSubscriptions(registry, null, List.of("a\nb")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("event type must not contain control");
    }

    /**
     * The connection flips between rooms {a} with type x and rooms {b} with type y while events of
     * every room and type combination are published. Applied step by step, the change would let
     * through a/y or b/x for a moment; applied at once, never.
     */
    @Test
    void aPublishSeesTheConnectionBeforeOrAfterTheWholeChange() throws Exception {
        SseConnection c = Connections.open(
                registry,
                transport,
                ConnectOptions.builder("o").rooms("a").eventTypes("x").build());
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> changer = pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(42);
                for (int i = 0; i < 3_000; i++) {
                    boolean toB = c.rooms().contains("a");
                    registry.changeSubscriptions(
                            c.id(), List.of(toB ? "b" : "a"), List.of(toB ? "a" : "b"), List.of(toB ? "y" : "x"));
                    if (random.nextInt(64) == 0) {
                        Thread.yield();
                    }
                }
                done.set(true);
            });
            Future<?> publisher = pool.submit(() -> {
                for (int i = 0; i < 100_000 && !done.get(); i++) {
                    registry.publish("a", SseEvent.of("x", "ok"));
                    registry.publish("a", SseEvent.of("y", "a/y"));
                    registry.publish("b", SseEvent.of("x", "b/x"));
                    registry.publish("b", SseEvent.of("y", "ok"));
                }
            });
            changer.get(60, TimeUnit.SECONDS);
            publisher.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        List<String> data = transport.messages().stream().map(Message::data).toList();
        assertThat(data).isNotEmpty().allMatch("ok"::equals);
        assertThat(Set.copyOf(c.rooms())).hasSize(1);
    }
}
