package dev.ssekit.spring.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.RelayUnavailableException;
import dev.ssekit.SseRegistry;
import dev.ssekit.redis.RedisPresence;
import dev.ssekit.servlet.SseServlet;
import dev.ssekit.spi.DataSerializer;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.PresenceShare;
import dev.ssekit.spi.RelayMessage;
import dev.ssekit.spi.RelaySink;
import dev.ssekit.spring.SseKitAutoConfiguration;
import dev.ssekit.spring.SseKitHealthIndicator;
import dev.ssekit.spring.SseKitMetrics;
import dev.ssekit.spring.SseKitObservabilityAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;

/** What the auto-configuration makes of properties and of the application's own beans, without a server. */
class StarterConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(SseKitAutoConfiguration.class, SseKitObservabilityAutoConfiguration.class));

    @Test
    void badValuesFailStartupNamingTheProperty() {
        for (String bad : new String[] {
            "ssekit.history=-1",
            "ssekit.queue-capacity=0",
            "ssekit.queue-bytes=0B",
            "ssekit.max-connections=0",
            "ssekit.max-connections-per-owner=0",
            "ssekit.retry=-1s",
            "ssekit.path=sse",
            "ssekit.shutdown.grace=-1s"
        }) {
            String property = bad.substring(0, bad.indexOf('='));
            runner.withPropertyValues(bad).run(context -> {
                assertThat(context).as(bad).hasFailed();
                assertThat(messages(context.getStartupFailure())).as(bad).contains(property + ": ");
            });
        }
        runner.withPropertyValues("ssekit.overflow=SOMETIMES").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("ssekit.overflow");
        });
    }

    @Test
    void servesAtThePathAndUnderIt() {
        runner.withPropertyValues("ssekit.path=/live/updates").run(context -> {
            ServletRegistrationBean<?> registration =
                    context.getBean(SseKitAutoConfiguration.SERVLET_REGISTRATION_BEAN, ServletRegistrationBean.class);
            assertThat(registration.getServlet()).isInstanceOf(SseServlet.class);
            assertThat(registration.getUrlMappings()).containsExactly("/live/updates", "/live/updates/*");
            assertThat(registration.isAsyncSupported()).isTrue();
        });
    }

    @Test
    void disabledLeavesSseKitOut() {
        runner.withPropertyValues("ssekit.enabled=false")
                .run(context ->
                        assertThat(context).doesNotHaveBean(SseRegistry.class).doesNotHaveBean(SseKitMetrics.class));
    }

    @Test
    void theApplicationsRegistryAndSerializerReplaceTheDefaults() {
        SseRegistry own = SseRegistry.builder().build();
        try {
            runner.withBean(SseRegistry.class, () -> own)
                    .run(context ->
                            assertThat(context.getBean(SseRegistry.class)).isSameAs(own));
        } finally {
            own.close();
        }
        var serialized = new LinkedBlockingQueue<Object>();
        runner.withPropertyValues("ssekit.history=1")
                .withBean(DataSerializer.class, () -> data -> {
                    serialized.add(data);
                    return "custom";
                })
                .run(context -> {
                    SseRegistry registry = context.getBean(SseRegistry.class);
                    registry.publish(registry.event("t", 42));
                    assertThat(serialized).containsExactly(42);
                });
    }

    @Test
    void healthGoesDownWhenTheRegistryHasShutDown() {
        runner.run(context -> {
            SseKitHealthIndicator health = context.getBean(SseKitHealthIndicator.class);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            context.getBean(SseRegistry.class).close();
            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.health().getDetails()).containsEntry("reason", "shut down");
        });
    }

    @Test
    void aRedisUriSwitchesTheRelayOnAndItsHealthShowsWhenRedisIsUnreachable() {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        runner.withPropertyValues("ssekit.redis.uri=redis://127.0.0.1:1", "ssekit.redis.key-prefix=starter-test:")
                .run(context -> {
                    SseRegistry registry = context.getBean(SseRegistry.class);
                    assertThat(registry.stats().relay()).isNotNull();
                    var health = context.getBean(SseKitHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat((String) health.getDetails().get("reason")).contains("Redis at 127.0.0.1:1");

                    var meters = new SimpleMeterRegistry();
                    context.getBean(SseKitMetrics.class).bindTo(meters);
                    assertThat(meters.get("ssekit.relay.up").gauge().value()).isZero();
                });
    }

    @Test
    void aRedisUriSharesPresenceUnlessTurnedOff() {
        WebApplicationContextRunner redis = runner.withPropertyValues(
                "ssekit.redis.uri=redis://127.0.0.1:1", "ssekit.redis.key-prefix=starter-test:");
        redis.run(context -> assertThat(context).hasSingleBean(RedisPresence.class));
        redis.withPropertyValues("ssekit.redis.presence.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PresenceShare.class));
        redis.withPropertyValues("ssekit.redis.presence.ttl=100ms").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("ssekit.redis.presence.ttl: ");
        });
    }

    @Test
    void theRelaysLagIsAGaugeInSeconds() {
        LaggingRelay relay = new LaggingRelay();
        runner.withBean(EventRelay.class, () -> relay).run(context -> {
            var meters = new SimpleMeterRegistry();
            context.getBean(SseKitMetrics.class).bindTo(meters);
            var lag = meters.get("ssekit.relay.lag").timeGauge();
            assertThat(lag.value(TimeUnit.SECONDS)).isZero();

            relay.lag = Duration.ofMillis(1_500);

            assertThat(lag.value(TimeUnit.SECONDS)).isEqualTo(1.5);
            assertThat(lag.baseTimeUnit()).isEqualTo(TimeUnit.SECONDS);
        });
    }

    /** The application's own relay, as far as metrics see it: one whose lag the test sets. */
    private static final class LaggingRelay implements EventRelay {
        volatile Duration lag = Duration.ZERO;

        @Override
        public void start(RelaySink sink) {}

        @Override
        public String publish(RelayMessage message) {
            throw new RelayUnavailableException("this relay takes nothing", null);
        }

        @Override
        public boolean precedes(String first, String second) {
            return false;
        }

        @Override
        public boolean holds(String id) {
            return false;
        }

        @Override
        public Duration lag() {
            return lag;
        }

        @Override
        public void close() {}
    }

    private static String messages(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append('\n');
        }
        return all.toString();
    }
}
