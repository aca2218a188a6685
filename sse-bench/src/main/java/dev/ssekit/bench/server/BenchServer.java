package dev.ssekit.bench.server;

import dev.ssekit.SseRegistry;
import dev.ssekit.redis.RedisRelay;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.servlet.SseServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An embedded Jetty 12 that serves {@code /sse} through either SSEKit or the naive baseline, so
 * that both are measured on the same container, started the same way.
 *
 * <pre>
 * taskset -c 0 java -cp sse-bench/target/sse-bench.jar dev.ssekit.bench.server.BenchServer --impl naive --port 8081
 * </pre>
 *
 * <p>With {@code --impl ssekit} the library's {@link SseServlet} serves {@code /sse}, registered
 * through {@link SseServlet#register} as an application would; see {@link #start(Impl, String, int,
 * Owner)} for its settings. It listens on a loopback address only. Every response carries an {@code X-Bench-Impl} header
 * naming the implementation, which the load generator copies into its report. The connector's
 * idle timeout is long, because the baseline sends no heartbeats and an idle stream must stay
 * open for as long as a run lasts.
 *
 * <p>Thread-safe; {@link #close()} stops the server.
 */
public final class BenchServer implements AutoCloseable {

    /** How long a connection may stay silent before Jetty closes it. */
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** Streams the library's servlet accepts: above every workload, so that no run meets the limit. */
    static final int MAX_STREAMS = 50_000;

    /** Largest publish body, as the baseline and the example accept. */
    static final int MAX_BODY_BYTES = 1 << 20;

    /** Who owns the library's streams (the baseline has no owners). */
    public enum Owner {
        /**
         * The library's default: the principal, else the HTTP session, so each stream of a client
         * that sends no cookie (such as the load generator) creates a session.
         */
        SESSION,
        /** The client's address: no session is created; every stream from one address has one owner. */
        ADDRESS;

        /** Returns the owner named {@code label} on the command line. */
        public static Owner of(String label) {
            for (Owner o : values()) {
                if (o.name().toLowerCase(Locale.ROOT).equals(label)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("owner must be session or address: " + label);
        }
    }

    /** The implementation serving {@code /sse}. */
    public enum Impl {
        /** The tutorial pattern, {@link NaiveSseServlet}. */
        NAIVE,
        /** The library's servlet. */
        SSEKIT;

        /** Returns the name used on the command line and in reports. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Returns the implementation named {@code label}. */
        public static Impl of(String label) {
            for (Impl i : values()) {
                if (i.label().equals(label)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("impl must be naive or ssekit: " + label);
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final Impl impl;
    private final SseRegistry registry;

    private BenchServer(Server server, ServerConnector connector, Impl impl, SseRegistry registry) {
        this.server = server;
        this.connector = connector;
        this.impl = impl;
        this.registry = registry;
    }

    /**
     * Starts a server on {@code host} and {@code port} (0 for any free port), the library's streams
     * owned as it does by default.
     *
     * @throws IllegalArgumentException if {@code host} is not a loopback address
     * @throws Exception if Jetty fails to start
     */
    public static BenchServer start(Impl impl, String host, int port) throws Exception {
        return start(impl, host, port, Owner.SESSION);
    }

    /**
     * Starts a server on {@code host} and {@code port} (0 for any free port), the library's streams
     * owned as {@code owner} says.
     *
     * <p>The library runs with its registry's defaults (queues of 1,024 frames and 4 MiB, slow
     * consumers disconnected, heartbeats every 15 s, no history) and a servlet that lets anyone
     * publish, accepts bodies up to 1 MiB like the baseline, and accepts more streams than any
     * workload opens.
     *
     * @throws IllegalArgumentException if {@code host} is not a loopback address
     * @throws Exception if Jetty fails to start
     */
    public static BenchServer start(Impl impl, String host, int port, Owner owner) throws Exception {
        return start(impl, host, port, owner, null);
    }

    /**
     * Starts a server as {@link #start(Impl, String, int, Owner)} does; with {@code redisUri}, the
     * library's registry publishes through a {@link RedisRelay} on that Redis (key prefix
     * {@code ssekit-bench:}), so that several bench servers act as one and a workload can measure
     * what crossing servers adds.
     *
     * @throws IllegalArgumentException if {@code host} is not a loopback address, or a Redis URI is
     *     given for the baseline
     * @throws Exception if Jetty fails to start
     */
    public static BenchServer start(Impl impl, String host, int port, Owner owner, String redisUri) throws Exception {
        return start(impl, host, port, owner, redisUri, 0);
    }

    /**
     * Starts a server as {@link #start(Impl, String, int, Owner, String)} does; with
     * {@code history} above 0, the library's registry records that many events for replay
     * ({@link SseRegistry.Builder#history(int)}), so that streams resume with {@code Last-Event-ID},
     * as the reconnect storm needs.
     *
     * @throws IllegalArgumentException if {@code host} is not a loopback address, a Redis URI or a
     *     history is given for the baseline, or {@code history} is negative
     * @throws Exception if Jetty fails to start
     */
    public static BenchServer start(Impl impl, String host, int port, Owner owner, String redisUri, int history)
            throws Exception {
        if (history < 0) {
            throw new IllegalArgumentException("history must not be negative: " + history);
        }
        if (history > 0 && impl != Impl.SSEKIT) {
            throw new IllegalArgumentException("history: only the ssekit implementation keeps a history");
        }
        if (redisUri != null && impl != Impl.SSEKIT) {
            throw new IllegalArgumentException("redis: only the ssekit implementation can share events through Redis");
        }
        if (!InetAddress.getByName(host).isLoopbackAddress()) {
            throw new IllegalArgumentException("host must be a loopback address: " + host);
        }
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("bench-server");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        connector.setAcceptQueueSize(4_096); // opening thousands of streams must not overflow the backlog
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);

        // Sessions are available as in a usual web application; the baseline never creates one.
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        String label = impl.label() + (redisUri == null ? "" : "-redis");
        SseRegistry registry = null;
        FilterHolder header = new FilterHolder((Filter) (request, response, chain) -> {
            ((HttpServletResponse) response).setHeader("X-Bench-Impl", label);
            chain.doFilter(request, response);
        });
        header.setAsyncSupported(true);
        context.addFilter(header, "/*", EnumSet.of(DispatcherType.REQUEST));
        switch (impl) {
            case NAIVE -> {
                ServletHolder holder = new ServletHolder("naive-sse", new NaiveSseServlet());
                holder.setAsyncSupported(true);
                context.addServlet(holder, "/sse");
            }
            case SSEKIT -> {
                SseRegistry.Builder rb = SseRegistry.builder().history(history);
                if (redisUri != null) {
                    rb.relay(RedisRelay.builder()
                            .uri(redisUri)
                            .keyPrefix("ssekit-bench:")
                            .build());
                }
                registry = rb.build();
                SseServlet.Builder builder = SseServlet.builder(registry)
                        .authorizer(SseAuthorizer.allowAll())
                        .maxConnections(MAX_STREAMS)
                        .maxBodyBytes(MAX_BODY_BYTES);
                if (owner == Owner.ADDRESS) {
                    builder.ownerResolver(request -> request.getRemoteAddr()).maxConnectionsPerOwner(MAX_STREAMS);
                }
                SseServlet servlet = builder.build();
                context.addServletContainerInitializer(
                        (classes, servletContext) -> SseServlet.register(servletContext, "/sse", servlet));
            }
        }
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            if (registry != null) {
                registry.close();
            }
            throw e;
        }
        return new BenchServer(server, connector, impl, registry);
    }

    /** Returns the port the server listens on. */
    public int port() {
        return connector.getLocalPort();
    }

    /** Returns the implementation serving {@code /sse}. */
    public Impl impl() {
        return impl;
    }

    /**
     * Stops the server; streams still open are closed.
     *
     * @throws IllegalStateException if Jetty fails to stop
     */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the server failed", e);
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    /**
     * Starts a server from the command line: {@code --impl naive|ssekit}, {@code --port P} (8080),
     * {@code --host H} (127.0.0.1), {@code --owner session|address} (session), {@code --redis URI}
     * (none: one server on its own), {@code --history N} (0: none; the library only). It runs until
     * the process is stopped.
     */
    public static void main(String[] args) throws Exception {
        Impl impl = Impl.NAIVE;
        String host = "127.0.0.1";
        int port = 8080;
        Owner owner = Owner.SESSION;
        String redis = null;
        int history = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--impl" -> impl = Impl.of(value);
                case "--port" -> port = Integer.parseInt(value);
                case "--host" -> host = value;
                case "--owner" -> owner = Owner.of(value);
                case "--redis" -> redis = value;
                case "--history" -> history = Integer.parseInt(value);
                default -> {
                    System.err.println("usage: BenchServer --impl naive|ssekit [--port 8080] [--host 127.0.0.1]"
                            + " [--owner session|address] [--redis redis://127.0.0.1:6379] [--history N]");
                    System.exit(2);
                }
            }
            i++;
        }
        BenchServer running = start(impl, host, port, owner, redis, history);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                running.close();
                            } catch (IllegalStateException e) {
                                System.err.println("stopping: " + e.getCause());
                            }
                        },
                        "bench-server-stop"));
        System.out.println("BenchServer impl=" + impl.label() + (redis == null ? "" : " relay=redis")
                + (impl == Impl.SSEKIT ? " owner=" + owner.name().toLowerCase(Locale.ROOT) : "")
                + (history > 0 ? " history=" + history : "")
                + " listening on http://" + host + ":" + running.port()
                + "/sse pid=" + ProcessHandle.current().pid() + " java=" + Runtime.version()
                + " cpus=" + Runtime.getRuntime().availableProcessors());
        running.server.join();
    }
}
