package dev.ssekit.internal;

import dev.ssekit.CloseReason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The close-once protocol of a connection and its close callbacks: one reason is ever claimed, and
 * every callback runs exactly once with it, whether it was registered before the close or after.
 *
 * <p>Thread-safe and lock-free. Claiming the reason ({@link #claim}) and running the callbacks
 * ({@link #runCallbacks}) are separate steps: a connection is condemned (claimed) under the
 * registry's locks, and its callbacks run later, outside them, on the thread that finishes the close.
 * A superclass of {@link DefaultSseConnection} rather than an object of its own: a registry may hold
 * a hundred thousand idle connections, and each extra object costs them all.
 */
abstract class CloseOnce {

    private static final System.Logger LOG = System.getLogger(CloseOnce.class.getName());
    private static final Object[] NO_CALLBACKS = new Object[0];
    private static final VarHandle REASON;
    private static final VarHandle CALLBACKS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REASON = lookup.findVarHandle(CloseOnce.class, "reason", CloseReason.class);
            CALLBACKS = lookup.findVarHandle(CloseOnce.class, "callbacks", Object[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile CloseReason reason; // through REASON
    // The callbacks not yet run, copied on write; an element runs exactly once, by whoever removes
    // it: runCallbacks, or onClose when it finds the reason already claimed.
    private volatile Object[] callbacks = NO_CALLBACKS; // through CALLBACKS
    private volatile boolean callbacksRun;

    /** The connection's id, for the log. */
    public abstract UUID id();

    /** Returns why the connection closed, or {@code null} while it is open. */
    public final CloseReason closeReason() {
        return reason;
    }

    /** Returns whether no close has been claimed. */
    public final boolean isOpen() {
        return reason == null;
    }

    /**
     * Claims the one close for {@code reason}.
     *
     * @return whether this call claimed it; {@code false} if another reason was claimed first
     */
    final boolean claim(CloseReason reason) {
        return REASON.compareAndSet(this, null, reason);
    }

    /** Registers {@code callback}; runs it at once, on this thread, if the close has finished. */
    public final void onClose(Consumer<CloseReason> callback) {
        Objects.requireNonNull(callback, "callback");
        for (; ; ) {
            Object[] current = callbacks;
            Object[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = callback;
            if (CALLBACKS.compareAndSet(this, current, next)) {
                break;
            }
        }
        // Added before looking: runCallbacks either took it, or left it to us.
        if (callbacksRun && removeCallback(callback)) {
            runCallback(callback, reason);
        }
    }

    /**
     * Runs every registered callback once with the claimed reason, on this thread. Called once, by
     * the thread that finishes the close, outside every lock.
     */
    final void runCallbacks() {
        callbacksRun = true;
        CloseReason r = reason;
        Object[] claimed = (Object[]) CALLBACKS.getAndSet(this, NO_CALLBACKS);
        for (Object callback : claimed) {
            runCallback(callback, r);
        }
    }

    /** Removes one occurrence of {@code callback}; whoever removes it runs it. */
    private boolean removeCallback(Object callback) {
        for (; ; ) {
            Object[] current = callbacks;
            int i = 0;
            while (i < current.length && current[i] != callback) {
                i++;
            }
            if (i == current.length) {
                return false;
            }
            Object[] next = current.length == 1 ? NO_CALLBACKS : new Object[current.length - 1];
            System.arraycopy(current, 0, next, 0, i);
            System.arraycopy(current, i + 1, next, i, current.length - i - 1);
            if (CALLBACKS.compareAndSet(this, current, next)) {
                return true;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void runCallback(Object callback, CloseReason r) {
        try {
            ((Consumer<CloseReason>) callback).accept(r);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "onClose callback failed for connection " + id(), e);
        }
    }
}
