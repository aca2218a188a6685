package dev.ssekit.spi;

import java.io.IOException;

/**
 * The output side of one event stream, implemented by an adapter such as the servlet module.
 *
 * <p>The registry drives a transport from one thread at a time: it never calls {@link #isReady()},
 * {@link #write}, {@link #flush()} or {@link #close()} concurrently for the same transport, and it
 * calls nothing after {@link #close()}. The transport, in turn, reports to the
 * {@link TransportListener} it is {@linkplain #start given} from any thread.
 *
 * <p>Writes never block: the registry calls {@link #write} and {@link #flush()} only after
 * {@link #isReady()} returned {@code true}. When {@link #isReady()} returns {@code false}, the
 * transport must call {@link TransportListener#onWritable()} once it can take more.
 *
 * @since 1.0
 */
public interface SseTransport {

    /**
     * Called once by the registry, before anything is written, with the listener this transport
     * reports writability and closure to.
     */
    void start(TransportListener listener);

    /**
     * Returns whether a write or flush can be made now without blocking. When this returns
     * {@code false}, the transport calls {@link TransportListener#onWritable()} later.
     */
    boolean isReady();

    /**
     * Writes a frame, or buffers it to be written without blocking.
     *
     * @throws IOException if the stream is broken; the registry then closes the connection
     */
    void write(SseFrame frame) throws IOException;

    /**
     * Pushes buffered bytes towards the client without blocking.
     *
     * @throws IOException if the stream is broken; the registry then closes the connection
     */
    void flush() throws IOException;

    /** Ends the stream; anything written before is still delivered if the client is there. */
    void close();
}
