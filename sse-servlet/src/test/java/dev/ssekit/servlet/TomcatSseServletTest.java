package dev.ssekit.servlet;

/** The servlet suite on Tomcat 10.1. */
class TomcatSseServletTest extends SseServletSuite {

    @Override
    ServerFixture newServer() {
        return new TomcatFixture();
    }
}
