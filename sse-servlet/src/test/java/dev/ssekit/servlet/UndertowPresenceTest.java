package dev.ssekit.servlet;

/** The presence suite on Undertow 2.3. */
class UndertowPresenceTest extends SsePresenceSuite {

    @Override
    ServerFixture newServer() {
        return new UndertowFixture();
    }
}
