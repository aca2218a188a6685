package dev.ssekit.bench.server;

import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ServletContainerInitializerInfo;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.ServletContainerInitializer;
import java.net.InetSocketAddress;
import java.util.Set;
import org.xnio.Options;

/**
 * Embedded Undertow 2.3 (Servlet 6.0). Its worker pool is given the others' limit of {@value
 * #MAX_THREADS} threads (Undertow's default is 8 per I/O thread); it has no access log and no
 * compression unless handlers add them. Confined to the thread that starts and stops it.
 */
final class UndertowContainer implements EmbeddedContainer {

    private Undertow server;
    private DeploymentManager manager;

    @Override
    public int start(String host, int port, ServletContainerInitializer setup) throws Exception {
        DeploymentInfo deployment = Servlets.deployment()
                .setClassLoader(UndertowContainer.class.getClassLoader())
                .setContextPath("/")
                .setDeploymentName("bench")
                .addServletContainerInitializer(new ServletContainerInitializerInfo(
                        ServletContainerInitializer.class, new ImmediateInstanceFactory<>(setup), Set.of()));
        manager = Servlets.newContainer().addDeployment(deployment);
        manager.deploy();
        server = Undertow.builder()
                .addHttpListener(port, host)
                .setWorkerOption(Options.WORKER_TASK_CORE_THREADS, 8)
                .setWorkerOption(Options.WORKER_TASK_MAX_THREADS, MAX_THREADS)
                .setSocketOption(Options.BACKLOG, ACCEPT_QUEUE)
                .setHandler(manager.start())
                .build();
        server.start();
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public void stop() throws Exception {
        try {
            manager.stop();
            manager.undeploy();
        } finally {
            server.stop();
        }
    }
}
