package dev.ssekit.spring.tests;

import dev.ssekit.SseRegistry;
import dev.ssekit.testing.EventStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/** Helpers for the owner tests: the test application's users, and the owner of an open stream. */
final class Owners {

    private Owners() {}

    /** The header that authenticates as {@code user}, one of the test application's users. */
    static Map<String, String> as(String user) {
        String credentials = user + ":" + user + "-password";
        return Map.of(
                "Authorization",
                "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }

    /** The owner the registry gave the connection {@code stream} is reading. */
    static String ownerOf(SseRegistry registry, EventStream stream) {
        return registry.connection(UUID.fromString(stream.connectionId()))
                .orElseThrow()
                .owner();
    }
}
