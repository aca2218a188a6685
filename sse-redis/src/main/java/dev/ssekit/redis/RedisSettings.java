package dev.ssekit.redis;

import io.lettuce.core.RedisURI;
import java.util.Locale;
import java.util.Objects;

/** The checks that {@link RedisRelay} and {@link RedisPresence} builders share. Stateless. */
final class RedisSettings {

    private RedisSettings() {}

    /**
     * Returns {@code uri} if Lettuce can parse it.
     *
     * @throws IllegalArgumentException naming {@code uri} if it is malformed
     */
    static String uri(String uri) {
        Objects.requireNonNull(uri, "uri");
        try {
            RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("uri is not a Redis URI: " + e.getMessage(), e);
        }
        return uri;
    }

    /**
     * Returns {@code uri} if Lettuce can parse it and it is not a Redis Cluster URI
     * ({@code redis-cluster://}, {@code rediss-cluster://}), which {@code why} says this user of
     * Redis cannot work with.
     *
     * @throws IllegalArgumentException naming {@code uri} if it is malformed or a cluster URI
     */
    static String singleRedisUri(String uri, String why) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.toLowerCase(Locale.ROOT);
        if (scheme.startsWith("redis-cluster:") || scheme.startsWith("rediss-cluster:")) {
            throw new IllegalArgumentException("uri: Redis Cluster is not supported: " + why
                    + "; use one primary (with replicas and Sentinel for failover), not a cluster URI");
        }
        return uri(uri);
    }

    /**
     * Returns {@code keyPrefix} if it is not empty.
     *
     * @throws IllegalArgumentException naming {@code keyPrefix} if it is empty
     */
    static String keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.isEmpty()) {
            throw new IllegalArgumentException("keyPrefix must not be empty");
        }
        return keyPrefix;
    }
}
