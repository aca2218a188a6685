package dev.ssekit.servlet;

import java.util.Map;

/**
 * The servlet suites on Jetty 12 (ee10), HTTP/1.1, with the servlet {@code ServletOutputStream}
 * rather than Jetty's core writes: the way a stream is written where the context parameter asks
 * for it, and where a web application cannot see Jetty's classes.
 */
class JettyServletStreamSseServletTest extends SseServletSuites {

    @Override
    ServerFixture newServer() {
        return new JettyFixture(false, 0, Map.of("dev.ssekit.servlet.output", "servlet"));
    }
}
