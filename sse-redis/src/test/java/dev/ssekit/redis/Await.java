package dev.ssekit.redis;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, failing with a clear message when it passes. */
final class Await {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {}

    static void await(String what, BooleanSupplier condition) {
        await(what, TIMEOUT, condition);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(5_000_000L); // polling interval, not synchronization
        }
    }
}
