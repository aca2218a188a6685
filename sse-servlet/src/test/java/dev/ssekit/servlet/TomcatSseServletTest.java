package dev.ssekit.servlet;

/** The servlet suites on Tomcat 10.1. */
class TomcatSseServletTest extends SseServletSuites {

    @Override
    ServerFixture newServer() {
        return new TomcatFixture();
    }
}
