package dev.ssekit.bench.server;

import jakarta.servlet.ServletContainerInitializer;

/**
 * One embedded servlet container as the bench server runs it: HTTP/1.1 on a loopback address, a
 * thread pool of up to {@value #MAX_THREADS} threads, a backlog of {@value #ACCEPT_QUEUE}, no
 * access log and no compression. The servlets and filters are added by the initializer, the same on
 * every container.
 *
 * <p>Confined to the thread that starts and stops it.
 */
interface EmbeddedContainer {

    /** Most request threads: Jetty's and Tomcat's default, given to Undertow as well. */
    int MAX_THREADS = 200;

    /** Connections waiting to be accepted: opening thousands of streams must not overflow the backlog. */
    int ACCEPT_QUEUE = 4_096;

    /**
     * Starts the container on {@code host} and {@code port} (0 for any free port), with one web
     * application at {@code /} that {@code setup} configures, and returns the port it listens on.
     */
    int start(String host, int port, ServletContainerInitializer setup) throws Exception;

    /** Stops the container; streams still open are closed. */
    void stop() throws Exception;
}
