package dev.ssekit.redis;

import io.lettuce.core.RedisURI;
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
