package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Heartbeats and the write deadline, driven by a fake clock and a scheduler whose sweep runs only
 * when the test says so.
 */
class SseRegistryHeartbeatTest {

    private static final String PING = ":ping\n\n";

    @RegisterExtension
    final RegistryFixture fixture = new RegistryFixture();

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private SseRegistry registry;

    private SseRegistry.Builder builder() {
        return fixture.builder()
                .drainExecutor(Runnable::run)
                .ticker(clock)
                .scheduler(scheduler)
                .heartbeat(Duration.ofSeconds(10));
    }

    private SseConnection open(RecordingTransport transport, ConnectOptions options) {
        return fixture.open(registry, transport, options);
    }

    private SseConnection open(RecordingTransport transport, String... rooms) {
        return open(transport, ConnectOptions.builder("client").rooms(rooms).build());
    }

    /** Moves the clock, then runs the sweep as the scheduler would. */
    private void tick(Duration d) {
        clock.advance(d);
        scheduler.runPending();
    }

    @Test
    void oneSweepServesEveryConnection() {
        registry = fixture.build(builder());
        for (int i = 0; i < 5; i++) {
            open(new RecordingTransport());
        }

        assertThat(scheduler.pending)
                .singleElement()
                .satisfies(sweep ->
                        assertThat(sweep.atNanos() - clock.read()).isPositive().isLessThanOrEqualTo(10_000_000_000L));
    }

    @Test
    void idleConnectionHearsAHeartbeatComment() {
        registry = fixture.build(builder());
        RecordingTransport t = new RecordingTransport();
        open(t);

        tick(Duration.ofMillis(9_999));
        assertThat(t.frames()).isEmpty();

        tick(Duration.ofMillis(1));
        assertThat(t.frames()).containsExactly(PING);
        assertThat(t.parsed().messages()).as("browsers dispatch nothing").isEmpty();
        assertThat(registry.stats().heartbeats()).isEqualTo(1);

        tick(Duration.ofSeconds(5));
        assertThat(t.frames()).as("idle again only since the heartbeat").containsExactly(PING);
        tick(Duration.ofSeconds(5));
        assertThat(t.frames()).containsExactly(PING, PING);
    }

    @Test
    void busyConnectionHearsNoHeartbeat() {
        registry = fixture.build(builder());
        RecordingTransport busy = new RecordingTransport();
        SseConnection busyConnection = open(busy);
        RecordingTransport idle = new RecordingTransport();
        open(idle);

        tick(Duration.ofSeconds(6));
        busyConnection.send(SseEvent.of("news"));
        tick(Duration.ofSeconds(4));

        assertThat(busy.frames()).containsExactly("data: news\n\n");
        assertThat(idle.frames()).containsExactly(PING);

        tick(Duration.ofSeconds(6));
        assertThat(busy.frames()).containsExactly("data: news\n\n", PING);
        assertThat(idle.frames()).containsExactly(PING);
    }

    @Test
    void heartbeatsDoNotPileUpBehindAStalledWrite() {
        registry = fixture.build(builder());
        RecordingTransport stalled = RecordingTransport.notReady();
        SseConnection c = open(stalled);

        for (int i = 0; i < 10; i++) {
            tick(Duration.ofSeconds(10));
        }

        assertThat(c.queuedFrames())
                .as("one heartbeat waits; no more are added behind it")
                .isEqualTo(1);
        assertThat(registry.stats().heartbeats()).isEqualTo(1);
    }

    @Test
    void heartbeatPassesEveryEventTypeFilter() {
        registry = fixture.build(builder());
        RecordingTransport t = new RecordingTransport();
        open(t, ConnectOptions.builder("a").eventTypes("tick").build());

        tick(Duration.ofSeconds(10));

        assertThat(t.frames()).containsExactly(PING);
    }

    @Test
    void heartbeatsCanBeTurnedOff() {
        registry = fixture.build(builder().heartbeat(null));
        assertThat(scheduler.pending).isEmpty();
        registry.close();

        registry = fixture.build(builder().heartbeat(Duration.ZERO));
        RecordingTransport t = new RecordingTransport();
        open(t);
        tick(Duration.ofHours(1));

        assertThat(scheduler.pending).isEmpty();
        assertThat(t.frames()).isEmpty();
    }

    @Test
    void heartbeatThatCannotBeWrittenRemovesTheConnectionEverywhere() {
        registry = fixture.build(builder());
        RecordingTransport dead = new RecordingTransport();
        SseConnection deadConnection = open(dead, "a", "b");
        RecordingTransport alive = new RecordingTransport();
        SseConnection aliveConnection = open(alive, "b");
        List<CloseReason> heard = new ArrayList<>();
        deadConnection.onClose(heard::add);
        dead.failWrites(new IOException("broken pipe"));

        tick(Duration.ofSeconds(10));

        assertThat(heard).containsExactly(CloseReason.WRITE_FAILED);
        assertThat(dead.isClosed()).isTrue();
        assertThat(deadConnection.rooms()).isEmpty();
        assertThat(registry.rooms()).containsExactly("b");
        assertThat(registry.members("b")).containsExactly(aliveConnection);
        assertThat(registry.connections()).containsExactly(aliveConnection);
        assertThat(registry.connection(deadConnection.id())).isEmpty();
        assertThat(alive.frames()).containsExactly(PING);

        tick(Duration.ofSeconds(10));
        assertThat(heard).as("heard once").hasSize(1);
    }

    @Test
    void neverReadyTransportIsClosedAsStalledAfterTheWriteTimeout() {
        registry = fixture.build(builder().writeTimeout(Duration.ofSeconds(30)));
        RecordingTransport stuck = RecordingTransport.notReady();
        SseConnection stuckConnection = open(stuck, "r");
        RecordingTransport healthy = new RecordingTransport();
        open(healthy, "r");

        tick(Duration.ofSeconds(10)); // the heartbeat is queued, and the drain finds it not ready
        tick(Duration.ofMillis(29_999));
        assertThat(stuckConnection.isOpen()).isTrue();

        tick(Duration.ofMillis(1));
        assertThat(stuckConnection.closeReason()).isEqualTo(CloseReason.STALLED);
        assertThat(stuck.isClosed()).isTrue();
        assertThat(registry.members("r")).hasSize(1);
        assertThat(registry.stats().connections()).isEqualTo(1);
    }

    @Test
    void writeDeadlineCountsOnlyFromTheLastStall() {
        registry = fixture.build(builder().heartbeat(null).writeTimeout(Duration.ofSeconds(30)));
        RecordingTransport t = RecordingTransport.notReady();
        SseConnection c = open(t, "r");

        registry.publish("r", SseEvent.of("1")); // stalls at 0 s
        tick(Duration.ofSeconds(20));
        t.readyFor(1); // progress at 20 s; stalls again right after the write
        tick(Duration.ofSeconds(29));
        assertThat(c.isOpen()).isTrue();

        registry.publish("r", SseEvent.of("2")); // stalled since 20 s, still waiting
        tick(Duration.ofSeconds(1));
        assertThat(c.closeReason()).isEqualTo(CloseReason.STALLED);
        assertThat(t.data()).containsExactly("1");
    }

    @Test
    void writeDeadlineHoldsWhateverTheTickerReads() {
        // System.nanoTime() may read anything, zero and negative numbers included.
        MutableClock epoch = new MutableClock(Instant.EPOCH.minusSeconds(15));
        registry = fixture.build(builder().ticker(epoch).heartbeat(null).writeTimeout(Duration.ofSeconds(30)));
        RecordingTransport stuck = RecordingTransport.notReady();
        SseConnection c = open(stuck, "r");

        registry.publish("r", SseEvent.of("1")); // stalls at -15 s
        epoch.advance(Duration.ofSeconds(15));
        scheduler.runPending(); // at 0
        assertThat(c.isOpen()).isTrue();
        epoch.advance(Duration.ofSeconds(15));
        scheduler.runPending();

        assertThat(c.closeReason()).isEqualTo(CloseReason.STALLED);
    }

    @Test
    void heartbeatsAndWriteDeadlinesKeepTheirPaceWhenTheWallClockSteps() {
        registry = fixture.build(builder().writeTimeout(Duration.ofSeconds(30)));
        RecordingTransport idle = new RecordingTransport();
        open(idle);
        RecordingTransport stuck = RecordingTransport.notReady();
        SseConnection waiting = open(stuck, "r");
        registry.publish("r", SseEvent.of("1")); // waits from now on

        clock.stepWallClock(Duration.ofHours(-1));
        tick(Duration.ofSeconds(10));
        assertThat(idle.frames()).as("a step back stops no heartbeat").containsExactly(PING);

        clock.stepWallClock(Duration.ofHours(2));
        tick(Duration.ofSeconds(1));
        assertThat(waiting.isOpen()).as("a step forward stalls no connection").isTrue();
    }

    @Test
    void idleButWritableConnectionIsNeverStalled() {
        registry = fixture.build(builder().heartbeat(null).writeTimeout(Duration.ofSeconds(30)));
        SseConnection c = open(new RecordingTransport());

        tick(Duration.ofHours(1));

        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void closingTheRegistryEndsItsSweepButLeavesTheGivenScheduler() {
        registry = fixture.build(builder());
        assertThat(scheduler.pending).hasSize(1);

        registry.close();
        tick(Duration.ofHours(1)); // the sweep due runs, finds the registry closed and stops

        assertThat(scheduler.pending).isEmpty();
        AtomicBoolean ran = new AtomicBoolean();
        scheduler.schedule(Duration.ZERO, () -> ran.set(true));
        scheduler.runPending();
        assertThat(ran).as("the given scheduler still runs tasks").isTrue();
    }

    @Test
    void defaultSchedulerSendsHeartbeatsOnItsOwn() {
        registry = fixture.build(SseRegistry.builder().heartbeat(Duration.ofMillis(20)));
        RecordingTransport t = new RecordingTransport();
        open(t);

        Await.await(
                "a heartbeat from the registry's own scheduler",
                () -> t.frames().contains(PING));
    }
}
