package dev.ssekit.internal;

/** Which limits a frame offered to a connection's {@link FrameQueue} answers to. */
enum FrameKind {

    /** A published event: counts against the live limits, and the overflow policy applies. */
    LIVE,

    /**
     * A frame that brings the client up to date: {@code retry}, {@code connected}, {@code reset}
     * and replayed history, on open or after a relay's resync. Never counts against the live limits
     * and is never dropped; bounded by {@link QueueLimits#replayBytes()}.
     */
    REPLAY,

    /**
     * A frame the registry itself adds: a heartbeat (only ever to an empty queue) or a shutdown's
     * final event (the one frame a sealed queue still takes). Counts against no limit.
     */
    CONTROL
}
