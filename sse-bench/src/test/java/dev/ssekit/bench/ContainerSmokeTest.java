package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.bench.server.BenchServer;
import dev.ssekit.bench.server.BenchServer.Container;
import dev.ssekit.bench.server.BenchServer.Impl;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Starts the bench server on each container, with each implementation, on 127.0.0.1 in this JVM,
 * and runs the fanout workload at its smoke size against it: every stream opens, every event
 * reaches every stream once, and the server names itself as on Jetty.
 */
class ContainerSmokeTest {

    static Stream<Arguments> servers() {
        return Stream.of(Container.values())
                .flatMap(c -> Stream.of(Impl.values()).map(i -> Arguments.of(c, i)));
    }

    @ParameterizedTest(name = "fanout on {1} @ {0}")
    @MethodSource("servers")
    void fanoutSmokeLosesNothingOnEveryContainer(Container container, Impl impl) throws Exception {
        try (BenchServer server = BenchServer.start(impl, container, "127.0.0.1", 0, BenchServer.Owner.SESSION, null)) {
            WorkloadParams params = Workload.FANOUT.defaults(true).withPort(server.port());

            RunResult r = WorkloadRunner.run(params);

            assertThat(r.firstError()).isNull();
            assertThat(r.impl()).as("X-Bench-Impl").isEqualTo(impl.label());
            assertThat(r.connected()).isEqualTo(params.connections());
            assertThat(r.connectFailures()).isZero();
            assertThat(r.publishErrors()).isZero();
            assertThat(r.eventsPublished()).isPositive();
            assertThat(r.expected()).isPositive();
            assertThat(r.received()).isGreaterThanOrEqualTo(r.expected());
            assertThat(r.lost()).as("lost deliveries").isZero();
            assertThat(r.duplicated()).as("duplicated deliveries").isZero();
            assertThat(r.streamsEndedByServer()).isZero();
        }
    }
}
