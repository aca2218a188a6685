package dev.ssekit.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline, instead of sleeping and hoping, and fails naming what it
 * waited for when the deadline passes. Stateless; any thread may call it.
 */
public final class Await {

    /** Generous, because the machines that run the tests are small and busy. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {}

    /** Waits up to {@link #TIMEOUT} for {@code condition}; fails naming {@code what} at the deadline. */
    public static void await(String what, BooleanSupplier condition) {
        await(what, TIMEOUT, condition);
    }

    /** Waits up to {@code timeout} for {@code condition}; fails naming {@code what} at the deadline. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000L); // the polling interval, not synchronization
        }
    }
}
