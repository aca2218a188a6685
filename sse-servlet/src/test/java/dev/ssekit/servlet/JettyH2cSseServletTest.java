package dev.ssekit.servlet;

/** The servlet suites on Jetty with cleartext HTTP/2. */
class JettyH2cSseServletTest extends SseServletSuites {

    @Override
    ServerFixture newServer() {
        return new JettyFixture(true);
    }
}
