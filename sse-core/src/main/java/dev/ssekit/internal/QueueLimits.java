package dev.ssekit.internal;

import dev.ssekit.SseRegistry.OverflowPolicy;

/**
 * The bounds of every connection's {@link FrameQueue}. Immutable.
 *
 * @param frames live frames a queue holds before it is full
 * @param bytes bytes of live frames a queue holds before it is full; one frame always fits
 * @param replayBytes bytes of replayed frames a queue may hold before its connection is closed as a
 *     slow consumer; one frame always fits
 * @param overflow what a full queue does with a live frame
 */
record QueueLimits(int frames, long bytes, long replayBytes, OverflowPolicy overflow) {

    /**
     * Room beyond the history for the connection-level frames ({@code retry}, {@code connected},
     * {@code reset}) whatever the live limit, so that no replay a connection opens with is refused.
     */
    static final long CONNECTION_FRAMES_ALLOWANCE = 64 * 1024;

    /**
     * Returns the limits for queues of {@code frames} and {@code bytes} live frames, with history
     * of at most {@code historyBytes} (0 when off). A replay holds at most what the history holds,
     * so the replay a connection opens with always fits; what a reader that takes nothing can pin is
     * one history's worth and the allowance, however many resyncs queue replays behind it.
     */
    static QueueLimits of(int frames, long bytes, long historyBytes, OverflowPolicy overflow) {
        return new QueueLimits(frames, bytes, historyBytes + Math.max(bytes, CONNECTION_FRAMES_ALLOWANCE), overflow);
    }
}
