package dev.ssekit.bench;

import java.io.IOException;
import java.net.ProtocolException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.BitSet;

/**
 * One event stream opened by the load generator: {@code GET /sse} on a non-blocking socket, the
 * response decoded and parsed as it arrives, and every event's sequence number recorded.
 *
 * <p>Confined to the engine's thread.
 */
final class SseClient implements LoadEngine.Handler, HttpResponseDecoder.Listener, SseParser.Listener {

    /** What the client is for. */
    enum Kind {
        /** Reads everything for the whole run. */
        STEADY,
        /** Reads its {@code connected} event, then never reads again. */
        STALLED,
        /** Reads for a while, waits for what it is owed, and disconnects. */
        CHURN,
        /**
         * Reads up to its stop event, keeps that event's id and disconnects: the first half of a
         * reconnect storm.
         */
        RECORD,
        /** Reconnects with the id a {@link #RECORD} stream kept as its {@code Last-Event-ID}. */
        RESUME
    }

    final Kind kind;
    private final LoadEngine engine;
    private final HttpResponseDecoder decoder = new HttpResponseDecoder(this);
    private final SseParser parser = new SseParser(this);
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer request;

    long connectStartNanos;
    long connectedNanos;
    /** The first sequence number published after this client was registered; it is owed all from here. */
    long fromSeq = -1;

    final BitSet received = new BitSet();
    boolean connected;
    boolean closed;
    boolean receiving;
    boolean leaving;
    boolean finalized;
    /** Sequence numbers owed at the time of leaving and not yet received. */
    BitSet missing;

    int missingCount;
    long expected;
    long leaveDeadlineNanos;
    long leaveAtNanos;

    // ---- reconnect storm
    /** The sequence number at which a {@link Kind#RECORD} stream stops, or a resumed stream resumes after. */
    long stopSeq = -1;
    /** The id of the stop event, as the server sent it; {@code null} until it arrived. */
    String stopId;
    /** When the request was written in full, or 0. */
    long requestSentNanos;
    /** The newest event published when the request was written: the end of what is replayed. */
    long catchUpSeq = -1;

    boolean firstReceived;
    boolean caughtUp;
    long maxSeq = -1;

    SseClient(LoadEngine engine, Kind kind) {
        this.engine = engine;
        this.kind = kind;
    }

    void open(ByteBuffer requestBytes, long nowNanos) throws IOException {
        this.request = requestBytes;
        this.connectStartNanos = nowNanos;
        channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean done = channel.connect(engine.nextStreamServer());
            key = channel.register(engine.selector(), done ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, this);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
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
            key.interestOps(SelectionKey.OP_WRITE);
            ops |= SelectionKey.OP_WRITE;
        }
        if ((ops & SelectionKey.OP_WRITE) != 0 && request != null) {
            channel.write(request);
            if (!request.hasRemaining()) {
                request = null;
                requestSentNanos = System.nanoTime();
                engine.onRequestSent(this);
                key.interestOps(SelectionKey.OP_READ);
            }
            return;
        }
        if ((ops & SelectionKey.OP_READ) != 0) {
            read();
        }
    }

    private void read() throws IOException {
        ByteBuffer buffer = engine.readBuffer();
        for (int round = 0; round < 4 && !closed; round++) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                engine.onStreamEnded(this, null);
                return;
            }
            if (n == 0) {
                return;
            }
            engine.stampReceiveTime();
            decoder.feed(buffer.array(), 0, n);
            if (closed || n < buffer.capacity() || key.interestOps() == 0) {
                return;
            }
        }
    }

    /** Stops reading: the socket's receive buffer fills, then the server's send buffer. */
    void stopReading() {
        if (key != null && key.isValid()) {
            key.interestOps(0);
        }
    }

    @Override
    public void onHeaders(HttpResponseDecoder response) throws IOException {
        if (response.status() != 200) {
            throw new ProtocolException("GET /sse answered " + response.status());
        }
        engine.onImpl(response.impl());
    }

    @Override
    public void onBody(byte[] bytes, int offset, int length) throws IOException {
        parser.feed(bytes, offset, length);
    }

    @Override
    public void onComplete() {
        engine.onStreamEnded(this, null);
    }

    @Override
    public void onEvent(SseParser event) {
        if (event.isType(LoadEngine.RESET)) {
            engine.onReset(this);
            return;
        }
        if (event.isType(LoadEngine.CONNECTED)) {
            if (!connected) {
                engine.onConnected(this);
            }
            return;
        }
        if (!event.isUntyped() && !event.isType(LoadEngine.MESSAGE)) {
            return;
        }
        long seq = SseParser.longAfter(event.data(), event.dataLength(), LoadEngine.SEQ_KEY);
        long micros = SseParser.longAfter(event.data(), event.dataLength(), LoadEngine.TIME_KEY);
        if (seq >= 0 && micros >= 0) {
            engine.onDelivery(this, seq, micros);
        }
    }

    /** Returns the last event id read on this stream, or the empty string. */
    String lastEventId() {
        return parser.lastEventId();
    }

    @Override
    public void onFailure(IOException e) {
        engine.onStreamEnded(this, e);
    }

    /** Closes the socket; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (key != null) {
            key.cancel();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a socket we are done with; nothing to do
            }
        }
    }
}
