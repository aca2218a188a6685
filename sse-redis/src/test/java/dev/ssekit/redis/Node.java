package dev.ssekit.redis;

import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.servlet.SseServlet;
import java.net.URI;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** One server of a cluster: embedded Jetty with the SSE servlet, its registry relayed through Redis. */
final class Node implements AutoCloseable {

    final SseRegistry registry;
    final URI uri;
    private final Server server;

    private Node(SseRegistry registry, Server server, URI uri) {
        this.registry = registry;
        this.server = server;
        this.uri = uri;
    }

    static Node start(String redisUri, String keyPrefix, int history) throws Exception {
        return start(relay(redisUri, keyPrefix, history), history);
    }

    /** The relay settings every test server uses, to be completed by a test. */
    static RedisRelay.Builder relay(String redisUri, String keyPrefix, int history) {
        return RedisRelay.builder()
                .uri(redisUri)
                .keyPrefix(keyPrefix)
                .history(history)
                .timeout(Duration.ofSeconds(1))
                .readBlock(Duration.ofMillis(500));
    }

    static Node start(RedisRelay.Builder relay, int history) throws Exception {
        SseRegistry registry = SseRegistry.builder()
                .history(history)
                .heartbeat(Duration.ofSeconds(15))
                .relay(relay.build())
                .build();
        return serve(registry);
    }

    /** Serves {@code registry}, relayed or not, on a new Jetty; closes it if the server cannot start. */
    static Node serve(SseRegistry registry) throws Exception {
        return serve(
                registry,
                SseServlet.builder(registry)
                        .authorizer(SseAuthorizer.allowAll())
                        .build());
    }

    /** Serves {@code servlet} (of {@code registry}) at "/sse" on a new Jetty; closes the registry if the server cannot start. */
    static Node serve(SseRegistry registry, SseServlet servlet) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        context.addServletContainerInitializer((classes, sc) -> SseServlet.register(sc, "/sse", servlet));
        server.setHandler(context);
        server.setStopTimeout(0);
        try {
            server.start();
        } catch (Exception e) {
            registry.close();
            throw e;
        }
        return new Node(registry, server, URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/sse"));
    }

    /** Waits until the server stops: for a server that runs in a JVM of its own until killed. */
    void join() throws InterruptedException {
        server.join();
    }

    /** Stops the server at once and closes the registry and its relay. */
    @Override
    public void close() throws Exception {
        try {
            server.stop();
        } finally {
            registry.close();
        }
    }
}
