package dev.ssekit.servlet.internal;

import jakarta.servlet.http.HttpServletResponse;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletApiResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextResponse;
import org.eclipse.jetty.util.Callback;

/**
 * Writes a stream's bytes through Jetty 12's core {@code Response.write(boolean, ByteBuffer,
 * Callback)}, under a servlet on Jetty's ee10 environment, instead of through the servlet
 * {@code ServletOutputStream}.
 *
 * <p>The servlet stream's non-blocking flush costs a callback object, a lock and a state machine
 * per flush on top of the core write it ends in; one frame per flush is the common case of a
 * fan-out, so that cost is paid once per delivery. The core write is the same call the servlet
 * stream makes, minus that layer. Only {@link ContainerWrites#of} loads this class, and only once
 * it found Jetty's ee10 classes, so the adapter still runs on containers without them.
 *
 * <p>Thread-safe as far as this class goes: it holds no state but its target. The caller keeps at
 * most one write in flight, as Jetty requires. Its completion is a blocking callback to Jetty, so
 * one that comes later than the write (the socket was full) runs on a thread of Jetty's pool.
 */
final class JettyCoreWrites implements ContainerWrites, Callback {

    private final ServletContextResponse response;
    private final Consumer<Throwable> done;

    private JettyCoreWrites(ServletContextResponse response, Consumer<Throwable> done) {
        this.response = response;
        this.done = done;
    }

    /**
     * Returns writes for {@code response}, or {@code null} unless it is Jetty's own ee10 response.
     * A response an application's filter wrapped is left to the servlet stream: the wrapper may
     * change what is written, and a core write would go around it.
     */
    static ContainerWrites of(HttpServletResponse response, Consumer<Throwable> done) {
        if (!(response instanceof ServletApiResponse)) {
            return null;
        }
        try {
            ServletContextResponse core = ServletContextResponse.getServletContextResponse(response);
            return core == null ? null : new JettyCoreWrites(core, done);
        } catch (IllegalStateException e) {
            return null; // not attached to a Jetty context response after all
        }
    }

    @Override
    public void write(ByteBuffer content) {
        response.write(false, content, this);
    }

    @Override
    public void succeeded() {
        done.accept(null);
    }

    @Override
    public void failed(Throwable failure) {
        done.accept(failure);
    }
}
