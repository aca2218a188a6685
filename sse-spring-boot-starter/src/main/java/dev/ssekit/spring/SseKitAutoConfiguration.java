package dev.ssekit.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.SseRegistry;
import dev.ssekit.redis.RedisPresence;
import dev.ssekit.redis.RedisRelay;
import dev.ssekit.servlet.OwnerResolver;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.servlet.SseServlet;
import dev.ssekit.spi.DataSerializer;
import dev.ssekit.spi.EventRelay;
import dev.ssekit.spi.PresenceShare;
import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * Serves SSEKit in a servlet web application: an {@link SseRegistry} bean, unless the application
 * has its own, and an asynchronous {@link SseServlet} at {@code ssekit.path} and everything under
 * it. The application's {@link SseAuthorizer}, {@link OwnerResolver}, {@link DataSerializer},
 * {@link EventRelay} and {@link PresenceShare} beans are used when present; with {@code ssekit.redis.uri}
 * set and {@code sse-redis} on the classpath, the starter's are a {@link RedisRelay} and a
 * {@link RedisPresence} on that Redis. At the start of a graceful shutdown every
 * connection receives a final event and is ended, see {@link SseKitShutdown}.
 *
 * @since 1.0
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({SseServlet.class, ServletRegistrationBean.class})
@ConditionalOnProperty(prefix = "ssekit", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(SseKitProperties.class)
public class SseKitAutoConfiguration {

    /** The name of the servlet registration bean; an application bean of this name replaces it. */
    public static final String SERVLET_REGISTRATION_BEAN = "sseServletRegistration";

    private static final String JACKSON_3_MAPPER = "tools.jackson.databind.json.JsonMapper";
    private static final String JACKSON_2_MAPPER = "com.fasterxml.jackson.databind.ObjectMapper";
    private static final String SPRING_SECURITY = "org.springframework.security.core.context.SecurityContextHolder";

    /** Creates the auto-configuration; Spring calls this. */
    public SseKitAutoConfiguration() {}

    /** The registry, built from the {@code ssekit.*} properties. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public SseRegistry sseRegistry(
            SseKitProperties properties,
            ObjectProvider<DataSerializer> serializers,
            ObjectProvider<EventRelay> relays,
            ObjectProvider<PresenceShare> presenceShares,
            ListableBeanFactory beans) {
        SseRegistry.Builder b = SseRegistry.builder();
        set("ssekit.heartbeat", () -> b.heartbeat(properties.getHeartbeat()));
        set("ssekit.history", () -> b.history(properties.getHistory()));
        set("ssekit.queue-capacity", () -> b.queueCapacity(properties.getQueueCapacity()));
        set(
                "ssekit.queue-bytes",
                () -> b.queueBytes(
                        properties.getQueueBytes() == null
                                ? -1
                                : properties.getQueueBytes().toBytes()));
        set("ssekit.overflow", () -> b.overflow(properties.getOverflow()));
        b.serializer(serializers.getIfAvailable(() -> applicationJson(beans)));
        EventRelay relay = relays.getIfAvailable();
        if (relay != null) {
            b.relay(relay);
        }
        presenceShares.ifAvailable(b::presenceShare);
        return b.build();
    }

    /** The servlet, mapped at {@code ssekit.path} and {@code ssekit.path/*}, asynchronous. */
    @Bean(name = SERVLET_REGISTRATION_BEAN)
    @ConditionalOnMissingBean(name = SERVLET_REGISTRATION_BEAN)
    public ServletRegistrationBean<SseServlet> sseServletRegistration(
            SseKitProperties properties,
            SseRegistry registry,
            ObjectProvider<SseAuthorizer> authorizers,
            ObjectProvider<OwnerResolver> ownerResolvers) {
        SseServlet.Builder b = SseServlet.builder(registry);
        set("ssekit.max-connections", () -> b.maxConnections(properties.getMaxConnections()));
        set("ssekit.max-connections-per-owner", () -> b.maxConnectionsPerOwner(properties.getMaxConnectionsPerOwner()));
        set("ssekit.retry", () -> b.retry(properties.getRetry()));
        set("ssekit.max-connection-age", () -> b.maxConnectionAge(properties.getMaxConnectionAge()));
        authorizers.ifAvailable(b::authorizer);
        b.ownerResolver(ownerResolvers.getIfAvailable(SseKitAutoConfiguration::defaultOwnerResolver));
        String path = path(properties.getPath());
        ServletRegistrationBean<SseServlet> registration = new ServletRegistrationBean<>(b.build(), path, path + "/*");
        registration.setName("ssekit");
        registration.setAsyncSupported(true);
        registration.setLoadOnStartup(1);
        return registration;
    }

    /** Ends every connection at the start of a graceful shutdown. */
    @Bean
    @ConditionalOnMissingBean
    public SseKitShutdown sseKitShutdown(SseKitProperties properties, SseRegistry registry) {
        Duration retry = properties.getShutdown().getRetry();
        Duration grace = properties.getShutdown().getGrace();
        if (retry == null || retry.isNegative()) {
            throw new IllegalArgumentException("ssekit.shutdown.retry: must not be negative: " + retry);
        }
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("ssekit.shutdown.grace: must not be negative: " + grace);
        }
        return new SseKitShutdown(registry, retry, grace);
    }

    /**
     * Relays events, and shares presence, between servers through Redis when {@code ssekit.redis.uri}
     * is set; presence unless {@code ssekit.redis.presence.enabled} is false.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RedisRelay.class)
    @ConditionalOnProperty(prefix = "ssekit.redis", name = "uri")
    static class RedisRelayConfiguration {

        // The registry starts and closes the relay it is given.
        @Bean(destroyMethod = "")
        @ConditionalOnMissingBean
        EventRelay sseRedisRelay(SseKitProperties properties) {
            SseKitProperties.Redis redis = properties.getRedis();
            RedisRelay.Builder b = RedisRelay.builder();
            set("ssekit.redis.uri", () -> b.uri(redis.getUri()));
            set("ssekit.redis.key-prefix", () -> b.keyPrefix(redis.getKeyPrefix()));
            set("ssekit.redis.history", () -> b.history(redis.getHistory()));
            return b.build();
        }

        // The registry starts and closes the share it is given.
        @Bean(destroyMethod = "")
        @ConditionalOnMissingBean
        @ConditionalOnProperty(
                prefix = "ssekit.redis.presence",
                name = "enabled",
                havingValue = "true",
                matchIfMissing = true)
        PresenceShare sseRedisPresence(SseKitProperties properties) {
            SseKitProperties.Redis redis = properties.getRedis();
            RedisPresence.Builder b = RedisPresence.builder();
            set("ssekit.redis.uri", () -> b.uri(redis.getUri()));
            set("ssekit.redis.key-prefix", () -> b.keyPrefix(redis.getKeyPrefix()));
            set("ssekit.redis.presence.ttl", () -> b.ttl(redis.getPresence().getTtl()));
            return b.build();
        }
    }

    static String path(String path) {
        if (path == null
                || !path.startsWith("/")
                || path.length() < 2
                || path.endsWith("/")
                || path.contains("*")
                || path.contains("?")
                || path.contains("#")) {
            throw new IllegalArgumentException(
                    "ssekit.path: must start with / and name a path, not end with / or hold *, ? or #: " + path);
        }
        return path;
    }

    /** Applies one property to a builder, naming the property in any refusal. */
    static void set(String property, Supplier<?> setter) {
        try {
            setter.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
        }
    }

    /** The application's JSON mapper bean, Jackson 3's before Jackson 2's, else SSEKit's own. */
    private static DataSerializer applicationJson(ListableBeanFactory beans) {
        ClassLoader loader = SseKitAutoConfiguration.class.getClassLoader();
        if (ClassUtils.isPresent(JACKSON_3_MAPPER, loader)) {
            DataSerializer s = Jackson3Serializer.fromContext(beans);
            if (s != null) {
                return s;
            }
        }
        if (ClassUtils.isPresent(JACKSON_2_MAPPER, loader)) {
            ObjectMapper mapper = beans.getBeanProvider(ObjectMapper.class).getIfUnique();
            if (mapper != null) {
                return DataSerializer.jackson(mapper);
            }
        }
        return DataSerializer.jackson();
    }

    private static OwnerResolver defaultOwnerResolver() {
        return ClassUtils.isPresent(SPRING_SECURITY, SseKitAutoConfiguration.class.getClassLoader())
                ? SpringSecurityOwnerResolver.create()
                : OwnerResolver.principalOrSession();
    }
}
