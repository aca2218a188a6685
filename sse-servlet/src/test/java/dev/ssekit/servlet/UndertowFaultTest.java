package dev.ssekit.servlet;

/** Faults on Undertow 2.3. */
class UndertowFaultTest extends FaultSuite {

    @Override
    ServerFixture newServer(int port) {
        return new UndertowFixture(port);
    }

    /**
     * UT005088, "Failed to execute ServletOutputStream.closeAsync() on IO thread": when a write
     * from a thread other than Undertow's I/O thread finds the client gone, Undertow completes the
     * response itself (from that thread, or when the application does) by handing the stream's close
     * to its I/O thread, which tries to write the rest (the buffered bytes, or the last chunk) to the
     * dead connection and logs the failure at ERROR. Completion on the I/O thread logs it at DEBUG
     * only, but the Servlet API offers no way to reach that thread, and writes (heartbeats, publishes)
     * start on the application's threads.
     */
    @Override
    boolean isContainersOwnDisconnectError(String record) {
        return record.contains("UT005088") || record.contains("closeAsyncFailed");
    }
}
