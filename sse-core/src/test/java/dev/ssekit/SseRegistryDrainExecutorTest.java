package dev.ssekit;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry.OverflowPolicy;
import dev.ssekit.spi.ConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Where and when queued frames are written: the registry's drain executor. */
class SseRegistryDrainExecutorTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry;

    /** An executor that only collects tasks, so a test decides when drains run. */
    private static final class HeldExecutor implements Executor {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            for (Runnable task; (task = tasks.poll()) != null; ) {
                task.run();
            }
        }
    }

    private SseRegistry.Builder builder() {
        return fixture.builder();
    }

    private SseConnection open(RecordingTransport transport) {
        return fixture.open(registry, transport, ConnectOptions.of("owner"));
    }

    @Test
    void publishReturnsBeforeWritingAndOneDrainWritesEverythingQueuedWithOneFlush() {
        HeldExecutor drains = new HeldExecutor();
        registry = fixture.build(builder().drainExecutor(drains));
        RecordingTransport transport = new RecordingTransport();
        SseConnection c = open(transport);

        for (int i = 1; i <= 5; i++) {
            assertThat(registry.publish(SseEvent.of(Integer.toString(i))).queued())
                    .isEqualTo(1);
        }
        assertThat(transport.frames()).as("nothing written by the publisher").isEmpty();
        assertThat(c.queuedFrames()).isEqualTo(5);

        drains.runAll();

        assertThat(transport.data()).containsExactly("1", "2", "3", "4", "5");
        assertThat(transport.flushes()).as("five frames, one flush").isEqualTo(1);
        assertThat(registry.stats().framesWritten()).isEqualTo(5);
    }

    @Test
    void defaultDrainThreadWritesAndStopsWhenTheRegistryCloses() {
        registry = fixture.build(builder());
        RecordingTransport transport = new RecordingTransport();
        AtomicReference<Thread> writer = new AtomicReference<>();
        transport.onWrite(frame -> writer.set(Thread.currentThread()));
        open(transport);

        registry.publish(SseEvent.of("hello"));

        await("the event written", () -> transport.data().equals(List.of("hello")));
        Thread drainer = writer.get();
        assertThat(drainer).isNotSameAs(Thread.currentThread());
        assertThat(drainer.getName()).isEqualTo("ssekit-drain");
        assertThat(drainer.isDaemon()).isTrue();

        registry.close();

        await("the drain thread stopped", () -> !drainer.isAlive());
        assertThat(transport.isClosed()).isTrue();
    }

    @Test
    void connectionClosedBeforeItsDrainRunsIsNeverWrittenAgain() {
        HeldExecutor drains = new HeldExecutor();
        registry = fixture.build(builder().drainExecutor(drains));
        RecordingTransport transport = new RecordingTransport();
        SseConnection c = open(transport);
        registry.publish(SseEvent.of("late"));

        c.close();
        drains.runAll();

        assertThat(transport.frames()).isEmpty();
        assertThat(transport.isClosed()).isTrue();
    }

    @Test
    void drainRejectedByTheExecutorRunsOnThePublishingThread() {
        registry = builder()
                .drainExecutor(task -> {
                    throw new RejectedExecutionException("shutting down");
                })
                .build();
        RecordingTransport transport = new RecordingTransport();
        SseConnection c = open(transport);

        registry.publish(SseEvent.of("a"));
        c.send(SseEvent.of("b"));

        assertThat(transport.data()).containsExactly("a", "b");
    }

    @Test
    void broadcastToThousandsIsAFewDrainTasksNotOnePerRecipient() {
        HeldExecutor drains = new HeldExecutor();
        registry = fixture.build(builder().drainExecutor(drains));
        List<RecordingTransport> many = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            RecordingTransport t = new RecordingTransport();
            many.add(t);
            open(t);
        }

        registry.publish(SseEvent.of("x"));

        assertThat(drains.tasks).hasSizeBetween(1, 10);
        drains.runAll();
        assertThat(many).allSatisfy(t -> assertThat(t.data()).containsExactly("x"));
    }

    @Test
    void burstFasterThanTheDrainThreadDisconnectsNobodyWhoKeepsUp() {
        // A drain executor that has fallen behind makes publishers drain, as they did before there
        // was one: a healthy client must never look like a slow consumer because of our own thread.
        HeldExecutor stuck = new HeldExecutor();
        registry =
                fixture.build(builder().drainExecutor(stuck).queueCapacity(64).overflow(OverflowPolicy.DISCONNECT));
        List<SseConnection> connections = new ArrayList<>();
        List<RecordingTransport> ready = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RecordingTransport t = new RecordingTransport();
            ready.add(t);
            connections.add(open(t));
        }

        for (int i = 0; i < 1_000; i++) {
            registry.publish(SseEvent.of(Integer.toString(i)));
        }
        stuck.runAll();

        assertThat(connections).allSatisfy(c -> assertThat(c.isOpen()).isTrue());
        assertThat(registry.stats().slowConsumersDisconnected()).isZero();
        assertThat(ready).allSatisfy(t -> assertThat(t.data()).hasSize(1_000));
    }

    @Test
    void drainsOnSeveralThreadsKeepEachConnectionsOrderAndNeverOverlap() throws Exception {
        ExecutorService pool = fixture.closeAfter(Executors.newFixedThreadPool(4), ExecutorService::shutdownNow);
        registry = fixture.build(builder().drainExecutor(pool).queueCapacity(10_000));
        List<RecordingTransport> streams = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            RecordingTransport t = new RecordingTransport();
            streams.add(t);
            open(t);
        }
        int perPublisher = 500;
        ExecutorService publishers = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                done.add(publishers.submit(() -> {
                    start.await();
                    for (int i = 0; i < perPublisher; i++) {
                        registry.publish(SseEvent.of(name + i));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            publishers.shutdownNow();
        }

        for (RecordingTransport t : streams) {
            await("every event written", () -> t.data().size() == 2 * perPublisher);
            List<String> data = t.data();
            for (String name : List.of("a", "b")) {
                assertThat(data.stream().filter(d -> d.startsWith(name)).toList())
                        .as("publisher %s's events in publish order", name)
                        .containsExactlyElementsOf(IntStream.range(0, perPublisher)
                                .mapToObj(i -> name + i)
                                .toList());
            }
        }
        assertThat(registry.stats().framesWritten()).isEqualTo(50L * 2 * perPublisher);
    }
}
