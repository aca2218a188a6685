package dev.ssekit.spring;

import dev.ssekit.SseRegistry;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports a registry's health to Actuator: UP with its connection count while it accepts
 * connections, DOWN once it has shut down. Thread-safe.
 *
 * @since 1.0
 */
public final class SseKitHealthIndicator implements HealthIndicator {

    private final SseRegistry registry;

    /** A health indicator for {@code registry}. */
    public SseKitHealthIndicator(SseRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Health health() {
        Health.Builder health = registry.isClosed() ? Health.down().withDetail("reason", "shut down") : Health.up();
        return health.withDetail("connections", registry.connectionCount())
                .withDetail("relayed", registry.isRelayed())
                .build();
    }
}
