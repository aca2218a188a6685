package dev.ssekit.spring;

import dev.ssekit.SseRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Meters and health for the application's {@link SseRegistry}: {@link SseKitMetrics} when Micrometer
 * is present (Spring Boot binds it to every {@code MeterRegistry}), and {@link SseKitHealthIndicator}
 * under the name {@code ssekit} when Actuator's health support is present.
 *
 * @since 1.0
 */
@AutoConfiguration(after = SseKitAutoConfiguration.class)
@ConditionalOnBean(SseRegistry.class)
public class SseKitObservabilityAutoConfiguration {

    /** Creates the auto-configuration; Spring calls this. */
    public SseKitObservabilityAutoConfiguration() {}

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean
        SseKitMetrics sseKitMetrics(SseRegistry registry) {
            return new SseKitMetrics(registry);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {

        @Bean(name = "ssekitHealthIndicator")
        @ConditionalOnMissingBean(name = "ssekitHealthIndicator")
        SseKitHealthIndicator ssekitHealthIndicator(SseRegistry registry) {
            return new SseKitHealthIndicator(registry);
        }
    }
}
