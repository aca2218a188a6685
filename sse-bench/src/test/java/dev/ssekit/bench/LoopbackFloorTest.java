package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopbackFloorTest {

    @Test
    void writesPassAfterPassToEveryStreamAndReportsWhatAPassCost() throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        CompletableFuture<Void> sink = CompletableFuture.runAsync(() -> {
            try {
                LoopbackFloor.sink(server);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            LoopbackFloor.Result r = LoopbackFloor.write(port, 20, 100, Duration.ofMillis(300));

            assertThat(r.passes()).isPositive();
            assertThat(r.writes() + r.refused()).isEqualTo(20L * r.passes());
            assertThat(r.writes()).isPositive();
            assertThat(r.cpuMicrosPerWrite()).isPositive();
            assertThat(r.passP50Nanos()).isPositive().isLessThanOrEqualTo(r.passP99Nanos());
            assertThat(r.passP99Nanos()).isLessThanOrEqualTo(r.passMaxNanos());
            assertThat(r.report()).startsWith("connections 20, frame 100 B, ").contains(" writes/s, ");
        } finally {
            server.close();
            sink.get(10, TimeUnit.SECONDS); // the sink sees its channel closed and returns
        }
    }
}
