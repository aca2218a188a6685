package dev.ssekit.servlet;

/** The authorization suite on Tomcat. */
class TomcatAuthorizationTest extends SseAuthorizationSuite {

    @Override
    ServerFixture newServer() {
        return new TomcatFixture();
    }
}
