package dev.ssekit.spring;

import dev.ssekit.SseRegistry;
import dev.ssekit.SseStats;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports a registry's health to Actuator: UP with its connection count while it accepts
 * connections and its relay (if any) carries events; DOWN with the reason once it has shut down, or
 * while its relay cannot reach the servers it shares events with (for example, Redis is
 * unreachable). Thread-safe.
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
        SseStats stats = registry.stats();
        SseStats.Relay relay = stats.relay(); // null without one
        Health.Builder health;
        if (registry.isClosed()) {
            health = Health.down().withDetail("reason", "shut down");
        } else if (relay != null && !relay.up()) {
            health = Health.down().withDetail("reason", relay.reason());
        } else {
            health = Health.up();
        }
        return health.withDetail("connections", stats.connections())
                .withDetail("relayed", relay != null)
                .build();
    }
}
