package dev.ssekit;

/**
 * What the model test of the core checks on every schedule. Each names one promise the core makes
 * to a client that keeps reconnecting with the last event id it actually saw.
 */
enum ModelInvariant {

    /**
     * A recorded event the client is entitled to never reached it, and no {@code reset} told it so:
     * a silent loss. Entitled: a broadcast, or an event of a room the client stayed in, published
     * after its first connection opened (or, after a {@code reset}, after the reset's position).
     */
    MISSING,

    /**
     * A recorded event arrived twice, out of the order it was published in, or from before where the
     * client stood (its first connection, or its last {@code reset}), with no {@code reset} between.
     */
    ORDER,

    /**
     * An event arrived where it had no business: an event of a room the client was never in, or an
     * unrecorded event or direct message meant for other connections.
     */
    UNENTITLED,

    /** An unrecorded event or a direct message arrived at one client twice: these are at most once. */
    DUPLICATE_LIVE,

    /** A recorded event was dispatched with a last event id other than the id it was published with. */
    ID,

    /**
     * A connection's stream did not start as asked: the {@code retry} field and the {@code connected}
     * event first, a resuming client's {@code reset} right after them; or a {@code reset} came that
     * nothing asked for.
     */
    PRELUDE,

    /**
     * A resuming client was told {@code reset} although it already had events after the reset's
     * position, which it then receives again: everything it lacked was still retained.
     */
    NEEDLESS_RESET,

    /** The registry broke the transport contract: a frame after close, a write without readiness, overlapping calls. */
    TRANSPORT,

    /** The registry's counters disagree with what the transports and the model saw. */
    COUNTS,

    /** The core threw where the model expected it not to. */
    CRASH
}
