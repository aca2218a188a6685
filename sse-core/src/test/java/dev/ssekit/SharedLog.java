package dev.ssekit;

import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.RelayHealth;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory shared order of events for several registries in one process: each registry gets
 * its own {@link Relay}, a real {@link EventRelay} that appends to the one log and delivers every
 * entry to every registry in log order. Ids are {@code 1-<position>}. A relay can be paused (its
 * registry falls behind, as a slow reader would), resumed (it catches up), and made to refuse.
 *
 * <p>Thread-safe: one lock orders appends and deliveries.
 */
final class SharedLog {

    private final ReentrantLock lock = new ReentrantLock();
    private final List<RelaySink.Delivery> log = new ArrayList<>(); // guarded by lock
    private final List<Relay> all = new ArrayList<>(); // guarded by lock

    final class Relay implements EventRelay {
        private RelaySink sink;
        private int delivered; // how much of the log the sink has had; guarded by lock
        private boolean paused; // guarded by lock
        private volatile boolean refusing;

        @Override
        public void start(RelaySink sink) {
            lock.lock();
            try {
                this.sink = sink;
                sink.resync(List.copyOf(log), false);
                delivered = log.size();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String publish(RelayMessage message) {
            if (refusing) {
                throw new RelayUnavailableException("the shared log refuses, on purpose", null);
            }
            lock.lock();
            try {
                String id = "1-" + (log.size() + 1);
                log.add(new RelaySink.Delivery(id, message));
                for (Relay r : all) {
                    r.catchUp();
                }
                return id;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean precedes(String first, String second) {
            int a = position(first);
            int b = position(second);
            return a > 0 && b > 0 && a < b;
        }

        @Override
        public String newestId() {
            lock.lock();
            try {
                return log.isEmpty() ? null : log.get(log.size() - 1).id();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean holds(String id) {
            int p = position(id);
            lock.lock();
            try {
                return p > 0 && p <= log.size();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                all.remove(this);
            } finally {
                lock.unlock();
            }
        }

        void pause() {
            lock.lock();
            try {
                paused = true;
            } finally {
                lock.unlock();
            }
        }

        void resume() {
            lock.lock();
            try {
                paused = false;
                catchUp();
            } finally {
                lock.unlock();
            }
        }

        /** Down, with a reason, while it refuses on purpose; up otherwise. */
        @Override
        public RelayHealth health() {
            return refusing ? RelayHealth.down("the shared log refuses, on purpose") : RelayHealth.UP;
        }

        void refuse(boolean refuse) {
            this.refusing = refuse;
        }

        /**
         * Tells the registry it lost its place: it gets the log's last {@code keep} entries, and the
         * id of the entry before them (the newest, when {@code keep} is 0), if there is one.
         */
        void resyncWithGap(int keep) {
            resyncWithGap(keep, true);
        }

        /**
         * Like {@link #resyncWithGap(int)}; without {@code sayingWhere}, as a relay that does not
         * know where it stood would: without the id of the entry before those it gives back.
         */
        void resyncWithGap(int keep, boolean sayingWhere) {
            lock.lock();
            try {
                int from = Math.max(0, log.size() - keep);
                List<RelaySink.Delivery> retained = List.copyOf(log.subList(from, log.size()));
                if (sayingWhere) {
                    sink.resync(
                            retained, true, from == 0 ? null : log.get(from - 1).id());
                } else {
                    sink.resync(retained, true);
                }
                delivered = log.size();
            } finally {
                lock.unlock();
            }
        }

        private void catchUp() {
            while (!paused && sink != null && delivered < log.size()) {
                RelaySink.Delivery d = log.get(delivered++);
                sink.deliver(d.id(), d.message());
            }
        }
    }

    /** Returns a new relay on this log, for one registry. */
    Relay join() {
        Relay r = new Relay();
        lock.lock();
        try {
            all.add(r);
        } finally {
            lock.unlock();
        }
        return r;
    }

    private static int position(String id) {
        if (id == null || !id.startsWith("1-")) {
            return -1;
        }
        try {
            return Integer.parseInt(id.substring(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
