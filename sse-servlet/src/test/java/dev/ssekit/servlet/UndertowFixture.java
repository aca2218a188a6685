package dev.ssekit.servlet;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ServletContainer;
import io.undertow.servlet.api.ServletContainerInitializerInfo;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Set;
import java.util.function.Consumer;
import org.xnio.Options;

/** Embedded Undertow 2.3 (Servlet 6.0), HTTP/1.1. */
final class UndertowFixture implements ServerFixture {

    private final int port;
    private Undertow server;
    private DeploymentManager manager;

    UndertowFixture() {
        this(0);
    }

    /** A server on a fixed port, for tests that restart a server where clients expect it. */
    UndertowFixture(int port) {
        this.port = port;
    }

    @Override
    public URI start(Consumer<ServletContext> setup) throws Exception {
        ServletContainerInitializer initializer = (classes, context) -> setup.accept(context);
        DeploymentInfo deployment = Servlets.deployment()
                .setClassLoader(UndertowFixture.class.getClassLoader())
                .setContextPath("/")
                .setDeploymentName("ssekit-test")
                .addServletContainerInitializer(new ServletContainerInitializerInfo(
                        ServletContainerInitializer.class, new ImmediateInstanceFactory<>(initializer), Set.of()));
        ServletContainer container = Servlets.newContainer();
        manager = container.addDeployment(deployment);
        manager.deploy();
        server = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                // Idle task threads leave after a second, so tests can see the pool return to its baseline.
                .setWorkerOption(Options.WORKER_TASK_CORE_THREADS, 2)
                .setWorkerOption(Options.WORKER_TASK_KEEPALIVE, 1_000)
                // A closed connection stays reachable from its idle timer until that fires (60 s by
                // default); 2 s lets the churn test see the heap return within its wait.
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 2_000)
                .setHandler(manager.start())
                .build();
        server.start();
        InetSocketAddress address =
                (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
        return URI.create("http://127.0.0.1:" + address.getPort());
    }

    @Override
    public boolean poolAtRest() {
        // XNIO's task pool keeps its core threads; those above leave once idle.
        var pool = server.getWorker().getMXBean();
        return pool.getWorkerPoolSize() <= pool.getCoreWorkerPoolSize();
    }

    @Override
    public void undeploy() throws Exception {
        manager.stop();
        manager.undeploy();
    }

    @Override
    public void stop() throws Exception {
        if (server == null) {
            return;
        }
        try {
            if (manager.getState() != DeploymentManager.State.UNDEPLOYED) {
                manager.stop();
                manager.undeploy();
            }
        } finally {
            server.stop();
        }
    }

    @Override
    public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
    }

    @Override
    public String toString() {
        return "Undertow 2.3";
    }
}
