package dev.ssekit.spi;

/**
 * What a {@link SseTransport} tells the registry about its stream.
 *
 * <p>Implemented by the registry; thread-safe. Each method returns quickly and never blocks.
 *
 * @since 1.0
 */
public interface TransportListener {

    /** The transport can take writes again after {@link SseTransport#isReady()} returned false. */
    void onWritable();

    /**
     * The stream ended from the outside: the client went away, a write failed, or the container
     * completed it. Calling this more than once is harmless.
     *
     * @param cause the failure, or {@code null} when the stream ended cleanly
     */
    void onClosed(Throwable cause);
}
