package dev.ssekit.spring.tests;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry;
import dev.ssekit.testing.EventStream;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/** The meters through /actuator/prometheus and the health through /actuator/health, as an operator reads them. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "ssekit.path=/events",
            "ssekit.retry=2500ms",
            "ssekit.history=5",
            "spring.jackson.property-naming-strategy=SNAKE_CASE"
        }) // as StarterTest: the same application
class ObservabilityTest {

    @Autowired
    SseRegistry registry;

    @Autowired
    Environment env;

    @Test
    void prometheusShowsTheMetersMoveAsConnectionsOpenAndClose() throws Exception {
        String before = scrape();
        assertThat(before)
                .contains(
                        "ssekit_connections_active",
                        "ssekit_rooms",
                        "ssekit_events_published_total",
                        "ssekit_frames_written_total",
                        "ssekit_frames_dropped_total",
                        "ssekit_replay_resets_total{reason=\"unknown\"}",
                        "ssekit_replay_resets_total{reason=\"expired\"}");
        double opened = value(before, "ssekit_connections_opened_total");
        double closedByApp = value(before, "ssekit_connections_closed_total{reason=\"closed_by_app\"}");
        double published = value(before, "ssekit_events_published_total");

        try (EventStream stream = EventStream.open(Clients.HTTP, Clients.uri(env, "/events?rooms=metered"))) {
            stream.next(SseRegistry.CONNECTED_EVENT);
            registry.publish("metered", registry.event("tick", "1"));
            stream.next("tick");

            String open = scrape();
            assertThat(value(open, "ssekit_connections_opened_total")).isEqualTo(opened + 1);
            assertThat(value(open, "ssekit_connections_active")).isGreaterThanOrEqualTo(1);
            assertThat(value(open, "ssekit_rooms")).isGreaterThanOrEqualTo(1);
            assertThat(value(open, "ssekit_events_published_total")).isEqualTo(published + 1);

            registry.connection(UUID.fromString(stream.connectionId()))
                    .orElseThrow()
                    .close();
            await(
                    "the connection to leave the registry",
                    () -> registry.connection(UUID.fromString(stream.connectionId()))
                            .isEmpty());
        }
        assertThat(value(scrape(), "ssekit_connections_closed_total{reason=\"closed_by_app\"}"))
                .isEqualTo(closedByApp + 1);
    }

    @Test
    void healthIsUpWithTheConnectionCount() throws Exception {
        var health = Clients.get(Clients.uri(env, "/actuator/health/ssekit"));

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"", "\"connections\":");
    }

    private String scrape() throws Exception {
        var response = Clients.get(Clients.uri(env, "/actuator/prometheus"));
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of the sample named exactly {@code sample} (name and labels as Prometheus prints them). */
    private static double value(String scrape, String sample) {
        Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE)
                .matcher(scrape);
        assertThat(m.find()).as("%s in%n%s", sample, scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
