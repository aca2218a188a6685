package dev.ssekit;

/**
 * What a connection does when a frame arrives and its outbound queue is full.
 *
 * <p>A queue is full when it holds its limit of frames or of bytes. Either way the event is counted
 * in {@link SseStats}.
 *
 * @since 1.0
 */
public enum OverflowPolicy {

    /**
     * Drop the oldest queued frames until the new one fits. The client misses those events without
     * being told, so use this for streams where only the latest state matters (tickers, stats).
     * Counted in {@link SseStats#framesDropped()}.
     */
    DROP_OLDEST,

    /**
     * Close the connection with {@link CloseReason#SLOW_CONSUMER}. The browser reconnects with its
     * last event id and, when history is on, gets what it missed. Counted in
     * {@link SseStats#slowConsumersDisconnected()}.
     */
    DISCONNECT
}
