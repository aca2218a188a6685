package dev.ssekit.bench.server;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
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
 * <p>It listens on a loopback address only. Every response carries an {@code X-Bench-Impl} header
 * naming the implementation, which the load generator copies into its report. The connector's
 * idle timeout is long, because the baseline sends no heartbeats and an idle stream must stay
 * open for as long as a run lasts.
 *
 * <p>Thread-safe; {@link #close()} stops the server.
 */
public final class BenchServer implements AutoCloseable {

    /** How long a connection may stay silent before Jetty closes it. */
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

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

    private BenchServer(Server server, ServerConnector connector, Impl impl) {
        this.server = server;
        this.connector = connector;
        this.impl = impl;
    }

    /**
     * Starts a server on {@code host} and {@code port} (0 for any free port).
     *
     * @throws IllegalArgumentException if {@code host} is not a loopback address
     * @throws Exception if Jetty fails to start
     */
    public static BenchServer start(Impl impl, String host, int port) throws Exception {
        if (!java.net.InetAddress.getByName(host).isLoopbackAddress()) {
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

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        String label = impl.label();
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
            case SSEKIT -> throw new UnsupportedOperationException("impl ssekit: the library's servlet is not built yet");
        }
        server.setHandler(context);
        server.start();
        return new BenchServer(server, connector, impl);
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
        }
    }

    /**
     * Starts a server from the command line: {@code --impl naive|ssekit}, {@code --port P} (8080),
     * {@code --host H} (127.0.0.1). It runs until the process is stopped.
     */
    public static void main(String[] args) throws Exception {
        Impl impl = Impl.NAIVE;
        String host = "127.0.0.1";
        int port = 8080;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--impl" -> impl = Impl.of(value);
                case "--port" -> port = Integer.parseInt(value);
                case "--host" -> host = value;
                default -> {
                    System.err.println("usage: BenchServer --impl naive|ssekit [--port 8080] [--host 127.0.0.1]");
                    System.exit(2);
                }
            }
            i++;
        }
        BenchServer running = start(impl, host, port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (IllegalStateException e) {
                System.err.println("stopping: " + e.getCause());
            }
        }, "bench-server-stop"));
        System.out.println("BenchServer impl=" + impl.label() + " listening on http://" + host + ":" + running.port()
                + "/sse pid=" + ProcessHandle.current().pid() + " java=" + Runtime.version()
                + " cpus=" + Runtime.getRuntime().availableProcessors());
        running.server.join();
    }
}
