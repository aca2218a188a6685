package dev.ssekit.spring;

import dev.ssekit.CloseReason;
import dev.ssekit.SseRegistry;
import dev.ssekit.SseStats.ResetReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds a registry's counters to Micrometer. Every meter reads {@link SseRegistry#stats()} when it
 * is scraped, so publishing and writing count nothing extra. Prometheus shows the names with
 * underscores, counters with {@code _total}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@code ssekit.connections.active}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code ssekit.connections.opened}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ssekit.connections.closed}</td><td>counter</td><td>{@code reason}: {@code client_gone},
 *       {@code write_failed}, {@code slow_consumer}, {@code stalled}, {@code shutdown}, {@code closed_by_app}</td></tr>
 *   <tr><td>{@code ssekit.rooms}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code ssekit.events.published}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ssekit.frames.queued}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ssekit.frames.written}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ssekit.frames.dropped}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ssekit.heartbeats}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code ssekit.replay.resets}</td><td>counter</td><td>{@code reason}: {@code unknown}, {@code expired}</td></tr>
 *   <tr><td>{@code ssekit.relay.up}</td><td>gauge</td><td>only for a relayed registry: 1 while its relay
 *       carries events, 0 while it is down</td></tr>
 *   <tr><td>{@code ssekit.relay.lag}</td><td>time gauge, seconds</td><td>only for a relayed registry: how
 *       long the oldest relayed event not yet delivered on this server has waited, 0 when it is
 *       caught up ({@link dev.ssekit.SseStats.Relay#lagMillis()}); Prometheus shows {@code ssekit_relay_lag_seconds}</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe.
 *
 * @since 1.0
 */
public final class SseKitMetrics implements MeterBinder {

    private final SseRegistry registry;
    private final Iterable<Tag> tags;

    /** Meters for {@code registry}, each with {@code tags} (for example the registry's name when there are several). */
    public SseKitMetrics(SseRegistry registry, Iterable<Tag> tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** Meters for {@code registry}, without extra tags. */
    public SseKitMetrics(SseRegistry registry) {
        this(registry, Tags.empty());
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        gauge(
                meters,
                "ssekit.connections.active",
                "Connections open now",
                r -> r.stats().connections());
        gauge(
                meters,
                "ssekit.rooms",
                "Rooms that have members now",
                r -> r.stats().rooms());
        if (registry.stats().relay() != null) { // a registry has its relay, or none, for good
            gauge(
                    meters,
                    "ssekit.relay.up",
                    "1 while the relay carries events between servers, 0 while it is down",
                    r -> r.stats().relay().up() ? 1 : 0);
            TimeGauge.builder(
                            "ssekit.relay.lag",
                            registry,
                            TimeUnit.MILLISECONDS,
                            r -> r.stats().relay().lagMillis())
                    .description("How long the oldest relayed event not yet delivered on this server has waited")
                    .tags(tags)
                    .register(meters);
        }
        counter(
                meters,
                "ssekit.connections.opened",
                "Connections opened",
                Tags.empty(),
                r -> r.stats().connectionsOpened());
        for (CloseReason reason : CloseReason.values()) {
            counter(
                    meters,
                    "ssekit.connections.closed",
                    "Connections closed, by reason",
                    Tags.of("reason", reason.name().toLowerCase(Locale.ROOT)),
                    r -> r.stats().connectionsClosed().get(reason));
        }
        counter(
                meters,
                "ssekit.events.published",
                "Events published",
                Tags.empty(),
                r -> r.stats().eventsPublished());
        counter(
                meters,
                "ssekit.frames.queued",
                "Frames queued to connections, heartbeats included",
                Tags.empty(),
                r -> r.stats().framesQueued());
        counter(
                meters,
                "ssekit.frames.written",
                "Frames written to connections",
                Tags.empty(),
                r -> r.stats().framesWritten());
        counter(
                meters,
                "ssekit.frames.dropped",
                "Frames dropped from full queues",
                Tags.empty(),
                r -> r.stats().framesDropped());
        counter(
                meters,
                "ssekit.heartbeats",
                "Heartbeats queued",
                Tags.empty(),
                r -> r.stats().heartbeats());
        for (ResetReason reason : ResetReason.values()) {
            counter(
                    meters,
                    "ssekit.replay.resets",
                    "Resuming connections told to reset, by reason",
                    Tags.of("reason", reason.wireName()),
                    r -> r.stats().replayResets().get(reason));
        }
    }

    private void gauge(MeterRegistry meters, String name, String description, ToDoubleFunction<SseRegistry> value) {
        Gauge.builder(name, registry, value).description(description).tags(tags).register(meters);
    }

    private void counter(
            MeterRegistry meters, String name, String description, Tags extra, ToDoubleFunction<SseRegistry> value) {
        FunctionCounter.builder(name, registry, value)
                .description(description)
                .tags(tags)
                .tags(extra)
                .register(meters);
    }
}
