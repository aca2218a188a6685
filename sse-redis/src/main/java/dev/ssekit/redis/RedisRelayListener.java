package dev.ssekit.redis;

import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseServlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.time.Duration;

/**
 * Sets up a registry relayed through Redis for the {@link SseServlet} of a web application, from
 * context parameters in {@code web.xml}, with no code.
 *
 * <pre>{@code
 * <context-param><param-name>ssekit.redis.uri</param-name><param-value>redis://127.0.0.1:6379</param-value></context-param>
 * <context-param><param-name>ssekit.redis.keyPrefix</param-name><param-value>myapp:</param-value></context-param>
 * <listener><listener-class>dev.ssekit.redis.RedisRelayListener</listener-class></listener>
 * }</pre>
 *
 * <p>Parameters: {@code ssekit.redis.uri} (required), {@code ssekit.redis.keyPrefix} (default
 * {@code ssekit:}), {@code ssekit.redis.history} (entries kept in the stream, default 10,000),
 * {@code ssekit.history} (events each server keeps for replay, default 1,000) and
 * {@code ssekit.heartbeatSeconds} (default 15). The listener puts the registry in the context
 * attribute {@link SseServlet#REGISTRY_ATTRIBUTE}, where a servlet declared in {@code web.xml}
 * finds it (listeners start before servlets), and closes it, with its relay, when the application
 * stops.
 *
 * <p>The container calls this listener from one thread; instances are not meant to be shared.
 *
 * @since 1.0
 */
public final class RedisRelayListener implements ServletContextListener {

    private SseRegistry registry;

    /** Creates the listener; the container calls this. */
    public RedisRelayListener() {}

    /**
     * Builds the registry and its relay from the context parameters and publishes the registry.
     *
     * @throws IllegalArgumentException naming the parameter, if one is missing or malformed
     */
    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        String uri = context.getInitParameter("ssekit.redis.uri");
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("context parameter ssekit.redis.uri is required");
        }
        RedisRelay.Builder relay = RedisRelay.builder().uri(uri.trim());
        String prefix = context.getInitParameter("ssekit.redis.keyPrefix");
        if (prefix != null) {
            relay.keyPrefix(prefix.trim());
        }
        relay.history(number(context, "ssekit.redis.history", 10_000));
        registry = SseRegistry.builder()
                .history((int) number(context, "ssekit.history", 1_000))
                .heartbeat(Duration.ofSeconds(number(context, "ssekit.heartbeatSeconds", 15)))
                .relay(relay.build())
                .build();
        context.setAttribute(SseServlet.REGISTRY_ATTRIBUTE, registry);
    }

    /** Closes the registry, which closes every stream and the relay. */
    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (registry != null) {
            registry.close();
        }
    }

    private static long number(ServletContext context, String name, long fallback) {
        String value = context.getInitParameter(name);
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "context parameter " + name + " must be from 0 to " + Integer.MAX_VALUE + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "context parameter " + name + " must be a whole number, was \"" + value + "\"", e);
        }
    }
}
