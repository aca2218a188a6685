package dev.ssekit.servlet;

/** Faults on Undertow 2.3. */
class UndertowFaultTest extends FaultSuite {

    @Override
    ServerFixture newServer(int port) {
        return new UndertowFixture(port);
    }
}
