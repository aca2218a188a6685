package dev.ssekit.spring.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseServlet;
import dev.ssekit.testing.EventStream;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.env.Environment;

@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "ssekit.path=/events",
            "ssekit.retry=2500ms",
            "ssekit.history=5",
            "spring.jackson.property-naming-strategy=SNAKE_CASE"
        })
class StarterTest {

    @Autowired
    SseRegistry registry;

    @Autowired
    Environment env;

    @Autowired
    WebServerApplicationContext context;

    @Test
    void runsOnTheContainerTheApplicationChose() {
        assertThat(context.getWebServer().getClass().getSimpleName()).containsIgnoringCase(Clients.expectedContainer());
    }

    @Test
    void eventsReachARealClientAsTheApplicationsJacksonWritesThem() throws Exception {
        try (EventStream stream = EventStream.open(Clients.HTTP, Clients.uri(env, "/events?rooms=lobby"))) {
            assertThat(stream.next().type()).isEqualTo(SseRegistry.CONNECTED_EVENT);

            registry.publish("lobby", registry.event("greeting", new TestApplication.Greeting("hello", 1)));

            EventStream.Event e = stream.next("greeting");
            assertThat(e.data()).isEqualTo("{\"text\":\"hello\",\"word_count\":1}");
        }
    }

    @Test
    void propertiesTakeEffect() throws Exception {
        // ssekit.retry: the first field on the stream.
        HttpResponse<InputStream> raw = Clients.HTTP.send(
                HttpRequest.newBuilder(Clients.uri(env, "/events"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(raw.body(), StandardCharsets.UTF_8))) {
            assertThat(raw.statusCode()).isEqualTo(200);
            assertThat(lines.readLine()).isEqualTo("retry: 2500");
        }

        // ssekit.history: a client resuming after the first of two events gets the second.
        String first = registry.publish(SseEvent.of("tick", "1")).id();
        registry.publish(SseEvent.of("tick", "2"));
        try (EventStream stream =
                EventStream.open(Clients.HTTP, Clients.uri(env, "/events"), Map.of("Last-Event-ID", first))) {
            assertThat(stream.next("tick").data()).isEqualTo("2");
        }

        // ssekit.path: nothing at the default path.
        assertThat(Clients.get(Clients.uri(env, "/sse")).statusCode()).isEqualTo(404);
    }

    @Test
    void theApplicationsAuthorizerRefusesWithTheJsonError() throws Exception {
        HttpResponse<String> refused = Clients.get(Clients.uri(env, "/events?rooms=admin.audit"));

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(refused.body()).startsWith("{\"error\":").contains("admin.audit");
    }

    @Test
    void aStreamCarriesItsConnectionId() throws Exception {
        try (EventStream stream = EventStream.open(Clients.HTTP, Clients.uri(env, "/events"))) {
            assertThat(stream.next().data()).contains(stream.connectionId());
            assertThat(stream.response().headers().firstValue(SseServlet.CONNECTION_ID_HEADER))
                    .isPresent();
        }
    }
}
