package dev.ssekit.redis;

import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.RelayHealth;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RedisRelay} whose reader a test can hold on its next delivery, as on a server whose
 * reader lags behind the stream: the relay is the real one, and everything but the sink's calls is
 * passed on unchanged. Records the ids delivered and the resyncs. Thread-safe.
 */
final class HeldRelay implements EventRelay {

    /** A resync as the relay made it; {@code saidWhere} is false for the call without {@code after}. */
    record Resync(List<RelaySink.Delivery> retained, boolean gap, String after, boolean saidWhere) {}

    final RedisRelay relay;
    final List<String> delivered = new CopyOnWriteArrayList<>();
    final List<Resync> resyncs = new CopyOnWriteArrayList<>();
    final List<String> held = new CopyOnWriteArrayList<>(); // ids the reader was held on
    private volatile CountDownLatch hold = new CountDownLatch(0);

    HeldRelay(RedisRelay relay) {
        this.relay = relay;
    }

    /** Holds the reader on its next delivery (before the registry gets it) until {@link #release}. */
    void hold() {
        hold = new CountDownLatch(1);
    }

    void release() {
        hold.countDown();
    }

    @Override
    public void start(RelaySink sink) {
        relay.start(new RelaySink() {
            @Override
            public void deliver(String id, RelayMessage message) {
                CountDownLatch h = hold;
                if (h.getCount() > 0) {
                    held.add(id);
                    try {
                        h.await(30, TimeUnit.SECONDS); // bounded: a test that forgets to release ends
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return; // the relay is closing
                    }
                }
                sink.deliver(id, message);
                delivered.add(id);
            }

            @Override
            public void resync(List<Delivery> retained, boolean gap) {
                resyncs.add(new Resync(retained, gap, null, false));
                sink.resync(retained, gap);
            }

            @Override
            public void resync(List<Delivery> retained, boolean gap, String after) {
                resyncs.add(new Resync(retained, gap, after, true));
                sink.resync(retained, gap, after);
            }
        });
    }

    @Override
    public String publish(RelayMessage message) {
        return relay.publish(message);
    }

    @Override
    public Appended publishOnce(RelayMessage message) {
        return relay.publishOnce(message);
    }

    @Override
    public boolean precedes(String first, String second) {
        return relay.precedes(first, second);
    }

    @Override
    public boolean holds(String id) {
        return relay.holds(id);
    }

    @Override
    public String newestId() {
        return relay.newestId();
    }

    @Override
    public RelayHealth health() {
        return relay.health();
    }

    @Override
    public void close() {
        release();
        relay.close();
    }
}
