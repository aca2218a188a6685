package dev.ssekit;

/**
 * Why a connection closed; each connection closes exactly once, for one reason.
 *
 * @since 1.0
 */
public enum CloseReason {
    /** The client went away, or its transport reported the stream ended. */
    CLIENT_GONE,
    /** Writing to the client failed. */
    WRITE_FAILED,
    /** The client read too slowly: its queue overflowed under {@link SseRegistry.OverflowPolicy#DISCONNECT}. */
    SLOW_CONSUMER,
    /** A write made no progress within the registry's write timeout (for example, half-open TCP). */
    STALLED,
    /** The registry shut down. */
    SHUTDOWN,
    /** The application closed it through {@link SseConnection#close()}. */
    CLOSED_BY_APP
}
