package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import dev.ssekit.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A connection closes once, for one reason, and every listener hears it once; so does the registry. */
class SseConnectionCloseTest {

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private SseRegistry registry = fixture.build(fixture.builder().drainExecutor(Runnable::run));

    private SseConnection open(RecordingTransport transport, String... rooms) {
        return fixture.open(
                registry,
                transport,
                ConnectOptions.builder("client").rooms(rooms).build());
    }

    private SseConnection open(String... rooms) {
        return open(new RecordingTransport(), rooms);
    }

    @Test
    void appCloseIsHeardOnceByEveryCallback() {
        SseConnection c = open("r");
        List<CloseReason> first = new ArrayList<>();
        List<CloseReason> second = new ArrayList<>();
        c.onClose(first::add);
        c.onClose(second::add);

        c.close();
        c.close();

        assertThat(first).containsExactly(CloseReason.CLOSED_BY_APP);
        assertThat(second).containsExactly(CloseReason.CLOSED_BY_APP);
        assertThat(c.isOpen()).isFalse();
        assertThat(c.closeReason()).isEqualTo(CloseReason.CLOSED_BY_APP);
        assertThat(fixture.transportOf(c).isClosed()).isTrue();
        assertThat(registry.stats().connections()).isZero();
        assertThat(registry.rooms()).isEmpty();
    }

    @Test
    void clientGoneIsHeardAsClientGone() {
        SseConnection c = open("r");
        List<CloseReason> heard = new ArrayList<>();
        c.onClose(heard::add);

        fixture.transportOf(c).clientGone();
        fixture.transportOf(c).clientGone(); // harmless again

        assertThat(heard).containsExactly(CloseReason.CLIENT_GONE);
        assertThat(registry.connection(c.id())).isEmpty();
        assertThat(registry.rooms()).isEmpty();
    }

    @Test
    void streamFailureIsHeardAsWriteFailed() {
        SseConnection c = open();
        List<CloseReason> heard = new ArrayList<>();
        c.onClose(heard::add);

        fixture.transportOf(c).streamFailed(new IOException("reset by peer"));

        assertThat(heard).containsExactly(CloseReason.WRITE_FAILED);
    }

    @Test
    void firstReasonWins() {
        SseConnection c = open();
        List<CloseReason> heard = new ArrayList<>();
        c.onClose(heard::add);

        fixture.transportOf(c).clientGone();
        c.close();
        registry.close();

        assertThat(heard).containsExactly(CloseReason.CLIENT_GONE);
        assertThat(c.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
    }

    @Test
    void callbackRegisteredAfterCloseRunsAtOnce() {
        SseConnection c = open();
        c.close();
        List<CloseReason> heard = new ArrayList<>();

        c.onClose(heard::add);

        assertThat(heard).containsExactly(CloseReason.CLOSED_BY_APP);
    }

    @Test
    void callbackThatThrowsDoesNotStopTheOthers() {
        SseConnection c = open();
        List<String> heard = new ArrayList<>();
        c.onClose(reason -> heard.add("first"));
        c.onClose(reason -> {
            throw new IllegalStateException("callback failure on purpose; logged, not thrown");
        });
        c.onClose(reason -> heard.add("third"));

        c.close();
        c.onClose(reason -> {
            throw new IllegalStateException("late callback failure on purpose; logged, not thrown");
        });
        c.onClose(reason -> heard.add("late"));

        assertThat(heard).containsExactly("first", "third", "late");
    }

    @Test
    void callbackSeesTheConnectionAlreadyGoneAndHoldsNoLock() throws Exception {
        SseConnection c = open("r");
        SseConnection other = open("r");
        AtomicReference<String> seen = new AtomicReference<>();
        ExecutorService elsewhere = Executors.newSingleThreadExecutor();
        try {
            c.onClose(reason -> {
                // Another thread must be able to use the registry while the callback runs.
                Future<PublishResult> publish =
                        elsewhere.submit(() -> registry.publish("r", SseEvent.of("from elsewhere")));
                try {
                    seen.set("members=" + registry.members("r").size() + " queued="
                            + publish.get(10, TimeUnit.SECONDS).queued() + " found="
                            + registry.connection(c.id()).isPresent());
                } catch (Exception e) {
                    seen.set("failed: " + e);
                }
            });

            c.close();
        } finally {
            elsewhere.shutdownNow();
        }

        assertThat(seen).hasValue("members=1 queued=1 found=false");
        assertThat(fixture.transportOf(other).data()).containsExactly("from elsewhere");
    }

    @Test
    void closeDuringADrainClosesTheTransportOnceAfterTheWrite() {
        RecordingTransport transport = new RecordingTransport();
        SseConnection c = open(transport, "r");
        AtomicInteger callbacks = new AtomicInteger();
        c.onClose(reason -> callbacks.incrementAndGet());
        transport.onWrite(frame -> c.close());

        registry.publish("r", SseEvent.of("1"));
        registry.publish("r", SseEvent.of("2"));

        assertThat(transport.data()).containsExactly("1");
        assertThat(transport.isClosed()).isTrue();
        // Closed on the publishing thread, which drains here: the callback runs on the scheduler.
        Await.await("the close callback", () -> callbacks.get() == 1);
        assertThat(c.closeReason()).isEqualTo(CloseReason.CLOSED_BY_APP);
        assertThat(transport.violations()).isEmpty();
    }

    @Test
    void clientGoneDuringADrainStopsIt() {
        RecordingTransport transport = RecordingTransport.notReady();
        SseConnection c = open(transport, "r");
        for (int i = 1; i <= 5; i++) {
            registry.publish("r", SseEvent.of(Integer.toString(i)));
        }
        transport.onWrite(frame -> transport.clientGone());

        transport.setReady(true);

        assertThat(transport.data()).containsExactly("1");
        assertThat(c.closeReason()).isEqualTo(CloseReason.CLIENT_GONE);
        assertThat(c.queuedFrames()).isZero();
        assertThat(transport.isClosed()).isTrue();
    }

    @Test
    void racingClosersAreHeardExactlyOnceWithTheWinningReason() throws Exception {
        int connections = 200;
        List<SseConnection> all = new ArrayList<>();
        Map<SseConnection, List<CloseReason>> heard = new LinkedHashMap<>();
        for (int i = 0; i < connections; i++) {
            SseConnection c = open("r" + i % 7);
            if (i % 2 == 1) {
                fixture.transportOf(c).failWrites(new IOException("broken pipe")); // a publish closes it too
            }
            List<CloseReason> reasons = new CopyOnWriteArrayList<>();
            c.onClose(reasons::add);
            all.add(c);
            heard.put(c, reasons);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> closers = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                int kind = k;
                closers.add(pool.submit(() -> {
                    start.await();
                    List<SseConnection> order = new ArrayList<>(all);
                    Collections.shuffle(order, new Random(kind));
                    for (SseConnection c : order) {
                        switch (kind) {
                            case 0 -> c.close();
                            case 1 -> fixture.transportOf(c).clientGone();
                            case 2 -> fixture.transportOf(c).streamFailed(new IOException("gone"));
                            default -> c.send(SseEvent.of("x"));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : closers) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        // A close found by a sender's drain runs its callbacks on the scheduler.
        Await.await(
                "every close callback",
                () -> all.stream().noneMatch(c -> heard.get(c).isEmpty()));
        for (SseConnection c : all) {
            assertThat(heard.get(c)).as("%s", c).containsExactly(c.closeReason());
            assertThat(c.rooms()).isEmpty();
        }
        assertThat(registry.stats().connections()).isZero();
        assertThat(registry.rooms()).isEmpty();
    }

    // ---- the registry closing ----------------------------------------------------------------

    @Test
    void closingTheRegistryClosesEveryConnectionWithShutdown() {
        List<SseConnection> all = List.of(open("a"), open("a", "b"), open(RecordingTransport.notReady()));
        List<CloseReason> heard = new CopyOnWriteArrayList<>();
        all.forEach(c -> c.onClose(heard::add));

        registry.close();

        assertThat(heard).containsExactly(CloseReason.SHUTDOWN, CloseReason.SHUTDOWN, CloseReason.SHUTDOWN);
        assertThat(all)
                .allSatisfy(c -> assertThat(fixture.transportOf(c).isClosed()).isTrue());
        assertThat(registry.stats().connections()).isZero();
        assertThat(registry.rooms()).isEmpty();
        assertThat(registry.stats().connections()).isZero();
    }

    @Test
    void shutdownWritesTheFinalEventThenCloses() {
        SseConnection a = open("r");
        SseConnection b = open();
        registry.publish("r", SseEvent.of("before"));
        SseEvent bye = SseEvent.builder()
                .type("bye")
                .data("restarting")
                .retry(Duration.ofSeconds(5))
                .build();

        boolean clean = registry.shutdown(bye, Duration.ofSeconds(10));

        assertThat(clean).isTrue();
        assertThat(fixture.transportOf(a).frames()).hasSize(2).first().isEqualTo("data: before\n\n");
        assertThat(List.of(
                        fixture.transportOf(a).frames().get(1),
                        fixture.transportOf(b).frames().get(0)))
                .allSatisfy(f -> assertThat(f).matches("event: bye\nretry: [0-9]+\ndata: restarting\n\n"));
        assertThat(fixture.transportOf(b).frames()).hasSize(1);
        assertThat(retryOf(fixture.transportOf(a).frames().get(1))).isBetween(5_000L, 10_000L);
        assertThat(retryOf(fixture.transportOf(b).frames().get(0))).isBetween(5_000L, 10_000L);
        assertThat(List.of(a, b)).allSatisfy(c -> {
            assertThat(c.closeReason()).isEqualTo(CloseReason.SHUTDOWN);
            assertThat(fixture.transportOf(c).isClosed()).isTrue();
        });
        assertThatThrownBy(() -> Connections.open(registry, new RecordingTransport(), ConnectOptions.of("late")))
                .isInstanceOf(IllegalStateException.class);
    }

    private static long retryOf(String frame) {
        Matcher m = Pattern.compile("retry: ([0-9]+)").matcher(frame);
        assertThat(m.find()).as("retry in %s", frame).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void theFinalEventsRetryIsSpreadBetweenItsOwnAndTwiceThatSoClientsDoNotReturnTogether() {
        List<SseConnection> connections = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            connections.add(open());
        }

        registry.shutdown(SseEvent.builder().retry(Duration.ofSeconds(10)).build(), Duration.ofSeconds(10));

        List<Long> retries = connections.stream()
                .map(c -> retryOf(fixture.transportOf(c).frames().get(0)))
                .toList();
        assertThat(retries).allSatisfy(r -> assertThat(r).isBetween(10_000L, 20_000L));
        assertThat(Set.copyOf(retries)).hasSizeGreaterThan(1);
    }

    @Test
    void aFinalEventThatCouldNotBePublishedIsRefusedAndTheRegistryStaysOpen() {
        registry.close();
        registry = fixture.build(fixture.builder().drainExecutor(Runnable::run).history(10));
        RecordingTransport transport = new RecordingTransport();
        open(transport, "r");

        // With history on, an id of the application's would replace each client's position.
        assertThatThrownBy(() ->
                        registry.shutdown(SseEvent.builder().id("7").data("bye").build(), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("id ");
        assertThatThrownBy(() -> registry.shutdown(SseEvent.of("reset", "{}"), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved");

        assertThat(registry.isClosed()).isFalse();
        assertThat(registry.stats().connections()).isEqualTo(1);
        assertThat(transport.text()).doesNotContain("bye");
    }

    @Test
    void shutdownWaitsWithinGraceForASlowStream() throws Exception {
        RecordingTransport slow = RecordingTransport.notReady();
        SseConnection c = open(slow, "r");
        registry.publish("r", SseEvent.of("pending"));

        // Once shutdown has queued the final event behind "pending", let the client read.
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            Await.await("final event queued", () -> c.queuedFrames() == 2);
            slow.setReady(true);
        });
        boolean clean = registry.shutdown(SseEvent.of("bye"), Duration.ofSeconds(10));
        reader.get(10, TimeUnit.SECONDS);

        assertThat(clean).isTrue();
        assertThat(slow.data()).containsExactly("pending", "bye");
        assertThat(c.closeReason()).isEqualTo(CloseReason.SHUTDOWN);
    }

    @Test
    void nothingFollowsTheFinalEventOfAShutdown() throws Exception {
        RecordingTransport slow = RecordingTransport.notReady();
        SseConnection c = open(slow, "r");

        CompletableFuture<Boolean> lateSend = CompletableFuture.supplyAsync(() -> {
            Await.await("final event queued", () -> c.queuedFrames() == 1);
            boolean queued = c.send(SseEvent.of("too late")).queued() == 1;
            slow.setReady(true);
            return queued;
        });
        registry.shutdown(SseEvent.of("bye"), Duration.ofSeconds(10));

        assertThat(lateSend.get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(slow.data()).containsExactly("bye");
        assertThatThrownBy(() -> registry.publish("r", SseEvent.of("later"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shutdownGivesUpOnAStuckStreamAfterGrace() {
        RecordingTransport stuck = RecordingTransport.notReady();
        SseConnection c = open(stuck);
        SseConnection fine = open();

        boolean clean = registry.shutdown(SseEvent.of("bye"), Duration.ofMillis(50));

        assertThat(clean).isFalse();
        assertThat(c.closeReason()).isEqualTo(CloseReason.SHUTDOWN);
        assertThat(stuck.isClosed()).isTrue();
        assertThat(stuck.text()).isEmpty();
        assertThat(fixture.transportOf(fine).data()).containsExactly("bye");
        assertThat(registry.stats().connections()).isZero();
    }
}
