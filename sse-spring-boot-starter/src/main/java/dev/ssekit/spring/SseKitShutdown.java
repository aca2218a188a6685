package dev.ssekit.spring;

import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import java.time.Duration;
import java.util.Objects;
import org.springframework.context.SmartLifecycle;

/**
 * Ends every connection when the application context stops, before the web server's graceful
 * shutdown begins: each connection receives a final {@value #FINAL_EVENT} event whose {@code retry}
 * is a random delay between {@code ssekit.shutdown.retry} and twice that, its queue is written out
 * within {@code ssekit.shutdown.grace}, and it is closed. Without this, open streams would hold the
 * graceful shutdown for its whole timeout; with it, clients reconnect, spread over time, to another
 * server.
 *
 * <p>Thread-safe; Spring calls it from the thread that closes the context.
 *
 * @since 1.0
 */
public final class SseKitShutdown implements SmartLifecycle {

    /** The type of the event every connection receives last. */
    public static final String FINAL_EVENT = "shutdown";

    /**
     * Stops in the first phase of a context's shutdown, ahead of the web server's graceful shutdown
     * ({@code SmartLifecycle.DEFAULT_PHASE - 1024}) and the web server itself.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE;

    private final SseRegistry registry;
    private final Duration retry;
    private final Duration grace;
    private volatile boolean running;

    /**
     * Creates the lifecycle.
     *
     * @param registry the registry whose connections to end
     * @param retry the shortest reconnection delay the final event tells
     * @param grace how long connections may take to write their final event
     */
    public SseKitShutdown(SseRegistry registry, Duration retry, Duration grace) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.grace = Objects.requireNonNull(grace, "grace");
    }

    @Override
    public void start() {
        running = true;
    }

    /** Sends every connection its final event and shuts the registry down; returns once every connection is closed. */
    @Override
    public void stop() {
        running = false;
        if (registry.isClosed()) {
            return;
        }
        // The registry sends it to every connection, whatever event types it chose, each with its
        // own retry between this one and twice it.
        registry.shutdown(
                SseEvent.builder().type(FINAL_EVENT).data("{}").retry(retry).build(), grace);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Returns false: pausing a context (as for a checkpoint) leaves connections open, since the
     * registry cannot be started again once it has shut down. Not annotated {@code @Override}, so
     * that the class also loads with Spring Framework 6, which has no such method.
     */
    public boolean isPauseable() {
        return false;
    }
}
