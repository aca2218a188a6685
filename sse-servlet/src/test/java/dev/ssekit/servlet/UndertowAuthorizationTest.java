package dev.ssekit.servlet;

/** The authorization suite on Undertow. */
class UndertowAuthorizationTest extends SseAuthorizationSuite {

    @Override
    ServerFixture newServer() {
        return new UndertowFixture();
    }
}
