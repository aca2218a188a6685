package dev.ssekit.bench;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive connection that publishes through {@code POST /sse}, one request at a time.
 *
 * <p>Confined to the engine's thread.
 */
final class Publisher implements LoadEngine.Handler, HttpResponseDecoder.Listener {

    private final LoadEngine engine;
    private final HttpResponseDecoder decoder = new HttpResponseDecoder(this);
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer out;
    private final StringBuilder errorBody = new StringBuilder();
    boolean connected;
    boolean busy;
    boolean closed;
    long seq = -1;
    long sentNanos; // when the request now in flight was written

    Publisher(LoadEngine engine) {
        this.engine = engine;
    }

    void open() throws IOException {
        channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connected = channel.connect(engine.server());
            key = channel.register(engine.selector(), connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
        } catch (IOException e) {
            closed = true;
            channel.close();
            throw e;
        }
    }

    /** Returns whether a request can be sent now. */
    boolean isIdle() {
        return connected && !busy && !closed;
    }

    /** Sends one complete request for event {@code seq}. */
    void send(long seq, byte[] requestBytes) throws IOException {
        this.seq = seq;
        this.busy = true;
        this.sentNanos = System.nanoTime();
        out = ByteBuffer.wrap(requestBytes);
        channel.write(out);
        key.interestOps(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    @Override
    public void onSelected(SelectionKey selected) throws IOException {
        if (closed || !selected.isValid()) {
            return;
        }
        int ops = selected.readyOps();
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
            if (!channel.finishConnect()) {
                return;
            }
            connected = true;
            key.interestOps(SelectionKey.OP_READ);
            return;
        }
        if ((ops & SelectionKey.OP_WRITE) != 0 && out != null && out.hasRemaining()) {
            channel.write(out);
            if (!out.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ);
            }
        }
        if ((ops & SelectionKey.OP_READ) != 0) {
            ByteBuffer buffer = engine.readBuffer();
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                onFailure(new IOException("server closed the publishing connection"));
                return;
            }
            decoder.feed(buffer.array(), 0, n);
        }
    }

    @Override
    public void onHeaders(HttpResponseDecoder response) {
        errorBody.setLength(0);
    }

    @Override
    public void onBody(byte[] bytes, int offset, int length) {
        if (decoder.status() != 200 && errorBody.length() < 200) {
            errorBody.append(new String(bytes, offset, Math.min(length, 200), StandardCharsets.UTF_8));
        }
    }

    @Override
    public void onComplete() {
        long done = seq;
        seq = -1;
        busy = false;
        out = null;
        if (decoder.status() == 200) {
            engine.onAck(this, done);
        } else {
            engine.onPublishError(this, done, "POST /sse answered " + decoder.status() + " " + errorBody);
        }
        if (decoder.connectionClose()) {
            close();
        }
    }

    @Override
    public void onFailure(IOException e) {
        long failed = seq;
        close();
        if (failed >= 0) {
            engine.onPublishError(this, failed, "POST /sse failed: " + e);
        }
    }

    /** Closes the connection; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        busy = false;
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a connection we are done with; nothing to do
        }
    }
}
