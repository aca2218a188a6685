package dev.ssekit.spi;

import java.util.Objects;

/**
 * Whether an {@link EventRelay} carries events now, and if not, why: what a health check or a
 * metric reports for it. Immutable.
 *
 * @param state up or down
 * @param reason why the relay is down, for operators; {@code null} when it is up
 * @since 1.0
 */
public record RelayHealth(State state, String reason) {

    /** The health of a relay that carries events. */
    public static final RelayHealth UP = new RelayHealth(State.UP, null);

    /** Whether a relay carries events. */
    public enum State {
        /** Publishing is taken and delivered to every server. */
        UP,
        /** Publishing fails with {@link dev.ssekit.RelayUnavailableException}; the relay keeps trying. */
        DOWN
    }

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if a relay is down without a reason, or up with one
     */
    public RelayHealth {
        Objects.requireNonNull(state, "state");
        if ((state == State.DOWN) != (reason != null)) {
            throw new IllegalArgumentException("reason must be given exactly when state is DOWN");
        }
    }

    /** Returns the health of a relay that is down for {@code reason}. */
    public static RelayHealth down(String reason) {
        return new RelayHealth(State.DOWN, Objects.requireNonNull(reason, "reason"));
    }

    /** Returns whether the state is {@link State#UP}. */
    public boolean isUp() {
        return state == State.UP;
    }
}
