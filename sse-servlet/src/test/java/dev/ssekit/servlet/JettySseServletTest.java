package dev.ssekit.servlet;

/** The servlet suites on Jetty 12 (ee10), HTTP/1.1, streams written through Jetty's core writes. */
class JettySseServletTest extends SseServletSuites {

    @Override
    ServerFixture newServer() {
        return new JettyFixture(false);
    }
}
