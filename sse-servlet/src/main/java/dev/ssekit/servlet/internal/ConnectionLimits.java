package dev.ssekit.servlet.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts one servlet's open streams, in total and per owner, against its limits.
 *
 * <p>Thread-safe. A slot is taken before a connection is opened and given back when it closes,
 * so concurrent connects can never overshoot a limit.
 */
public final class ConnectionLimits {

    /** Why a slot was refused. */
    public enum Refusal {
        /** The servlet has as many streams as it allows in total. */
        TOTAL,
        /** The owner has as many streams as one owner may. */
        OWNER
    }

    private final int maxTotal;
    private final int maxPerOwner;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> perOwner = new ConcurrentHashMap<>();

    /** Creates limits of {@code maxTotal} streams, and {@code maxPerOwner} for any one owner. */
    public ConnectionLimits(int maxTotal, int maxPerOwner) {
        this.maxTotal = maxTotal;
        this.maxPerOwner = maxPerOwner;
    }

    /**
     * Takes a slot for {@code owner}.
     *
     * @return {@code null} if taken, else why not; a refused call holds nothing
     */
    public Refusal acquire(String owner) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Refusal.TOTAL;
        }
        boolean[] refused = {false};
        perOwner.compute(owner, (key, count) -> {
            int n = count == null ? 0 : count;
            if (n >= maxPerOwner) {
                refused[0] = true;
                return count;
            }
            return n + 1;
        });
        if (refused[0]) {
            total.decrementAndGet();
            return Refusal.OWNER;
        }
        return null;
    }

    /** Gives back a slot taken for {@code owner}. */
    public void release(String owner) {
        perOwner.computeIfPresent(owner, (key, count) -> count <= 1 ? null : count - 1);
        total.decrementAndGet();
    }

    /** Returns the number of slots held. */
    public int total() {
        return total.get();
    }
}
