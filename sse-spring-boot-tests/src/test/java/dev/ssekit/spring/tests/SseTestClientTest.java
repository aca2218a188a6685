package dev.ssekit.spring.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.SseRegistry;
import dev.ssekit.testing.SseTestClient;
import dev.ssekit.testing.SseTestEvent;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/** The test kit's client against a running server, as a user's test would use it. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "ssekit.path=/events",
            "ssekit.retry=2500ms",
            "ssekit.history=5",
            "spring.jackson.property-naming-strategy=SNAKE_CASE"
        }) // as StarterTest: the same application
class SseTestClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Autowired
    SseRegistry registry;

    @Autowired
    Environment env;

    @Test
    void awaitsEventsAndResumesAfterADropAsABrowserWould() {
        try (SseTestClient client =
                SseTestClient.connect(Clients.uri(env, "/events?rooms=kit"), Map.of("X-Test", "kit"))) {
            SseTestEvent connected = client.awaitEvent(SseRegistry.CONNECTED_EVENT, WAIT);
            assertThat(connected.data()).contains(client.connectionId().orElseThrow());
            assertThat(client.retry()).contains(Duration.ofMillis(2500));

            registry.publish("kit", registry.event("note", "one"));
            SseTestEvent one = client.awaitEvent("note", WAIT);
            assertThat(one.data()).isEqualTo("one");
            assertThat(one.id()).isNotNull().isEqualTo(client.lastEventId());
            client.assertNoEvent(Duration.ofMillis(200));

            client.drop();
            registry.publish("kit", registry.event("note", "two")); // missed while away
            client.reconnect();

            assertThat(client.awaitEvent("note", WAIT).data()).isEqualTo("two");
        }
    }

    @Test
    void aRefusalFailsTheConnectWithTheStatusAndBody() {
        assertThatThrownBy(() -> SseTestClient.connect(Clients.uri(env, "/events?rooms=admin.x")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("403")
                .hasMessageContaining("{\"error\":");
    }

    @Test
    void assertNoEventFailsNamingTheEvent() {
        try (SseTestClient client = SseTestClient.connect(Clients.uri(env, "/events"))) {
            assertThatThrownBy(() -> client.assertNoEvent(WAIT))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining(SseRegistry.CONNECTED_EVENT);
        }
    }
}
