package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.servlet.SseServlet;
import dev.ssekit.testing.EventStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two web applications configured as in web.xml, with context parameters, the listener and the
 * servlet made by the container, share events through a real Redis.
 */
class RedisRelayListenerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws Exception {
        for (Server s : servers) {
            s.stop();
        }
    }

    private URI webApp() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        context.setInitParameter("ssekit.redis.uri", redis.uri());
        context.setInitParameter("ssekit.redis.keyPrefix", "listener:");
        context.setInitParameter("ssekit.history", "50");
        context.addEventListener(new RedisRelayListener());
        ServletHolder holder = new ServletHolder("sse", SseServlet.class); // made by the container
        holder.setInitParameter("publish", "true");
        holder.setAsyncSupported(true);
        holder.setInitOrder(1);
        context.addServlet(holder, "/sse");
        context.addServlet(holder, "/sse/*");
        server.setHandler(context);
        server.setStopTimeout(0);
        server.start();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/sse");
    }

    @Test
    void webAppsConfiguredByContextParametersShareEvents() throws Exception {
        URI first = webApp();
        URI second = webApp();
        try (EventStream stream = EventStream.open(HTTP, first)) {
            assertThat(stream.next().type()).isEqualTo("connected");

            HttpResponse<String> published = HTTP.send(
                    HttpRequest.newBuilder(URI.create(second + "?event=note"))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"second\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
            assertThat(published.body()).contains("\"relayed\":true");
            EventStream.Event e = stream.next();
            assertThat(e.type()).isEqualTo("note");
            assertThat(e.data()).isEqualTo("{\"from\":\"second\"}");
            assertThat(e.id()).matches("\\d+-\\d+");
        }
    }
}
