package dev.ssekit;

import java.util.Locale;

/**
 * Why a connection received a {@code reset} event instead of the events it missed.
 *
 * @since 1.0
 */
public enum ResetReason {
    /** The last event id the client resumed from is not one this registry or its relay knows. */
    UNKNOWN,
    /** The events after the client's last event id are no longer retained. */
    EXPIRED;

    /** Returns the reason as the {@code reset} event's data names it: {@code unknown} or {@code expired}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
