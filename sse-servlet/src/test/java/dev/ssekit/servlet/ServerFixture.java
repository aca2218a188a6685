package dev.ssekit.servlet;

import jakarta.servlet.ServletContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.function.Consumer;

/** A real servlet container on 127.0.0.1, port 0, with one context at "/". */
interface ServerFixture {

    /** Starts the container; {@code setup} runs while the context starts, like a ServletContainerInitializer. */
    URI start(Consumer<ServletContext> setup) throws Exception;

    /** Stops the context only, as an undeploy does; the server keeps running. */
    void undeploy() throws Exception;

    /** Stops the whole server; harmless if it was not started. */
    void stop() throws Exception;

    /** The HTTP version clients should use against this server. */
    HttpClient.Version version();
}
