package dev.ssekit.bench.server;

import jakarta.servlet.ServletContainerInitializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;

/**
 * Embedded Tomcat 10.1, NIO connector. Its defaults already match the other containers (200
 * threads, no compression, no access log unless a valve is added); the backlog and the connection
 * limit are raised so that no workload waits on them. Confined to the thread that starts and stops it.
 */
final class TomcatContainer implements EmbeddedContainer {

    private Tomcat tomcat;
    private Path baseDir;

    @Override
    public int start(String host, int port, ServletContainerInitializer setup) throws Exception {
        baseDir = Files.createTempDirectory("bench-tomcat");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(port);
        connector.setProperty("address", host);
        connector.setProperty("maxThreads", Integer.toString(MAX_THREADS));
        connector.setProperty("acceptCount", Integer.toString(ACCEPT_QUEUE));
        connector.setProperty("maxConnections", "-1"); // 8,192 by default: fewer than the largest workload
        connector.setProperty("connectionTimeout", Long.toString(BenchServer.IDLE_TIMEOUT.toMillis()));
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.toString());
        StandardManager sessions = new StandardManager();
        sessions.setPathname(null); // do not write sessions to disk on stop
        context.setManager(sessions);
        context.addServletContainerInitializer(setup, null);
        tomcat.start();
        return connector.getLocalPort();
    }

    @Override
    public void stop() throws Exception {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
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
    }
}
