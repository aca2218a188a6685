package dev.ssekit.examples.war;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The WAR on embedded Jetty 12 (ee10). */
class JettyWarIT extends WarDeploymentSuite {

    private Server server;

    @Override
    int deploy(Path war, Path workDir) throws Exception {
        server = new Server(new InetSocketAddress("127.0.0.1", 0));
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(CONTEXT_PATH);
        webapp.setWar(war.toString());
        webapp.setTempDirectory(workDir.toFile());
        server.setHandler(webapp);
        server.start();
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    void stop() throws Exception {
        server.stop();
    }
}
