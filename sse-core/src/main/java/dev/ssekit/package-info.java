/**
 * The SSEKit API an application uses: the {@link dev.ssekit.SseRegistry registry} that publishes
 * {@link dev.ssekit.SseEvent events} to connections, rooms and everyone, and what it answers with.
 * What only adapters and relays need is in {@link dev.ssekit.spi}.
 */
package dev.ssekit;
