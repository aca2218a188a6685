package dev.ssekit.servlet;

import jakarta.servlet.ServletContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Embedded Jetty 12 (ee10), HTTP/1.1, or HTTP/1.1 plus cleartext HTTP/2 (h2c). */
final class JettyFixture implements ServerFixture {

    private final boolean h2c;
    private final int port;
    private final Map<String, String> contextParameters;
    private Server server;
    private QueuedThreadPool threads;
    private ServletContextHandler context;
    private ServerConnector connector;

    JettyFixture(boolean h2c) {
        this(h2c, 0);
    }

    /** A server on a fixed port, for tests that restart a server where clients expect it. */
    JettyFixture(boolean h2c, int port) {
        this(h2c, port, Map.of());
    }

    /** A server whose servlet context has these init parameters. */
    JettyFixture(boolean h2c, int port, Map<String, String> contextParameters) {
        this.h2c = h2c;
        this.port = port;
        this.contextParameters = Map.copyOf(contextParameters);
    }

    @Override
    public URI start(Consumer<ServletContext> setup) throws Exception {
        // Idle threads leave after a second, so tests can see the pool return to its baseline.
        threads = new QueuedThreadPool();
        threads.setIdleTimeout(1_000);
        threads.setMaxEvictCount(64);
        server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        connector = h2c
                ? new ServerConnector(
                        server, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config))
                : new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        contextParameters.forEach(context::setInitParameter);
        context.addServletContainerInitializer((classes, servletContext) -> setup.accept(servletContext));
        server.setHandler(context);
        server.setStopTimeout(0);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @Override
    public void undeploy() throws Exception {
        context.stop();
    }

    @Override
    public void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Override
    public boolean poolAtRest() {
        // Threads above the minimum leave once idle; the acceptors and selectors are never idle.
        return threads.getThreads() <= threads.getMinThreads() || threads.getIdleThreads() == 0;
    }

    @Override
    public OptionalLong openConnections() {
        return OptionalLong.of(connector.getConnectedEndPoints().size());
    }

    /** The server, once started: for tests of what Jetty itself does on stop. */
    Server server() {
        return server;
    }

    @Override
    public HttpClient.Version version() {
        return h2c ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
    }

    @Override
    public String toString() {
        return h2c ? "Jetty 12 h2c" : "Jetty 12";
    }
}
