package dev.ssekit.servlet.internal;

import jakarta.servlet.http.HttpServletResponse;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * A container's own non-blocking write of a response's bytes, where the adapter knows one that
 * costs less than the servlet {@code ServletOutputStream}: Jetty 12's core write under its ee10
 * environment ({@link JettyCoreWrites}). Other containers have none and use the servlet stream.
 *
 * <p>Implementations are thread-safe; a caller keeps at most one write in flight.
 */
interface ContainerWrites {

    /** The servlet context parameter that turns container writes off: {@code servlet}. */
    String OUTPUT_PARAMETER = "dev.ssekit.servlet.output";

    /**
     * Writes {@code content}, not the last of the response, and reports once, to the {@code done}
     * the writes were made with: {@code null} once it was written, or the failure. The report may
     * come on this thread before the call returns.
     */
    void write(ByteBuffer content);

    /**
     * Returns the container's writes for {@code response}, reporting to {@code done}, or {@code null}
     * if the container has none the adapter knows.
     */
    static ContainerWrites of(HttpServletResponse response, Consumer<Throwable> done) {
        if (!Jetty.usable) {
            return null;
        }
        try {
            return JettyCoreWrites.of(response, done);
        } catch (LinkageError e) {
            Jetty.usable = false; // a Jetty without the methods this was built against: the servlet stream
            return null;
        }
    }

    /** Whether Jetty's ee10 classes can be loaded from here and link; checked once. */
    final class Jetty {
        // Racy on purpose: a second thread that still sees true fails to link and falls back too.
        static volatile boolean usable = present();

        private Jetty() {}

        private static boolean present() {
            try {
                Class.forName(
                        "org.eclipse.jetty.ee10.servlet.ServletContextResponse",
                        false,
                        ContainerWrites.class.getClassLoader());
                Class.forName("org.eclipse.jetty.util.Callback", false, ContainerWrites.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }
    }
}
