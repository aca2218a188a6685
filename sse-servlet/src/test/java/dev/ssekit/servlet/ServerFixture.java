package dev.ssekit.servlet;

import jakarta.servlet.ServletContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.OptionalLong;
import java.util.function.Consumer;

/** A real servlet container on 127.0.0.1, port 0, with one context at "/". */
interface ServerFixture {

    /** Starts the container; {@code setup} runs while the context starts, like a ServletContainerInitializer. */
    URI start(Consumer<ServletContext> setup) throws Exception;

    /** Stops the context only, as an undeploy does; the server keeps running. */
    void undeploy() throws Exception;

    /** Stops the whole server; harmless if it was not started. */
    void stop() throws Exception;

    /**
     * Whether the container's request thread pool has shrunk back to its core size, so that no
     * idle thread of it is still due to leave (the fixtures give idle threads a second).
     */
    boolean poolAtRest();

    /**
     * The connections the container holds open now, where the fault suite may hold the container
     * to closing a stalled one at once: Jetty. Empty elsewhere; Tomcat could count, but keeps a
     * connection whose write is stuck until its {@code connectionTimeout} (60 s) fails the write,
     * whatever the application does (SECURITY.md).
     */
    default OptionalLong openConnections() {
        return OptionalLong.empty();
    }

    /** The HTTP version clients should use against this server. */
    HttpClient.Version version();
}
