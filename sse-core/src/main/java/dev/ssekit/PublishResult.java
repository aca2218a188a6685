package dev.ssekit;

/**
 * What a publish did. Immutable.
 *
 * @param id the id the event was sent with, or {@code null} if it has none
 * @param queued how many connections the event was queued to on this server
 * @since 1.0
 */
public record PublishResult(String id, int queued) {}
