package dev.ssekit.servlet.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts one servlet's open connections, in total and per owner, against its limits.
 *
 * <p>Thread-safe. A slot is taken before a connection is opened and given back when it closes,
 * so concurrent connects can never overshoot a limit.
 */
public final class ConnectionLimits {

    /** Why a slot was refused. */
    public enum Refusal {
        /** The servlet has as many connections as it allows in total. */
        TOTAL,
        /** The owner has as many connections as one owner may. */
        OWNER
    }

    private final int maxTotal;
    private final int maxPerOwner;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> perOwner = new ConcurrentHashMap<>();

    /** Creates limits of {@code maxTotal} connections, and {@code maxPerOwner} for any one owner. */
    public ConnectionLimits(int maxTotal, int maxPerOwner) {
        this.maxTotal = maxTotal;
        this.maxPerOwner = maxPerOwner;
    }

    /**
     * Returns whether a slot for {@code owner} would be refused now, without taking one: for
     * refusing early, before anything is created for the request. {@code owner} may be {@code
     * null} for a client that has none yet, and so no connections: then only the total counts.
     *
     * @return {@code null} if a slot is free now, else why not
     */
    public Refusal check(String owner) {
        if (total.get() >= maxTotal) {
            return Refusal.TOTAL;
        }
        if (owner != null && perOwner.getOrDefault(owner, 0) >= maxPerOwner) {
            return Refusal.OWNER;
        }
        return null;
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
