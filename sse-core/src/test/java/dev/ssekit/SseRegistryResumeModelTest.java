package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Resumes from random positions against random histories, checked against a plain model of what
 * a client is owed: the recorded events after its position that it is entitled to, after a
 * {@code reset} if some of them were forgotten. Seeded: a failing seed is kept in {@link #seeds()}.
 */
class SseRegistryResumeModelTest {

    /** One recorded event as the model sees it. */
    private record Published(String id, String room, String data) {}

    static List<Long> seeds() {
        List<Long> seeds = new ArrayList<>();
        for (long s = 1; s <= 200; s++) {
            seeds.add(s);
        }
        return seeds;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void resumeGivesExactlyWhatTheClientIsOwed(long seed) {
        Random random = new Random(seed);
        int capacity = 1 + random.nextInt(20);
        try (SseRegistry registry = SseRegistry.builder()
                .drainExecutor(Runnable::run)
                .heartbeat(null)
                .writeTimeout(null)
                .history(capacity)
                .build()) {
            List<Published> published = new ArrayList<>();
            List<String> positions = new ArrayList<>(); // ids a client may hold, in order; index = events before
            RecordingTransport first = new RecordingTransport();
            Connections.open(
                    registry, first, ConnectOptions.builder("m").announce(true).build());
            positions.add(first.messages().get(0).lastEventId()); // the position before everything
            int events = random.nextInt(3 * capacity + 2);
            for (int i = 0; i < events; i++) {
                String room = random.nextBoolean() ? null : random.nextBoolean() ? "a" : "b";
                String data = Integer.toString(i);
                String id = room == null
                        ? registry.publish(SseEvent.of(data)).id()
                        : registry.publish(room, SseEvent.of(data)).id();
                published.add(new Published(id, room, data));
                positions.add(id);
            }

            for (int resume = 0; resume < 10; resume++) {
                int seen = random.nextInt(positions.size()); // how many events the client had
                Set<String> rooms = switch (random.nextInt(3)) {
                    case 0 -> Set.of();
                    case 1 -> Set.of("a");
                    default -> Set.of("a", "b");
                };
                RecordingTransport t = new RecordingTransport();
                Connections.open(
                        registry,
                        t,
                        ConnectOptions.builder("m")
                                .rooms(rooms)
                                .lastEventId(positions.get(seen))
                                .build());

                int retainedFrom = Math.max(0, published.size() - capacity);
                List<String> expected = new ArrayList<>();
                if (seen < retainedFrom) {
                    expected.add("reset");
                }
                for (int i = Math.max(seen, retainedFrom); i < published.size(); i++) {
                    Published p = published.get(i);
                    if (p.room() == null || rooms.contains(p.room())) {
                        expected.add(p.data());
                    }
                }
                assertThat(t.messages())
                        .as(
                                "seed %d, capacity %d, %d published, resuming after %d in %s",
                                seed, capacity, published.size(), seen, rooms)
                        .extracting(m -> m.type().equals(SseRegistry.RESET_EVENT) ? "reset" : m.data())
                        .containsExactlyElementsOf(expected);
                assertThat(t.messages()).extracting(Message::lastEventId).doesNotContain("");
            }
        }
    }
}
