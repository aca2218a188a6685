package dev.ssekit.bench.jmh;

import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;

/**
 * A transport that is always ready and only counts the bytes it is given, so that a benchmark
 * measures the registry and nothing else.
 *
 * <p>The registry drives it from one thread at a time, as the SPI promises; the count is read by the
 * benchmark after the measurement, from the same thread.
 */
final class CountingTransport implements SseTransport {

    long bytes;
    long frames;

    @Override
    public void start(TransportListener listener) {
        // always ready: it never needs to report that it became writable
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public void write(SseFrame frame) {
        bytes += frame.size();
        frames++;
    }

    @Override
    public void flush() {
        // nothing is buffered
    }

    @Override
    public void close() {
        // nothing to release
    }
}
