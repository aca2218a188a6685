package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.testing.Await;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Close callbacks are the application's code: they never run on a thread that is publishing, or on
 * the relay's reader, whose every delivery would wait for them. Closes caused there (a write that
 * fails while a publish drains, a slow consumer) run their callbacks on the registry's scheduler.
 */
class CloseCallbackThreadTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry;

    /**
     * A relay with a reader thread of its own, as a real one has: publishing appends to a queue,
     * and the reader delivers the queue to the sink in order. Ids are {@code 1-<n>}.
     */
    static final class ThreadedRelay implements EventRelay {
        static final String READER = "test-relay-reader";
        private final LinkedBlockingQueue<RelaySink.Delivery> queue = new LinkedBlockingQueue<>();
        private final AtomicLong ids = new AtomicLong();
        private Thread reader;

        @Override
        public void start(RelaySink sink) {
            sink.resync(List.of(), false);
            reader = new Thread(
                    () -> {
                        try {
                            for (; ; ) {
                                RelaySink.Delivery d = queue.take();
                                sink.deliver(d.id(), d.message());
                            }
                        } catch (InterruptedException e) {
                            // closed
                        }
                    },
                    READER);
            reader.setDaemon(true);
            reader.start();
        }

        @Override
        public String publish(RelayMessage message) {
            String id = "1-" + ids.incrementAndGet();
            queue.add(new RelaySink.Delivery(id, message));
            return id;
        }

        @Override
        public boolean precedes(String first, String second) {
            return false;
        }

        @Override
        public boolean holds(String id) {
            return false;
        }

        @Override
        public void close() {
            reader.interrupt();
        }
    }

    @Test
    void callbackOfAConnectionClosedWhileTheRelayDeliversRunsOffTheReaderAndMayPublish() {
        registry = fixture.build(fixture.builder()
                .history(100)
                .drainExecutor(Runnable::run) // writes on the delivering thread: the reader
                .relay(new ThreadedRelay()));
        RecordingTransport broken = new RecordingTransport();
        broken.failWrites(new IOException("connection reset"));
        SseConnection doomed = fixture.open(registry, broken, ConnectOptions.of("a"));
        RecordingTransport watcher = new RecordingTransport();
        fixture.open(registry, watcher, ConnectOptions.of("b"));
        List<String> threads = new CopyOnWriteArrayList<>();
        List<PublishResult> published = new CopyOnWriteArrayList<>();
        doomed.onClose(reason -> {
            threads.add(Thread.currentThread().getName());
            published.add(registry.publish(SseEvent.of("left", "a")));
        });

        registry.publish(SseEvent.of("1"));

        // The watcher may read the event before the callback's publish has returned its result.
        Await.await(
                "the callback's event and its publish's result",
                () -> watcher.data().contains("a") && !published.isEmpty());
        assertThat(threads).hasSize(1).first().isNotEqualTo(ThreadedRelay.READER);
        assertThat(published)
                .as("its publish came back through the free reader")
                .extracting(PublishResult::queued)
                .containsExactly(1);
        assertThat(watcher.data()).containsExactly("1", "a");
    }

    @Test
    void callbackOfAConnectionClosedWhileAPublishDrainsRunsOffThePublisher() {
        registry = fixture.build(fixture.builder().drainExecutor(Runnable::run)); // writes on the publishing thread
        RecordingTransport broken = new RecordingTransport();
        broken.failWrites(new IOException("connection reset"));
        SseConnection doomed = fixture.open(registry, broken, ConnectOptions.of("a"));
        List<Thread> threads = new CopyOnWriteArrayList<>();
        doomed.onClose(reason -> threads.add(Thread.currentThread()));

        registry.publish(SseEvent.of("1"));

        assertThat(doomed.closeReason()).isEqualTo(CloseReason.WRITE_FAILED);
        Await.await("the callback", () -> threads.size() == 1);
        assertThat(threads.get(0)).isNotSameAs(Thread.currentThread());
    }

    @Test
    void callbackOfAConnectionTheApplicationClosesRunsBeforeCloseReturns() {
        registry = fixture.build(fixture.builder());
        SseConnection c = fixture.open(registry, ConnectOptions.of("a"));
        List<Thread> threads = new CopyOnWriteArrayList<>();
        c.onClose(reason -> threads.add(Thread.currentThread()));

        c.close();

        assertThat(threads).containsExactly(Thread.currentThread());
    }
}
