package dev.ssekit.examples.war;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/** The WAR on embedded Tomcat 10.1, another Servlet 6 container. */
class TomcatWarIT extends WarDeploymentSuite {

    private Tomcat tomcat;

    @Override
    int deploy(Path war, Path workDir) throws Exception {
        tomcat = new Tomcat();
        tomcat.setBaseDir(workDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        Path appBase = Files.createDirectories(workDir.resolve("webapps"));
        tomcat.getHost().setAppBase(appBase.toString());
        Context webapp = tomcat.addWebapp(CONTEXT_PATH, war.toString());
        // Embedded Tomcat declares its JSP servlet for every webapp; without Jasper on the class
        // path it would fail to load, noisily. The WAR has no JSP.
        webapp.addLifecycleListener(event -> {
            if (Lifecycle.CONFIGURE_START_EVENT.equals(event.getType()) && webapp.findChild("jsp") != null) {
                webapp.removeChild(webapp.findChild("jsp"));
            }
        });
        tomcat.start();
        return connector.getLocalPort();
    }

    @Override
    void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }
}
