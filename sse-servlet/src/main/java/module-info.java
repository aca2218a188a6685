/**
 * SSEKit for Jakarta Servlet 6 containers: an asynchronous, non-blocking servlet over the core
 * registry.
 */
module dev.ssekit.servlet {
    requires transitive dev.ssekit.core;
    requires transitive jakarta.servlet;
    requires com.fasterxml.jackson.databind;
    // Optional: used only where the container is Jetty 12 (ee10), found at run time.
    requires static org.eclipse.jetty.ee10.servlet;
    requires static org.eclipse.jetty.server;
    requires static org.eclipse.jetty.util;

    exports dev.ssekit.servlet;
}
