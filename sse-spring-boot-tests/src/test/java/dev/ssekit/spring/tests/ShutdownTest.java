package dev.ssekit.spring.tests;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry;
import dev.ssekit.spring.SseKitShutdown;
import dev.ssekit.testing.SseTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A graceful shutdown with open streams: prompt, and every client told when to come back. */
class ShutdownTest {

    private static final int STREAMS = 100;

    @Test
    void gracefulShutdownWithOpenStreamsEndsThemAndCompletesPromptly() throws Exception {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApplication.class)
                .properties("server.port=0", "server.shutdown=graceful", "ssekit.shutdown.retry=4s")
                .run();
        List<SseTestClient> streams = new ArrayList<>();
        try {
            SseRegistry registry = app.getBean(SseRegistry.class);
            for (int i = 0; i < STREAMS; i++) {
                // Half of them chose event types without "shutdown": they are told all the same.
                String query = i % 2 == 0 ? "/sse" : "/sse?events=chat";
                streams.add(SseTestClient.connect(Clients.uri(app.getEnvironment(), query)));
            }
            await("every stream open", () -> registry.stats().connections() == STREAMS);

            long start = System.nanoTime();
            app.close();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).isLessThan(Duration.ofSeconds(5));
            for (SseTestClient s : streams) {
                s.awaitEvent(SseKitShutdown.FINAL_EVENT, Duration.ofSeconds(10));
                assertThat(s.retry())
                        .hasValueSatisfying(
                                retry -> assertThat(retry).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8)));
            }
            assertThat(registry.isClosed()).isTrue();
        } finally {
            streams.forEach(SseTestClient::close);
            app.close();
        }
    }
}
