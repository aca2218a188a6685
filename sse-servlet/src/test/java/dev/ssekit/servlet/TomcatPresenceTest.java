package dev.ssekit.servlet;

/** The presence suite on Tomcat 10.1. */
class TomcatPresenceTest extends SsePresenceSuite {

    @Override
    ServerFixture newServer() {
        return new TomcatFixture();
    }
}
