package dev.ssekit.spring.tests;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry;
import dev.ssekit.redis.RedisProcess;
import dev.ssekit.testing.EventStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two applications with the starter and {@code ssekit.redis.uri} set, on one real redis-server, as
 * two servers of one deployment: events and presence are shared between them.
 */
class RedisServersTest {

    private static RedisProcess redis;
    private static int prefixes;

    private final List<ConfigurableApplicationContext> servers = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @AfterEach
    void stopServers() {
        servers.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void anEventPublishedOnOneServerReachesAClientOfTheOther() throws Exception {
        ConfigurableApplicationContext a = server();
        ConfigurableApplicationContext b = server();

        try (EventStream stream = EventStream.open(Clients.HTTP, Clients.uri(a.getEnvironment(), "/sse?rooms=news"))) {
            stream.next(SseRegistry.CONNECTED_EVENT);
            SseRegistry onB = b.getBean(SseRegistry.class);
            onB.publish("news", onB.event("headline", "from b"));

            assertThat(stream.next("headline").data()).isEqualTo("from b");
        }
        String metrics = Clients.get(Clients.uri(a.getEnvironment(), "/actuator/prometheus"))
                .body();
        assertThat(metrics).contains("ssekit_relay_up 1.0", "ssekit_relay_lag_seconds ");
    }

    @Test
    void presenceCountsTheOwnersOfBothServers() throws Exception {
        ConfigurableApplicationContext a = server();
        ConfigurableApplicationContext b = server();

        try (EventStream stream = EventStream.open(Clients.HTTP, Clients.uri(a.getEnvironment(), "/sse?rooms=lobby"))) {
            stream.next(SseRegistry.CONNECTED_EVENT);

            await("server b to count the owner connected to server a", () -> count(b, "lobby") == 1);
            assertThat(b.getBean(SseRegistry.class).presence("lobby").count()).isEqualTo(1);
        }
    }

    /** An application on a free port, sharing this test's key prefix in the Redis. */
    private ConfigurableApplicationContext server(String... properties) {
        if (prefix == null) {
            prefix = "boot-test-" + (++prefixes) + ":";
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApplication.class)
                .properties("server.port=0", "ssekit.redis.uri=" + redis.uri(), "ssekit.redis.key-prefix=" + prefix)
                .properties(properties)
                .run();
        servers.add(context);
        return context;
    }

    /** The count {@code GET /sse/presence} answers on {@code server}. */
    private static int count(ConfigurableApplicationContext server, String room) {
        try {
            var response = Clients.get(Clients.uri(server.getEnvironment(), "/sse/presence?room=" + room));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            Matcher m = Pattern.compile("\"count\":(\\d+)").matcher(response.body());
            assertThat(m.find()).as(response.body()).isTrue();
            return Integer.parseInt(m.group(1));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
