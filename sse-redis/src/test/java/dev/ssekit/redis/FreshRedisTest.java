package dev.ssekit.redis;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A real {@code redis-server} of each test's own, which a test may stop and start again, and what
 * the test opened, closed after it in the reverse order before the server stops.
 */
abstract class FreshRedisTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    RedisProcess redis;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisProcess.start();
    }

    @AfterEach
    void stopEverything() throws Exception {
        try {
            for (int i = closing.size() - 1; i >= 0; i--) {
                closing.get(i).close();
            }
        } finally {
            redis.close();
        }
    }

    <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(resource);
        return resource;
    }
}
