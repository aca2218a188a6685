package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.bench.server.BenchServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the reconnect storm at its smoke size against the library's servlet with a history, on
 * 127.0.0.1 in this JVM: every stream must be served its replay and the live events after it,
 * nothing lost, duplicated, reset or out of order.
 */
class ReconnectStormTest {

    @Test
    void everyStreamResumesWithExactlyWhatItMissed() throws Exception {
        WorkloadParams params = Workload.RECONNECT_STORM.defaults(true);
        try (BenchServer server = BenchServer.start(
                BenchServer.Impl.SSEKIT, "127.0.0.1", 0, BenchServer.Owner.SESSION, null, params.history())) {
            RunResult r = WorkloadRunner.run(params.withPort(server.port()));

            assertThat(r.firstError()).isNull();
            assertThat(r.workload()).isEqualTo("reconnect-storm");
            assertThat(r.connected()).isEqualTo(params.connections());
            RunResult.Storm s = r.storm();
            assertThat(s).isNotNull();
            assertThat(s.history()).isEqualTo(params.history());
            assertThat(s.recorded()).isEqualTo(params.connections());
            assertThat(s.reconnected()).isEqualTo(params.connections());
            assertThat(s.served()).as("streams served their replay").isEqualTo(params.connections());
            assertThat(s.caughtUp()).isEqualTo(params.connections());
            assertThat(s.resets()).isZero();
            assertThat(s.outOfOrder()).isZero();
            assertThat(s.stormMillis()).isPositive();
            assertThat(s.firstReplayP50Millis()).isPositive();
            assertThat(s.firstReplayP99Millis()).isGreaterThanOrEqualTo(s.firstReplayP50Millis());
            assertThat(s.caughtUpP99Millis()).isGreaterThanOrEqualTo(s.firstReplayP99Millis());
            assertThat(s.publishesBefore()).isPositive();
            assertThat(s.publishBeforeP99Millis()).isPositive();
            assertThat(s.publishesDuring()).isPositive();
            // Each stream is owed at least its replay: from its stop event to the end of the history.
            long replayed = 0;
            int first = params.history() / 10;
            for (int i = 0; i < params.connections(); i++) {
                long stop = first + (long) i * (params.history() - first) / params.connections();
                replayed += params.history() - 1 - stop;
            }
            assertThat(r.expected()).isGreaterThanOrEqualTo(replayed);
            assertThat(r.lost()).as("lost deliveries").isZero();
            assertThat(r.duplicated()).as("duplicated deliveries").isZero();
            assertThat(r.streamsEndedByServer()).isZero();
            assertThat(r.publishErrors()).isZero();
            String json = LoadGenerator.JSON.writeValueAsString(r);
            assertThat(LoadGenerator.JSON.readValue(json, RunResult.class)).isEqualTo(r);
            assertThat(Report.single(r))
                    .contains("| workload | reconnect-storm (smoke) |")
                    .contains("storm: first replayed event p50 / p99 / max");
            assertThat(Report.tables(List.of(r), "chart.svg")).contains("#### reconnect-storm");
        }
    }

    @Test
    void aHistoryTooShortForEveryStreamToStopAtItsOwnEventIsRefused() {
        WorkloadParams params =
                Workload.RECONNECT_STORM.defaults(true).withConnections(100).withHistory(100);
        assertThatThrownBy(() -> WorkloadRunner.run(params))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("history");
    }

    @Test
    void theBaselineHasNoHistory() {
        assertThatThrownBy(() ->
                        BenchServer.start(BenchServer.Impl.NAIVE, "127.0.0.1", 0, BenchServer.Owner.SESSION, null, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("history");
    }
}
