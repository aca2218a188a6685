package dev.ssekit;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, instead of sleeping and hoping. */
final class Await {

    /** Generous, because the machines that run the tests are small and busy. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {}

    /** Waits up to {@link #TIMEOUT} for {@code condition}; fails naming {@code what} at the deadline. */
    static void await(String what, BooleanSupplier condition) {
        await(what, TIMEOUT, condition);
    }

    /** Waits up to {@code timeout} for {@code condition}; fails naming {@code what} at the deadline. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
