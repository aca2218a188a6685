package dev.ssekit.spring.tests;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry;
import dev.ssekit.spring.SseKitShutdown;
import dev.ssekit.testing.EventStream;
import java.net.http.HttpClient;
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
        List<EventStream> streams = new ArrayList<>();
        // Several clients, as several browsers would be: one HTTP/1.1 client keeps a connection per stream anyway.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            SseRegistry registry = app.getBean(SseRegistry.class);
            for (int i = 0; i < STREAMS; i++) {
                EventStream s = EventStream.open(client, Clients.uri(app.getEnvironment(), "/sse"));
                streams.add(s);
            }
            await("every stream open", () -> registry.connectionCount() == STREAMS);

            long start = System.nanoTime();
            app.close();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).isLessThan(Duration.ofSeconds(5));
            for (EventStream s : streams) {
                EventStream.Event last = s.next(SseKitShutdown.FINAL_EVENT);
                long retry = Long.parseLong(last.data().replaceAll("\\D", ""));
                assertThat(retry).isBetween(4_000L, 8_000L);
            }
            assertThat(registry.isClosed()).isTrue();
        } finally {
            streams.forEach(EventStream::close);
            app.close();
        }
    }
}
