package dev.ssekit.servlet;

/** The servlet suite on Jetty with cleartext HTTP/2. */
class JettyH2cSseServletTest extends SseServletSuite {

    @Override
    ServerFixture newServer() {
        return new JettyFixture(true);
    }
}
