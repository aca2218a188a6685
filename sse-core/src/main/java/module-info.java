/**
 * SSEKit core: the Server-Sent Events model, its encoder and the registry of connections.
 *
 * <p>This module knows nothing of HTTP or servlets; adapters implement {@link dev.ssekit.spi.SseTransport}.
 */
module dev.ssekit.core {
    requires transitive com.fasterxml.jackson.databind;

    exports dev.ssekit;
    exports dev.ssekit.spi;
}
