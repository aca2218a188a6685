package dev.ssekit.servlet;

/** The authorization suite on Jetty. */
class JettyAuthorizationTest extends SseAuthorizationSuite {

    @Override
    ServerFixture newServer() {
        return new JettyFixture(false);
    }
}
