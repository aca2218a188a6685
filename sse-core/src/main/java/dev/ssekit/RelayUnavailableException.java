package dev.ssekit;

/**
 * Thrown by publishing when the registry's {@linkplain dev.ssekit.spi.EventRelay relay} cannot take
 * the event now, for example because its store is down or unreachable. The event reached no one;
 * publishing again later may succeed. Connections stay open meanwhile.
 *
 * <p>Immutable.
 *
 * @since 1.0
 */
public class RelayUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message saying what failed, and its cause. */
    public RelayUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
