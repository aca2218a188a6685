package dev.ssekit.servlet;

/** The presence suite on Jetty 12 (ee10), HTTP/1.1. */
class JettyPresenceTest extends SsePresenceSuite {

    @Override
    ServerFixture newServer() {
        return new JettyFixture(false);
    }
}
