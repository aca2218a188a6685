package dev.ssekit.bench.jmh;

import dev.ssekit.PublishResult;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long delivering one event to one connection takes, and (with {@code -prof gc}) how many
 * bytes it allocates, when a registry publishes to 10,000 connections whose transports only count
 * bytes. Each operation is one delivery: a publish to everyone counts as 10,000 operations.
 *
 * <pre>
 * java -jar sse-bench/target/sse-bench.jar FanOutBenchmark -prof gc
 * </pre>
 *
 * <p>The registry drains on the publishing thread ({@code drainExecutor(Runnable::run)}), so the
 * figure covers the whole path on one thread: encode once, offer to every queue, then write and
 * flush each connection. With the default drain thread the publisher would return after the offers
 * and the writes would run on another thread, beyond what JMH measures.
 *
 * <p>A JMH state object: JMH confines each instance to the threads its scope allows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class FanOutBenchmark {

    /** Connections every publish reaches. */
    public static final int CONNECTIONS = 10_000;

    private SseRegistry registry;
    private CountingTransport[] transports;
    private SseEvent event;

    /** Creates the state; JMH calls this. */
    public FanOutBenchmark() {}

    /** Opens the connections; heartbeats and write deadlines are off, so nothing else runs. */
    @Setup(Level.Trial)
    public void setUp() {
        registry = SseRegistry.builder()
                .heartbeat(null)
                .writeTimeout(null)
                .drainExecutor(Runnable::run)
                .build();
        transports = new CountingTransport[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++) {
            transports[i] = new CountingTransport();
            Connections.open(registry, transports[i], ConnectOptions.of("bench"));
        }
        event = SseEvent.of("tick", "{\"symbol\":\"EURUSD\",\"bid\":1.0842,\"ask\":1.0843}");
    }

    /**
     * Checks that every connection received every event published, so the figure is not that of a short
     * cut, and closes the registry.
     *
     * @throws IllegalStateException if a connection missed a frame or was closed
     */
    @TearDown(Level.Trial)
    public void tearDown() {
        long first = transports[0].frames;
        for (CountingTransport t : transports) {
            if (t.frames != first || t.frames == 0) {
                throw new IllegalStateException(
                        "connections received different frame counts: " + first + " and " + t.frames);
            }
        }
        if (registry.stats().connections() != CONNECTIONS) {
            throw new IllegalStateException("connections closed during the benchmark: " + registry.stats());
        }
        registry.close();
    }

    /** Publishes one event to every connection. */
    @Benchmark
    @OperationsPerInvocation(CONNECTIONS)
    public PublishResult publish() {
        return registry.publish(event);
    }
}
