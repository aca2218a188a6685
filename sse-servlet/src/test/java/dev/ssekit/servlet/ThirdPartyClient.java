package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.launchdarkly.eventsource.ConnectStrategy;
import com.launchdarkly.eventsource.ErrorStrategy;
import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import com.launchdarkly.eventsource.RetryDelayStrategy;
import com.launchdarkly.eventsource.StreamEvent;
import com.launchdarkly.logging.LDLogger;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Drives the third-party EventSource client (okhttp-eventsource), which reconnects with Last-Event-ID. */
final class ThirdPartyClient {

    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private ThirdPartyClient() {}

    static EventSource eventSource(URI uri) {
        return new EventSource.Builder(ConnectStrategy.http(uri).readTimeout(10, TimeUnit.SECONDS))
                .retryDelay(20, TimeUnit.MILLISECONDS)
                .retryDelayStrategy(RetryDelayStrategy.defaultStrategy()
                        .backoffMultiplier(1f)
                        .jitterMultiplier(0f))
                .errorStrategy(ErrorStrategy.alwaysContinue())
                .logger(LDLogger.none())
                .build();
    }

    /**
     * Reads events {@code n} (their data is a counter) while a publisher broadcasts one every 2 ms,
     * at most {@code maxEvents} of them, until the client has connected {@code connections} times;
     * then the publisher stops, an {@code end} event says how many were published, and the counters
     * received are returned. With {@code maxEvents} no more than the registry's history, a client
     * that a loaded machine keeps away longer is replayed what it missed, never told it is gone.
     */
    static List<Integer> receiveWhilePublishing(URI uri, SseRegistry registry, int connections, int maxEvents)
            throws Exception {
        List<Integer> received = new ArrayList<>();
        AtomicInteger next = new AtomicInteger();
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        long start = System.nanoTime();
        int connected = 0;
        try (EventSource es = eventSource(uri)) {
            es.start();
            for (StreamEvent e : es.anyEvents()) {
                assertThat(System.nanoTime() - start)
                        .as("time to receive everything")
                        .isLessThan(DEADLINE_NANOS);
                if (!(e instanceof MessageEvent m)) {
                    continue;
                }
                switch (m.getEventName()) {
                    case "connected" -> {
                        connected++;
                        if (connected == 1) {
                            publisher.scheduleAtFixedRate(
                                    () -> {
                                        if (next.get() < maxEvents) {
                                            registry.publish(
                                                    SseEvent.of("n", Integer.toString(next.getAndIncrement())));
                                        }
                                    },
                                    0,
                                    2,
                                    TimeUnit.MILLISECONDS);
                        } else if (connected == connections) {
                            publisher.shutdown();
                            assertThat(publisher.awaitTermination(10, TimeUnit.SECONDS))
                                    .isTrue();
                            registry.publish(SseEvent.of("end", Integer.toString(next.get())));
                        }
                    }
                    case "n" -> received.add(Integer.valueOf(m.getData()));
                    case "end" -> {
                        assertThat(received).hasSize(Integer.parseInt(m.getData()));
                        return received;
                    }
                    default -> throw new AssertionError("unexpected event " + m);
                }
            }
            throw new AssertionError("the event source ended");
        } finally {
            publisher.shutdownNow();
        }
    }

    /**
     * Connects to a stream of {@code room} with no last event id, as a page does; as soon as the
     * {@code connected} event has arrived, and before any event of the room, drops the stream from
     * the server's side, as a network failure would, and publishes {@code count} events {@code n} to
     * the room while the client is away. The client reconnects by itself with the last event id it
     * holds; once it is back, an {@code end} event closes the exchange. Returns the data received.
     */
    static List<String> receiveAcrossADrop(URI uri, SseRegistry registry, String room, int count) throws Exception {
        List<String> received = new ArrayList<>();
        long start = System.nanoTime();
        int connected = 0;
        try (EventSource es = eventSource(uri)) {
            es.start();
            for (StreamEvent e : es.anyEvents()) {
                assertThat(System.nanoTime() - start)
                        .as("time to receive everything")
                        .isLessThan(DEADLINE_NANOS);
                if (!(e instanceof MessageEvent m)) {
                    continue;
                }
                switch (m.getEventName()) {
                    case "connected" -> {
                        connected++;
                        if (connected == 1) {
                            registry.connections().forEach(SseConnection::close);
                            for (int i = 0; i < count; i++) {
                                registry.publish(room, SseEvent.of("n", Integer.toString(i)));
                            }
                        } else {
                            registry.publish(room, SseEvent.of("end", "."));
                        }
                    }
                    case "n" -> received.add(m.getData());
                    case "end" -> {
                        return received;
                    }
                    default -> throw new AssertionError("unexpected event " + m);
                }
            }
            throw new AssertionError("the event source ended");
        }
    }

    /** Connects, broadcasts each payload as an event {@code p}, and returns the data received. */
    static List<String> receive(URI uri, SseRegistry registry, List<String> payloads) throws Exception {
        List<String> received = new ArrayList<>();
        long start = System.nanoTime();
        try (EventSource es = eventSource(uri)) {
            es.start();
            for (StreamEvent e : es.anyEvents()) {
                assertThat(System.nanoTime() - start)
                        .as("time to receive everything")
                        .isLessThan(DEADLINE_NANOS);
                if (!(e instanceof MessageEvent m)) {
                    continue;
                }
                switch (m.getEventName()) {
                    case "connected" -> {
                        for (String p : payloads) {
                            registry.publish(SseEvent.of("p", p));
                        }
                        registry.publish(SseEvent.of("end", "."));
                    }
                    case "p" -> received.add(m.getData());
                    case "end" -> {
                        return received;
                    }
                    default -> throw new AssertionError("unexpected event " + m);
                }
            }
            throw new AssertionError("the event source ended");
        }
    }
}
