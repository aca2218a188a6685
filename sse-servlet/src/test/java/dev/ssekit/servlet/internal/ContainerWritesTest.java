package dev.ssekit.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseEvent;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.TransportListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/**
 * Which way a stream is written on each container: Jetty's core writes on Jetty unless the context
 * parameter asks for the servlet stream, the servlet stream elsewhere; either way the client gets
 * the frame and a clean end.
 */
class ContainerWritesTest {

    private static final String FRAME =
            SseFrame.encode(SseEvent.of("hello", "one")).toString();

    /** Arms a transport, writes one frame, flushes and closes it, and reports the way it wrote. */
    private static final class OneFrameServlet extends HttpServlet {
        final CompletableFuture<Boolean> containerWrites = new CompletableFuture<>();

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ServletTransport transport = new ServletTransport(request, response);
            CompletableFuture<Void> writable = new CompletableFuture<>();
            transport.start(new TransportListener() {
                @Override
                public void onWritable() {
                    writable.complete(null);
                }

                @Override
                public void onClosed(Throwable cause) {}
            });
            response.setContentType("text/event-stream");
            transport.arm(0);
            containerWrites.complete(transport.usesContainerWrites());
            writable.orTimeout(10, TimeUnit.SECONDS).thenRun(() -> {
                try {
                    if (transport.isReady()) {
                        transport.write(SseFrame.encode(SseEvent.of("hello", "one")));
                        transport.flush();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    transport.close();
                }
            });
        }
    }

    @Test
    void jettyWritesThroughItsCoreResponse() throws Exception {
        onJetty(Map.of(), true);
    }

    @Test
    void jettyWritesThroughTheServletStreamWhenTheContextAsks() throws Exception {
        onJetty(Map.of(ContainerWrites.OUTPUT_PARAMETER, "servlet"), false);
    }

    @Test
    void jettyWritesAResponseAFilterWrappedThroughTheWrapper() throws Exception {
        OneFrameServlet servlet = new OneFrameServlet();
        Server server = jetty(servlet, Map.of());
        ServletContextHandler context = (ServletContextHandler) server.getHandler();
        FilterHolder wrap = new FilterHolder((Filter) (request, response, chain) ->
                chain.doFilter(request, new HttpServletResponseWrapper((HttpServletResponse) response)));
        wrap.setAsyncSupported(true);
        context.addFilter(wrap, "/*", EnumSet.of(DispatcherType.REQUEST));
        server.start();
        try {
            assertStream(((ServerConnector) server.getConnectors()[0]).getLocalPort());
            assertThat(servlet.containerWrites.get(10, TimeUnit.SECONDS)).isFalse();
        } finally {
            server.stop();
        }
    }

    @Test
    void tomcatWritesThroughTheServletStream() throws Exception {
        OneFrameServlet servlet = new OneFrameServlet();
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", null);
        Wrapper wrapper = Tomcat.addServlet(context, "one", servlet);
        wrapper.setAsyncSupported(true);
        wrapper.addMapping("/");
        tomcat.start();
        try {
            assertStream(tomcat.getConnector().getLocalPort());
            assertThat(servlet.containerWrites.get(10, TimeUnit.SECONDS)).isFalse();
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private static void onJetty(Map<String, String> parameters, boolean expected) throws Exception {
        OneFrameServlet servlet = new OneFrameServlet();
        Server server = jetty(servlet, parameters);
        server.start();
        try {
            assertStream(((ServerConnector) server.getConnectors()[0]).getLocalPort());
            assertThat(servlet.containerWrites.get(10, TimeUnit.SECONDS)).isEqualTo(expected);
        } finally {
            server.stop();
        }
    }

    /** An unstarted Jetty on a loopback port, serving {@code servlet} at the root. */
    private static Server jetty(HttpServlet servlet, Map<String, String> parameters) {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        parameters.forEach(context::setInitParameter);
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/");
        server.setHandler(context);
        return server;
    }

    /** The whole response: the headers, the one frame, and its end. */
    private static void assertStream(int port) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(20))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            assertThat(response.body()).isEqualTo(FRAME);
        }
    }
}
