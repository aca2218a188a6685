package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.bench.server.BenchServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The soak workload at its CI size: 2,000 steady streams, 50 events a second and 10 new streams a
 * second for 60 s against the library on 127.0.0.1, in this JVM. Runs where {@code CI=true} (about
 * 90 s); on a developer machine the smoke size in {@link WorkloadSmokeTest} stands in for it, and
 * {@code BENCHMARKS.md} gives the 10-minute command.
 */
@EnabledIfEnvironmentVariable(named = "CI", matches = "true")
class SoakTest {

    /** Heap after a full GC may wander this much over the run and still count as flat. */
    private static final long HEAP_MARGIN_BYTES = 48L << 20;

    @Test
    void steadyStreamsLoseNothingAndHeapAndThreadsStayFlat() throws Exception {
        try (BenchServer server = BenchServer.start(BenchServer.Impl.SSEKIT, "127.0.0.1", 0)) {
            WorkloadParams params = Workload.SOAK
                    .defaults(false)
                    .withPort(server.port())
                    .withDuration(Duration.ofSeconds(60))
                    .withPid(ProcessHandle.current().pid());

            RunResult r = WorkloadRunner.run(params);
            System.out.println(Report.single(r)); // the figures, in the build's log

            assertThat(r.firstError()).isNull();
            assertThat(r.connected()).isEqualTo(params.connections());
            assertThat(r.publishErrors()).isZero();
            assertThat(r.lost()).as("deliveries lost by streams that stayed").isZero();
            assertThat(r.duplicated()).isZero();
            assertThat(r.churnCycles()).isPositive();
            List<RunResult.HeapSample> samples = r.heapSamples();
            assertThat(samples).hasSizeGreaterThanOrEqualTo(4);
            long minHeap = samples.stream()
                    .mapToLong(RunResult.HeapSample::heapBytes)
                    .min()
                    .orElseThrow();
            long maxHeap = samples.stream()
                    .mapToLong(RunResult.HeapSample::heapBytes)
                    .max()
                    .orElseThrow();
            assertThat(maxHeap - minHeap)
                    .as("heap after GC over the run: %s", samples)
                    .isLessThanOrEqualTo(HEAP_MARGIN_BYTES);
            int minThreads = samples.stream()
                    .mapToInt(RunResult.HeapSample::threads)
                    .min()
                    .orElseThrow();
            int maxThreads = samples.stream()
                    .mapToInt(RunResult.HeapSample::threads)
                    .max()
                    .orElseThrow();
            assertThat(maxThreads - minThreads)
                    .as("threads over the run: %s", samples)
                    .isLessThanOrEqualTo(16);
        }
    }
}
