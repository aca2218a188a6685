package dev.ssekit.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.PublishResult;
import org.junit.jupiter.api.Test;

/** Runs the benchmarks' code once outside JMH, so that a broken benchmark fails the build, not a run. */
class BenchmarkStateTest {

    @Test
    void eachShapeEncodesToAFrameOfTheExpectedSize() {
        EncoderBenchmark b = new EncoderBenchmark();
        for (String shape : new String[] {"small", "multiline", "64KiB"}) {
            b.shape = shape;
            b.setUp();
            assertThat(b.encode().toString()).endsWith("\n\n");
        }
        assertThat(EncoderBenchmark.event("64KiB").data()).hasSize(64 * 1024);
        assertThat(EncoderBenchmark.event("multiline").data().lines()).hasSize(7);
        b.shape = "multiline";
        b.setUp();
        assertThat(b.encode().toString()).contains("data:   \"id\": 981,\n");
    }

    @Test
    void publishReachesEveryConnectionAndTearDownChecksIt() {
        FanOutBenchmark b = new FanOutBenchmark();
        b.setUp();
        PublishResult first = b.publish();
        PublishResult second = b.publish();
        assertThat(first.queued()).isEqualTo(FanOutBenchmark.CONNECTIONS);
        assertThat(second.queued()).isEqualTo(FanOutBenchmark.CONNECTIONS);
        b.tearDown();
    }
}
