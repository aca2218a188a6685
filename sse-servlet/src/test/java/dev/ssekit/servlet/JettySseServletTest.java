package dev.ssekit.servlet;

/** The servlet suite on Jetty 12 (ee10), HTTP/1.1. */
class JettySseServletTest extends SseServletSuite {

    @Override
    ServerFixture newServer() {
        return new JettyFixture(false);
    }
}
