package dev.ssekit.bench.server;

import jakarta.servlet.ServletContainerInitializer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Embedded Jetty 12 (EE 10). Confined to the thread that starts and stops it. */
final class JettyContainer implements EmbeddedContainer {

    private Server server;

    @Override
    public int start(String host, int port, ServletContainerInitializer setup) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS);
        threads.setName("bench-server");
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        connector.setIdleTimeout(BenchServer.IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        // Sessions are available as in a usual web application; the baseline never creates one.
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        context.addServletContainerInitializer(setup);
        server.setHandler(context);
        server.start();
        return connector.getLocalPort();
    }

    @Override
    public void stop() throws Exception {
        server.stop();
    }
}
