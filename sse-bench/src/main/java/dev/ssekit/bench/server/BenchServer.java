package dev.ssekit.bench.server;

import dev.ssekit.SseRegistry;
import dev.ssekit.redis.RedisRelay;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.servlet.SseServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletResponse;
import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * An embedded servlet container (Jetty 12 unless told otherwise, or Tomcat 10.1, or Undertow 2.3)
 * that serves {@code /sse} through either SSEKit or the naive baseline, so that both are measured on
 * the same container, started the same way.
 *
 * <pre>
 * taskset -c 0 java -cp sse-bench/target/sse-bench.jar dev.ssekit.bench.server.BenchServer --impl naive --port 8081
 * taskset -c 0 java -cp sse-bench/target/sse-bench.jar dev.ssekit.bench.server.BenchServer --impl ssekit --container tomcat
 * </pre>
 *
 * <p>The servlets and the header filter are added through the Servlet API, the same on every
 * container; each container runs with settings alike (see {@link EmbeddedContainer}).
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

    /** How long a connection may stay silent before the container closes it. */
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

    /** The servlet container the server runs on. */
    public enum Container {
        /** Jetty 12 (EE 10), the container of the main figures. */
        JETTY,
        /** Tomcat 10.1, NIO connector. */
        TOMCAT,
        /** Undertow 2.3. */
        UNDERTOW;

        /** Returns the name used on the command line and in reports. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Returns the container named {@code label}. */
        public static Container of(String label) {
            for (Container c : values()) {
                if (c.label().equals(label)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("container must be jetty, tomcat or undertow: " + label);
        }

        EmbeddedContainer create() {
            return switch (this) {
                case JETTY -> new JettyContainer();
                case TOMCAT -> new TomcatContainer();
                case UNDERTOW -> new UndertowContainer();
            };
        }
    }

    private final EmbeddedContainer server;
    private final int port;
    private final Impl impl;
    private final SseRegistry registry;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private BenchServer(EmbeddedContainer server, int port, Impl impl, SseRegistry registry) {
        this.server = server;
        this.port = port;
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
        return start(impl, Container.JETTY, host, port, owner, redisUri, 0);
    }

    /**
     * Starts a server as {@link #start(Impl, String, int, Owner, String)} does; with
     * {@code history} above 0, the library's registry records that many events for replay
     * ({@link SseRegistry.Builder#history(int)}), so that streams resume with {@code Last-Event-ID},
     * as the reconnect storm needs.
     *
     * @throws IllegalArgumentException as {@link #start(Impl, Container, String, int, Owner, String, int)}
     * @throws Exception if Jetty fails to start
     */
    public static BenchServer start(Impl impl, String host, int port, Owner owner, String redisUri, int history)
            throws Exception {
        return start(impl, Container.JETTY, host, port, owner, redisUri, history);
    }

    /**
     * Starts a server as {@link #start(Impl, String, int, Owner, String)} does, on {@code container}.
     *
     * @throws IllegalArgumentException as {@link #start(Impl, Container, String, int, Owner, String, int)}
     * @throws Exception if the container fails to start
     */
    public static BenchServer start(Impl impl, Container container, String host, int port, Owner owner, String redisUri)
            throws Exception {
        return start(impl, container, host, port, owner, redisUri, 0);
    }

    /**
     * Starts a server on {@code container}; with {@code history} above 0, the library's registry
     * records that many events for replay.
     *
     * @throws IllegalArgumentException if {@code host} is not a loopback address, a Redis URI or a
     *     history is given for the baseline, or {@code history} is negative
     * @throws Exception if the container fails to start
     */
    public static BenchServer start(
            Impl impl, Container container, String host, int port, Owner owner, String redisUri, int history)
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
        String label = impl.label() + (redisUri == null ? "" : "-redis");
        Filter header = (request, response, chain) -> {
            ((HttpServletResponse) response).setHeader("X-Bench-Impl", label);
            chain.doFilter(request, response);
        };
        SseRegistry registry = null;
        ServletContainerInitializer servlets;
        switch (impl) {
            case NAIVE ->
                servlets = (classes, context) -> {
                    ServletRegistration.Dynamic naive = context.addServlet("naive-sse", new NaiveSseServlet());
                    naive.setAsyncSupported(true);
                    naive.addMapping("/sse");
                };
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
                servlets = (classes, context) -> SseServlet.register(context, "/sse", servlet);
            }
            default -> throw new IllegalArgumentException("impl: " + impl);
        }
        EmbeddedContainer server = container.create();
        int bound;
        try {
            bound = server.start(host, port, (classes, context) -> {
                FilterRegistration.Dynamic filter = context.addFilter("bench-impl", header);
                filter.setAsyncSupported(true);
                filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
                servlets.onStartup(classes, context);
            });
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            if (registry != null) {
                registry.close();
            }
            throw e;
        }
        return new BenchServer(server, bound, impl, registry);
    }

    /** Returns the port the server listens on. */
    public int port() {
        return port;
    }

    /** Returns the implementation serving {@code /sse}. */
    public Impl impl() {
        return impl;
    }

    /**
     * Stops the server; streams still open are closed.
     *
     * @throws IllegalStateException if the container fails to stop
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
            stopped.countDown();
        }
    }

    /**
     * Starts a server from the command line: {@code --impl naive|ssekit}, {@code --container
     * jetty|tomcat|undertow} (jetty), {@code --port P} (8080),
     * {@code --host H} (127.0.0.1), {@code --owner session|address} (session), {@code --redis URI}
     * (none: one server on its own), {@code --history N} (0: none; the library only). It runs until
     * the process is stopped.
     */
    public static void main(String[] args) throws Exception {
        Impl impl = Impl.NAIVE;
        Container container = Container.JETTY;
        String host = "127.0.0.1";
        int port = 8080;
        Owner owner = Owner.SESSION;
        String redis = null;
        int history = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--impl" -> impl = Impl.of(value);
                case "--container" -> container = Container.of(value);
                case "--port" -> port = Integer.parseInt(value);
                case "--host" -> host = value;
                case "--owner" -> owner = Owner.of(value);
                case "--redis" -> redis = value;
                case "--history" -> history = Integer.parseInt(value);
                default -> {
                    System.err.println("usage: BenchServer --impl naive|ssekit [--container jetty|tomcat|undertow]"
                            + " [--port 8080] [--host 127.0.0.1]"
                            + " [--owner session|address] [--redis redis://127.0.0.1:6379] [--history N]");
                    System.exit(2);
                }
            }
            i++;
        }
        BenchServer running = start(impl, container, host, port, owner, redis, history);
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
        System.out.println("BenchServer impl=" + impl.label() + " container=" + container.label()
                + (redis == null ? "" : " relay=redis")
                + (impl == Impl.SSEKIT ? " owner=" + owner.name().toLowerCase(Locale.ROOT) : "")
                + (history > 0 ? " history=" + history : "")
                + " listening on http://" + host + ":" + running.port()
                + "/sse pid=" + ProcessHandle.current().pid() + " java=" + Runtime.version()
                + " cpus=" + Runtime.getRuntime().availableProcessors());
        running.stopped.await();
    }
}
