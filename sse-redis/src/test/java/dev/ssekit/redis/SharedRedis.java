package dev.ssekit.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@code redis-server} ({@link RedisProcess}) for a whole test class: started before its
 * first test, stopped after its last. Register it as a static field, {@code @RegisterExtension
 * static final SharedRedis redis = new SharedRedis();}; tests that stop or restart Redis take a
 * fresh one each instead ({@link FreshRedisTest}). Confined to the thread that runs the class.
 */
final class SharedRedis implements BeforeAllCallback, AfterAllCallback {

    private RedisProcess process;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        process = RedisProcess.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (process != null) {
            process.close();
            process = null;
        }
    }

    /** The server's {@code redis://} URI; only between the class's first and last test. */
    String uri() {
        if (process == null) {
            throw new IllegalStateException("the shared Redis runs only while its test class does");
        }
        return process.uri();
    }
}
