package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.bench.server.BenchServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every workload at its smoke size against each server implementation, on 127.0.0.1 in this
 * JVM, and checks that the report is complete and, except where clients are stalled on purpose,
 * that nothing was lost or duplicated.
 */
class WorkloadSmokeTest {

    private static final Map<BenchServer.Impl, BenchServer> SERVERS = new EnumMap<>(BenchServer.Impl.class);

    @BeforeAll
    static void startServers() throws Exception {
        for (BenchServer.Impl impl : implementations()) {
            SERVERS.put(impl, BenchServer.start(impl, "127.0.0.1", 0));
        }
    }

    @AfterAll
    static void stopServers() {
        SERVERS.values().forEach(BenchServer::close);
    }

    static List<BenchServer.Impl> implementations() {
        return List.of(BenchServer.Impl.NAIVE, BenchServer.Impl.SSEKIT);
    }

    static Stream<Arguments> runs() {
        return implementations().stream()
                .flatMap(impl -> Stream.of(Workload.values())
                        .filter(w -> w != Workload.RECONNECT_STORM) // needs a history: ReconnectStormTest
                        .map(w -> Arguments.of(impl, w)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("runs")
    void smokeRunReportsEverythingAndLosesNothing(BenchServer.Impl impl, Workload workload) throws Exception {
        WorkloadParams params =
                workload.defaults(true).withPort(SERVERS.get(impl).port());
        boolean probesMemory =
                workload == Workload.IDLE_MEMORY || workload == Workload.SLOW_CONSUMERS || workload == Workload.SOAK;
        if (probesMemory) {
            params = params.withPid(ProcessHandle.current().pid()); // the server runs in this JVM
        }

        RunResult r = WorkloadRunner.run(params);

        assertThat(r.firstError()).isNull();
        assertThat(r.workload()).isEqualTo(workload.command());
        assertThat(r.impl()).isEqualTo(impl.label());
        assertThat(r.smoke()).isTrue();
        assertThat(r.connected()).isEqualTo(params.connections() + params.stalled());
        assertThat(r.connectFailures()).isZero();
        assertThat(r.openMillis()).isPositive();
        assertThat(r.connectP99Millis()).isPositive();
        assertThat(r.loadgenCpuPercent()).isNotNegative();
        assertThat(r.java()).isNotBlank();
        assertThat(r.duplicated()).isZero();
        if (workload != Workload.IDLE_MEMORY) {
            assertThat(r.eventsPublished()).isPositive();
            assertThat(r.eventsInWindow()).isPositive();
            assertThat(r.publishErrors()).isZero();
            assertThat(r.deliveriesPerSecond()).isPositive();
            assertThat(r.latencyCount()).isPositive();
            assertThat(r.p50Millis()).isPositive();
            assertThat(r.p50Millis()).isLessThanOrEqualTo(r.p90Millis());
            assertThat(r.p90Millis()).isLessThanOrEqualTo(r.p99Millis());
            assertThat(r.p99Millis()).isLessThanOrEqualTo(r.maxMillis());
            assertThat(r.expected()).isPositive();
            assertThat(r.received()).isGreaterThanOrEqualTo(r.expected() - r.lost());
        }
        if (workload != Workload.SLOW_CONSUMERS) {
            assertThat(r.lost()).as("lost deliveries").isZero();
            assertThat(r.streamsEndedByServer()).isZero();
        }
        if (workload == Workload.FANOUT
                || workload == Workload.SLOW_CONSUMERS
                || workload == Workload.CHURN
                || workload == Workload.SOAK) {
            assertThat(r.eventsTarget()).isPositive();
        }
        if (probesMemory) {
            assertThat(r.serverHeapAfterBytes()).isPositive();
            assertThat(r.serverRssAfterBytes()).isPositive();
            assertThat(r.serverCpuPercent()).isNotNull();
        }
        if (workload == Workload.IDLE_MEMORY) {
            assertThat(r.serverHeapBeforeBytes()).isPositive();
            assertThat(r.serverRssBeforeBytes()).isPositive();
            assertThat(r.heapPerConnectionBytes()).isNotNull();
            assertThat(r.rssPerConnectionBytes()).isNotNull();
        }
        if (workload == Workload.SLOW_CONSUMERS) {
            assertThat(r.heapSamples())
                    .hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(s -> assertThat(s.heapBytes()).isPositive());
        }
        if (workload == Workload.SOAK) {
            assertThat(r.heapSamples()).hasSizeGreaterThanOrEqualTo(2).allSatisfy(s -> {
                assertThat(s.heapBytes()).isPositive();
                assertThat(s.threads()).isPositive();
            });
        }
        if (workload == Workload.CHURN || workload == Workload.SOAK) {
            assertThat(r.churnCycles()).isPositive();
            assertThat(r.churnCyclesPerSecond()).isPositive();
        }
        String json = LoadGenerator.JSON.writeValueAsString(r);
        assertThat(LoadGenerator.JSON.readValue(json, RunResult.class)).isEqualTo(r);
        assertThat(Report.single(r)).contains("| workload | " + workload.command());
    }

    @Test
    void commandLineWritesTheResultAndPrintsItsTable(@TempDir Path out) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int status = LoadGenerator.run(
                new String[] {
                    "fanout",
                    "--smoke",
                    "--port",
                    Integer.toString(SERVERS.get(BenchServer.Impl.NAIVE).port()),
                    "--connections",
                    "5",
                    "--duration",
                    "500ms",
                    "--label",
                    "baseline-check",
                    "--out",
                    out.toString()
                },
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(status).isZero();
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("| server | baseline-check |")
                .contains("| streams | 5, 5 connected |");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).singleElement().satisfies(f -> {
                assertThat(f.getFileName().toString())
                        .startsWith("fanout-baseline-check-5-")
                        .endsWith(".json");
                assertThat(LoadGenerator.JSON
                                .readValue(f.toFile(), RunResult.class)
                                .lost())
                        .isZero();
            });
        }
    }
}
