package dev.ssekit.examples;

import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.servlet.SseServlet;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * The example webapp on embedded Jetty: the page at {@code /} and the library's servlet at
 * {@code /sse}, with chat rooms, direct messages, a ticker and live stats.
 *
 * <p>Run it with {@code java -jar sse-examples/target/sse-examples.jar} and open
 * {@code http://localhost:8080}. The environment variable {@code PORT} chooses another port, and
 * {@code HOST} the address to listen on (default {@code 127.0.0.1}; {@code 0.0.0.0} lets a phone on
 * the same network in). With {@code REDIS_URI} set, for example {@code redis://127.0.0.1:6379},
 * several example servers share rooms, direct messages and replay through that Redis.
 *
 * <p>Thread-safe: {@link #close()} may be called from any thread, for example a shutdown hook.
 *
 * @since 1.0
 */
public final class ExampleApp implements AutoCloseable {

    private final Server server;
    private final SseRegistry registry;
    private final LiveFeeds feeds;

    private ExampleApp(Server server, SseRegistry registry, LiveFeeds feeds) {
        this.server = server;
        this.registry = registry;
        this.feeds = feeds;
    }

    /**
     * Starts the example on {@code host} and {@code port} ({@code 0} picks a free port).
     *
     * @throws Exception if Jetty cannot start, for example because the port is taken
     */
    public static ExampleApp start(String host, int port) throws Exception {
        // 1. The registry: who is connected, rooms, history, heartbeats (see ExampleListener).
        ChatNames names = new ChatNames();
        SseRegistry registry = ExampleListener.newRegistry(names);

        // 2. The servlet that serves GET /sse, POST /sse and POST /sse/subscriptions.
        SseServlet servlet = SseServlet.builder(registry)
                // A demo lets every visitor publish to any room or connection. A real application
                // passes its own SseAuthorizer here, deciding from the request who may publish where.
                .authorizer(SseAuthorizer.allowAll())
                .maxBodyBytes(1 << 20) // JSON bodies up to 1 MiB; larger ones get 413
                .build();

        // 3. A servlet context with sessions: the session cookie is what makes a page the owner of
        //    its stream, so that only that page may change the stream's rooms.
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        SseServlet.register(context.getServletContext(), "/sse", servlet);

        // 4. The page: plain files on the classpath, where any servlet container also finds them
        //    when this jar sits in a WAR's WEB-INF/lib.
        Resource page = ResourceFactory.of(context).newClassLoaderResource("META-INF/resources/");
        context.setBaseResource(page);
        context.addServlet(DefaultServlet.class, "/").setInitParameter("dirAllowed", "false");
        // The names visitors chose, which the chat room lists as its members.
        context.addServlet(new ServletHolder(names.servlet()), "/name");

        // 5. The ticker and the stats, produced only while a page listens.
        LiveFeeds feeds = LiveFeeds.start(registry);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(context);
        ExampleApp app = new ExampleApp(server, registry, feeds);
        try {
            server.start();
        } catch (Exception e) {
            app.close();
            throw e;
        }
        return app;
    }

    /** Returns the port the example listens on. */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Returns the example's registry; for tests, which close connections to act out network drops. */
    SseRegistry registry() {
        return registry;
    }

    /** Stops the feeds, the server (which ends every stream) and the registry. Idempotent. */
    @Override
    public void close() {
        feeds.close();
        try {
            server.stop();
        } catch (Exception e) {
            System.getLogger(ExampleApp.class.getName())
                    .log(System.Logger.Level.WARNING, "stopping the server failed", e);
        } finally {
            registry.close();
        }
    }

    /**
     * Starts the example on {@code $HOST:$PORT} (default {@code 127.0.0.1:8080}) and runs until the
     * process is stopped.
     *
     * @throws IllegalArgumentException if {@code PORT} is not a port number
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
        int port = parsePort(System.getenv().getOrDefault("PORT", "8080"));
        ExampleApp app = start(host, port);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "example-shutdown"));
        System.out.println("SSEKit example running at http://localhost:" + app.port() + "/ (Ctrl+C stops it)");
        app.server.join();
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("PORT must be a number from 0 to 65535, was \"" + text + "\"");
    }
}
