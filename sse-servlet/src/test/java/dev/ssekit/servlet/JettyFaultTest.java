package dev.ssekit.servlet;

/** Faults on Jetty 12 (ee10), HTTP/1.1. */
class JettyFaultTest extends FaultSuite {

    @Override
    ServerFixture newServer(int port) {
        return new JettyFixture(false, port);
    }
}
