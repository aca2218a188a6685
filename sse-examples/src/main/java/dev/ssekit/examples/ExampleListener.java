package dev.ssekit.examples;

import dev.ssekit.SseRegistry;
import dev.ssekit.redis.RedisPresence;
import dev.ssekit.redis.RedisRelay;
import dev.ssekit.servlet.SseServlet;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.time.Duration;

/**
 * Sets up the example in a servlet container: builds the registry, hands it to the
 * {@link SseServlet} that {@code web.xml} declares, and starts the {@link LiveFeeds}.
 *
 * <p>The servlet, declared in {@code web.xml} with its no-argument constructor, looks for a registry
 * in the context attribute {@link SseServlet#REGISTRY_ATTRIBUTE} when it starts; listeners start
 * before servlets, so it finds this one. Without this listener it would build a registry of its own
 * from its init parameters, and the page would have chat and direct messages but no ticker or stats.
 *
 * <p>The container calls this listener from one thread; instances are not meant to be shared.
 *
 * @since 1.0
 */
public final class ExampleListener implements ServletContextListener {

    private SseRegistry registry;
    private LiveFeeds feeds;
    private final ChatNames names = new ChatNames();

    /** Creates the listener; the container calls this. */
    public ExampleListener() {}

    /**
     * Returns a new registry as the example uses it, whichever way it runs: the last 500 events
     * published to a room or to everyone are kept, so that a page joining a room shows its recent
     * messages and a page that reconnects receives exactly what it missed, and idle streams get a
     * heartbeat every 15 seconds, so that proxies keep them open and dead ones are noticed. The members of a chat
     * room hear who arrives and leaves ({@code presence} events), listed by the names in
     * {@code names}.
     *
     * <p>When the environment variable {@code REDIS_URI} is set (for example
     * {@code redis://127.0.0.1:6379}), the registry shares its events through that Redis with every
     * other example server using it, and who is in which room: several servers then act as one.
     */
    public static SseRegistry newRegistry(ChatNames names) {
        return newRegistry(names, System.getenv("REDIS_URI"));
    }

    /**
     * Returns a new registry as {@link #newRegistry(ChatNames)} does, relayed through {@code redisUri}
     * unless it is null or blank.
     */
    static SseRegistry newRegistry(ChatNames names, String redisUri) {
        SseRegistry.Builder registry = SseRegistry.builder()
                .history(500)
                .heartbeat(Duration.ofSeconds(15))
                .describeOwners(names::describe)
                .presenceEvents(ChatNames.CHAT_ROOMS);
        if (redisUri != null && !redisUri.isBlank()) {
            registry.relay(RedisRelay.builder()
                    .uri(redisUri.trim())
                    .keyPrefix("ssekit-example:")
                    .history(10_000)
                    .build());
            // Who is in a room, counted on every server: a server that dies drops out within 3 s.
            registry.presenceShare(RedisPresence.builder()
                    .uri(redisUri.trim())
                    .keyPrefix("ssekit-example:")
                    .ttl(Duration.ofSeconds(3))
                    .build());
        }
        return registry.build();
    }

    /**
     * Builds the registry, publishes it to the servlet through the context, adds the servlet that
     * takes visitors' names at {@code /name}, and starts the feeds.
     */
    @Override
    public void contextInitialized(ServletContextEvent event) {
        registry = newRegistry(names);
        event.getServletContext().setAttribute(SseServlet.REGISTRY_ATTRIBUTE, registry);
        event.getServletContext().addServlet("example-names", names.servlet()).addMapping("/name");
        feeds = LiveFeeds.start(registry);
    }

    /** Stops the feeds and closes the registry, which closes every stream. */
    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (feeds != null) {
            feeds.close();
        }
        if (registry != null) {
            registry.close();
        }
    }
}
