package dev.ssekit.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/**
 * What one core of this machine can write to many loopback streams with no HTTP server at all: the
 * floor under every fan-out figure of the benchmarks.
 *
 * <p>Two processes, so that each can be pinned like the bench server and the load generator:
 *
 * <pre>
 * taskset -c 1 java -cp sse-bench.jar dev.ssekit.bench.LoopbackFloor sink --port 8095
 * taskset -c 0 java -cp sse-bench.jar dev.ssekit.bench.LoopbackFloor write --port 8095 --connections 5000
 * </pre>
 *
 * <p>The sink accepts connections and reads and discards everything, on one thread. The writer
 * opens {@code --connections} sockets with {@code TCP_NODELAY} and then, for {@code --duration},
 * makes pass after pass over them, writing one frame of {@code --bytes} to each with its own system
 * call: what a server does when every stream is owed one small event. It reports the CPU time per
 * write and how long a pass over every stream takes. A fan-out at a fixed rate cannot deliver to
 * the last stream of a pass sooner than one pass after the event, so the pass time bounds its
 * latency from below on this core.
 *
 * <p>Not thread-safe; a command-line program, bounded by {@code --duration} and the connection
 * count, on 127.0.0.1 only.
 */
public final class LoopbackFloor {

    private LoopbackFloor() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || !(args[0].equals("sink") || args[0].equals("write"))) {
            System.err.println(
                    "usage: LoopbackFloor sink --port P | write --port P [--connections N] [--bytes B] [--duration D]");
            System.exit(2);
        }
        int port = 8095;
        int connections = 1_000;
        int bytes = 100;
        Duration duration = Duration.ofSeconds(10);
        for (int i = 1; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(v);
                case "--connections" -> connections = Integer.parseInt(v);
                case "--bytes" -> bytes = Integer.parseInt(v);
                case "--duration" -> duration = LoadGenerator.duration("duration", v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (connections < 1 || bytes < 1 || connections > 100_000 || duration.toSeconds() > 600) {
            throw new IllegalArgumentException("connections 1..100000, bytes ≥ 1, duration ≤ 10m");
        }
        if (args[0].equals("sink")) {
            sink(port);
        } else {
            System.out.println(write(port, connections, bytes, duration).report());
        }
    }

    /** Accepts and drains connections on {@code port} until the process is stopped. */
    static void sink(int port) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
            System.out.println("listening on 127.0.0.1:" + port);
            sink(server);
        }
    }

    /** Accepts and drains connections on a bound {@code server} until it is closed. */
    static void sink(ServerSocketChannel server) throws IOException {
        try (Selector selector = Selector.open()) {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            while (server.isOpen()) {
                selector.select(100);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        SocketChannel c;
                        while ((c = server.accept()) != null) {
                            c.configureBlocking(false);
                            c.register(selector, SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        SocketChannel c = (SocketChannel) key.channel();
                        buffer.clear();
                        if (c.read(buffer) < 0) {
                            key.cancel();
                            c.close();
                        }
                    }
                }
            }
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
        } catch (ClosedChannelException | ClosedSelectorException e) {
            // closed while selecting: the sink is done
        }
    }

    /** Connects, writes pass after pass for {@code duration}, and returns the report. */
    static Result write(int port, int connections, int bytes, Duration duration) throws IOException {
        SocketChannel[] channels = new SocketChannel[connections];
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try {
            for (int i = 0; i < connections; i++) {
                SocketChannel c = SocketChannel.open(address);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.configureBlocking(false);
                channels[i] = c;
            }
            byte[] frame = frame(bytes);
            ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            // A first second unmeasured, so that the loop is compiled before it is timed.
            pass(channels, buffer, frame, System.nanoTime() + 1_000_000_000L, null);
            long[] passNanos = new long[1 << 16];
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            long[] counts = pass(channels, buffer, frame, start + duration.toNanos(), passNanos);
            long elapsed = System.nanoTime() - start;
            long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
            int passes = (int) counts[2];
            long[] sorted = Arrays.copyOf(passNanos, Math.min(passes, passNanos.length));
            Arrays.sort(sorted);
            return new Result(
                    connections,
                    bytes,
                    passes,
                    counts[0],
                    counts[1],
                    elapsed,
                    cpu,
                    percentile(sorted, 0.50),
                    percentile(sorted, 0.99),
                    percentile(sorted, 1.0));
        } finally {
            for (SocketChannel c : channels) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    /**
     * What a run measured: writes made and refused (socket buffer full), the wall and CPU time of the
     * measured passes, and the pass times' percentiles, all times in nanoseconds.
     */
    record Result(
            int connections,
            int bytes,
            int passes,
            long writes,
            long refused,
            long elapsedNanos,
            long cpuNanos,
            long passP50Nanos,
            long passP99Nanos,
            long passMaxNanos) {

        /** CPU time of the writing thread per write, in microseconds. */
        double cpuMicrosPerWrite() {
            return cpuNanos / 1e3 / Math.max(1, writes);
        }

        String report() {
            return String.format(
                    Locale.ROOT,
                    "connections %d, frame %d B, %d passes in %.1f s: %,d writes (%,d refused: socket full),"
                            + " %,.0f writes/s, %.2f µs CPU per write (%.0f%% of the core);"
                            + " pass p50 / p99 / max %.1f / %.1f / %.1f ms",
                    connections,
                    bytes,
                    passes,
                    elapsedNanos / 1e9,
                    writes,
                    refused,
                    writes / (elapsedNanos / 1e9),
                    cpuMicrosPerWrite(),
                    100.0 * cpuNanos / elapsedNanos,
                    passP50Nanos / 1e6,
                    passP99Nanos / 1e6,
                    passMaxNanos / 1e6);
        }
    }

    /**
     * Writes one frame to every channel, pass after pass, until {@code deadline}.
     *
     * @return writes made, writes refused (socket buffer full), passes
     */
    private static long[] pass(SocketChannel[] channels, ByteBuffer buffer, byte[] frame, long deadline, long[] times)
            throws IOException {
        long writes = 0;
        long refused = 0;
        int passes = 0;
        while (System.nanoTime() < deadline) {
            long begin = System.nanoTime();
            for (SocketChannel c : channels) {
                buffer.clear();
                buffer.put(frame).flip();
                if (c.write(buffer) > 0) {
                    writes++;
                } else {
                    refused++;
                }
            }
            if (times != null && passes < times.length) {
                times[passes] = System.nanoTime() - begin;
            }
            passes++;
        }
        return new long[] {writes, refused, passes};
    }

    private static byte[] frame(int bytes) {
        byte[] frame = new byte[bytes];
        Arrays.fill(frame, (byte) 'x');
        byte[] head = "data: ".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, frame, 0, Math.min(head.length, bytes));
        if (bytes >= 2) {
            frame[bytes - 2] = '\n';
            frame[bytes - 1] = '\n';
        }
        return frame;
    }

    private static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
