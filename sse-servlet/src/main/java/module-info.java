/**
 * SSEKit for Jakarta Servlet 6 containers: an asynchronous, non-blocking servlet over the core
 * registry.
 */
module dev.ssekit.servlet {
    requires transitive dev.ssekit.core;
    requires transitive jakarta.servlet;
    requires com.fasterxml.jackson.databind;

    exports dev.ssekit.servlet;
}
