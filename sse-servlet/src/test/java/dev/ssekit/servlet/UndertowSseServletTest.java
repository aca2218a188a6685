package dev.ssekit.servlet;

/** The servlet suites on Undertow 2.3. */
class UndertowSseServletTest extends SseServletSuites {

    @Override
    ServerFixture newServer() {
        return new UndertowFixture();
    }
}
