package dev.ssekit.bench;

import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A parser of the {@code text/event-stream} format that works on bytes and allocates nothing per
 * event once its buffers have grown to the largest line seen.
 *
 * <p>Confined to one thread. Lines end with CRLF, LF or CR, split anywhere between feeds; one byte
 * order mark at the start of the stream is skipped. Only the {@code event} and {@code data} fields
 * are kept, and the last event id ({@code id}, kept across events as a browser keeps it, ignored when it
 * holds a NUL); comments and {@code retry} are skipped, as the load generator needs no more.
 * A blank line dispatches the event when it has data, as browsers do.
 *
 * <p>Why not the test kit's spec parser ({@code dev.ssekit.testing.EventParser})? Speed: the load
 * generator reads every event of every connection it holds, on the same machine as the server, and
 * only counts events and reads two numbers from their data, so this parser works on the bytes in
 * place and builds no string, no line and no event object, where the spec parser decodes every line
 * to a string and allocates an event per dispatch: garbage whose cost would be charged to the server
 * under test. The two must not disagree on what is dispatched: {@code SseParserAgreementTest} feeds
 * both the same streams.
 */
final class SseParser {

    /** Receives each dispatched event; the parser's buffers are only valid during the call. */
    interface Listener {
        /** An event was dispatched; read it through {@link SseParser#isType}, {@link SseParser#data()}. */
        void onEvent(SseParser event) throws ProtocolException;
    }

    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID = "id".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_EVENT = 4 * 1024 * 1024;
    private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final Listener listener;
    private byte[] line = new byte[0];
    private int lineLength;
    private boolean afterCr;
    private boolean firstLine = true;
    private byte[] type = new byte[16];
    private int typeLength;
    private byte[] data = new byte[0];
    private int dataLength;
    private boolean hasData;
    private byte[] lastId = new byte[32];
    private int lastIdLength;

    SseParser(Listener listener) {
        this.listener = listener;
    }

    /** Parses {@code length} bytes of the stream. */
    void feed(byte[] bytes, int offset, int length) throws ProtocolException {
        int end = offset + length;
        int start = offset;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == '\n' || b == '\r') {
                if (b == '\n' && afterCr) { // the LF of a CRLF whose CR ended the line already
                    afterCr = false;
                    start = i + 1;
                    continue;
                }
                afterCr = b == '\r';
                if (lineLength == 0) {
                    onLine(bytes, start, i - start);
                } else {
                    append(bytes, start, i - start);
                    onLine(line, 0, lineLength);
                    lineLength = 0;
                }
                start = i + 1;
            } else {
                afterCr = false;
            }
        }
        append(bytes, start, end - start);
    }

    /** Returns whether the event's type, as sent in its {@code event} field, is {@code name}. */
    boolean isType(byte[] name) {
        return Arrays.equals(type, 0, typeLength, name, 0, name.length);
    }

    /** Returns whether the event has no {@code event} field (a browser calls it {@code message}). */
    boolean isUntyped() {
        return typeLength == 0;
    }

    /** Returns the buffer holding the event's data; valid up to {@link #dataLength()}. */
    byte[] data() {
        return data;
    }

    /** Returns the length of the event's data, lines joined by LF. */
    int dataLength() {
        return dataLength;
    }

    /**
     * Returns the last event id: that of the {@code id} field last read, kept across events, or the
     * empty string before any.
     */
    String lastEventId() {
        return new String(lastId, 0, lastIdLength, StandardCharsets.UTF_8);
    }

    private void append(byte[] bytes, int offset, int length) throws ProtocolException {
        if (length == 0) {
            return;
        }
        line = ensure(line, lineLength + length);
        System.arraycopy(bytes, offset, line, lineLength, length);
        lineLength += length;
    }

    private void onLine(byte[] bytes, int offset, int length) throws ProtocolException {
        if (firstLine) {
            firstLine = false;
            if (length >= BYTE_ORDER_MARK.length
                    && Arrays.equals(
                            bytes,
                            offset,
                            offset + BYTE_ORDER_MARK.length,
                            BYTE_ORDER_MARK,
                            0,
                            BYTE_ORDER_MARK.length)) {
                offset += BYTE_ORDER_MARK.length; // one UTF-8 byte order mark at the start of the stream
                length -= BYTE_ORDER_MARK.length;
            }
        }
        if (length == 0) {
            if (hasData) {
                listener.onEvent(this);
            }
            typeLength = 0;
            dataLength = 0;
            hasData = false;
            return;
        }
        if (bytes[offset] == ':') {
            return; // a comment, such as a heartbeat
        }
        int colon = offset;
        int end = offset + length;
        while (colon < end && bytes[colon] != ':') {
            colon++;
        }
        int value = colon;
        if (value < end) {
            value++;
            if (value < end && bytes[value] == ' ') {
                value++;
            }
        }
        int nameLength = colon - offset;
        if (Arrays.equals(bytes, offset, offset + nameLength, DATA, 0, DATA.length)) {
            int n = end - value;
            int needed = dataLength + (hasData ? 1 : 0) + n;
            data = ensure(data, needed);
            if (hasData) {
                data[dataLength++] = '\n';
            }
            System.arraycopy(bytes, value, data, dataLength, n);
            dataLength += n;
            hasData = true;
        } else if (Arrays.equals(bytes, offset, offset + nameLength, EVENT, 0, EVENT.length)) {
            int n = end - value;
            type = ensure(type, n);
            System.arraycopy(bytes, value, type, 0, n);
            typeLength = n;
        } else if (Arrays.equals(bytes, offset, offset + nameLength, ID, 0, ID.length)) {
            int n = end - value;
            for (int i = value; i < end; i++) {
                if (bytes[i] == 0) {
                    return; // an id holding NUL is ignored, as the specification says
                }
            }
            lastId = ensure(lastId, n);
            System.arraycopy(bytes, value, lastId, 0, n);
            lastIdLength = n;
        }
    }

    private static byte[] ensure(byte[] buffer, int size) throws ProtocolException {
        if (size <= buffer.length) {
            return buffer;
        }
        if (size > MAX_EVENT) {
            throw new ProtocolException("event larger than " + MAX_EVENT + " bytes");
        }
        return Arrays.copyOf(buffer, Math.max(size, Math.max(64, buffer.length * 2)));
    }

    /**
     * Returns the non-negative integer that follows {@code key} (such as {@code "seq":}) in
     * {@code bytes[0, length)}, or -1 if there is none.
     */
    static long longAfter(byte[] bytes, int length, byte[] key) {
        outer:
        for (int i = 0; i + key.length <= length; i++) {
            for (int k = 0; k < key.length; k++) {
                if (bytes[i + k] != key[k]) {
                    continue outer;
                }
            }
            long value = 0;
            int digits = 0;
            for (int j = i + key.length; j < length && bytes[j] >= '0' && bytes[j] <= '9'; j++) {
                value = value * 10 + (bytes[j] - '0');
                digits++;
            }
            return digits == 0 ? -1 : value;
        }
        return -1;
    }
}
