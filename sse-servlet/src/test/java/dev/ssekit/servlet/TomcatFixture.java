package dev.ssekit.servlet;

import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;

/** Embedded Tomcat (10.1 here, 11 in sse-servlet-tomcat11-tests), HTTP/1.1. */
final class TomcatFixture implements ServerFixture {

    // Held so that the settings are not collected with their loggers.
    private static final Logger CATALINA = quiet("org.apache.catalina");
    private static final Logger COYOTE = quiet("org.apache.coyote");
    private static final Logger TOMCAT = quiet("org.apache.tomcat");

    private final int port;
    private Tomcat tomcat;
    private Context context;
    private Path baseDir;

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.WARNING);
        return logger;
    }

    TomcatFixture() {
        this(0);
    }

    /** A server on a fixed port, for tests that restart a server where clients expect it. */
    TomcatFixture(int port) {
        this.port = port;
    }

    @Override
    public URI start(Consumer<ServletContext> setup) throws Exception {
        baseDir = Files.createTempDirectory("tomcat");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        // Idle threads leave after a second, so tests can see the pool return to its baseline.
        connector.setProperty("threadsMaxIdleTime", "1000");
        // No pools of recycled processors and channels (with their buffers, tens of MB after a
        // churn): the heap measured after a churn then shows what the application keeps.
        connector.setProperty("processorCache", "0");
        connector.setProperty("socket.bufferPool", "0");
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        context = tomcat.addContext("", baseDir.toString());
        // Undeploy waits this long for requests in flight, streams included, before destroying servlets.
        ((StandardContext) context).setUnloadDelay(200);
        StandardManager sessions = new StandardManager();
        sessions.setPathname(null); // do not persist sessions on stop
        context.setManager(sessions);
        context.addServletContainerInitializer((classes, servletContext) -> setup.accept(servletContext), null);
        tomcat.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @Override
    public void undeploy() throws Exception {
        context.stop();
    }

    @Override
    public void stop() throws Exception {
        if (tomcat == null) {
            return;
        }
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Override
    public boolean poolAtRest() {
        // Tomcat's own executor keeps minSpareThreads as its core; threads above that leave once idle.
        var executor = (org.apache.tomcat.util.threads.ThreadPoolExecutor)
                tomcat.getConnector().getProtocolHandler().getExecutor();
        return executor.getPoolSize() <= executor.getCorePoolSize();
    }

    /** Returns the async requests Tomcat still tracks as waiting: each holds a processor and its buffers. */
    int waitingProcessors() {
        return ((org.apache.coyote.AbstractProtocol<?>) tomcat.getConnector().getProtocolHandler())
                .getWaitingProcessorCount();
    }

    @Override
    public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
    }

    @Override
    public String toString() {
        return "Tomcat " + org.apache.catalina.util.ServerInfo.getServerNumber();
    }
}
