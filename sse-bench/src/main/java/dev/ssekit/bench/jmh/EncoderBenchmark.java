package dev.ssekit.bench.jmh;

import dev.ssekit.SseEvent;
import dev.ssekit.spi.SseFrame;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long encoding one event takes, and (with {@code -prof gc}) how many bytes it allocates: a
 * small event, a multi-line one, and one with 64 KiB of data.
 *
 * <pre>
 * java -jar sse-bench/target/sse-bench.jar EncoderBenchmark -prof gc
 * </pre>
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
public class EncoderBenchmark {

    /** The event's shape: {@code small}, {@code multiline} or {@code 64KiB}. */
    @Param({"small", "multiline", "64KiB"})
    public String shape;

    private SseEvent event;

    /** Creates the state; JMH calls this. */
    public EncoderBenchmark() {}

    /** Builds the event of the chosen shape. */
    @Setup
    public void setUp() {
        event = event(shape);
    }

    /** Returns an event of {@code shape}. */
    static SseEvent event(String shape) {
        return switch (shape) {
            // A typical live update: an id, a type and a short JSON object.
            case "small" ->
                SseEvent.builder()
                        .id("1700000000-42")
                        .type("tick")
                        .data("{\"symbol\":\"EURUSD\",\"bid\":1.0842,\"ask\":1.0843}")
                        .build();
            // Pretty-printed JSON: every line becomes a data: line.
            case "multiline" ->
                SseEvent.builder()
                        .id("1700000000-43")
                        .type("order")
                        .data("{\n  \"id\": 981,\n  \"status\": \"filled\",\n  \"qty\": 250,\n"
                                + "  \"price\": 101.25,\n  \"venue\": \"XLON\"\n}")
                        .build();
            case "64KiB" ->
                SseEvent.builder()
                        .id("1700000000-44")
                        .type("snapshot")
                        .data("{\"blob\":\"" + "x".repeat(64 * 1024 - 11) + "\"}")
                        .build();
            default -> throw new IllegalArgumentException("shape: unknown \"" + shape + "\"");
        };
    }

    /** Encodes the event into a frame. */
    @Benchmark
    public SseFrame encode() {
        return SseFrame.encode(event);
    }
}
