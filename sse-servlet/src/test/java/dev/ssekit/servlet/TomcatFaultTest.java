package dev.ssekit.servlet;

/** Faults on Tomcat 10.1. */
class TomcatFaultTest extends FaultSuite {

    @Override
    ServerFixture newServer(int port) {
        return new TomcatFixture(port);
    }
}
