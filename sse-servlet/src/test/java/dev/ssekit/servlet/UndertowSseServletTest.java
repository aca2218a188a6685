package dev.ssekit.servlet;

/** The servlet suite on Undertow 2.3. */
class UndertowSseServletTest extends SseServletSuite {

    @Override
    ServerFixture newServer() {
        return new UndertowFixture();
    }
}
