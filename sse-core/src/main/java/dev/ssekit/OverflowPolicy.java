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
     * Drop the oldest queued live frames until the new one fits. The client misses those events
     * without being told, so use this for streams where only the latest state matters (tickers,
     * stats). What brings a client up to date ({@code retry}, {@code connected}, {@code reset}, a
     * replay) never counted against the limits and is never dropped. Counted in
     * {@link SseStats#framesDropped()}.
     */
    DROP_OLDEST,

    /**
     * Close the connection with {@link CloseReason#SLOW_CONSUMER}. From the refused frame on, nothing
     * more is queued or written to it, so the browser reconnects with the id of the last event
     * before the refused one and, when history is on, gets everything it missed. Counted in
     * {@link SseStats#slowConsumersDisconnected()}.
     */
    DISCONNECT
}
