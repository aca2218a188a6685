package dev.ssekit.bench;

import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * A decoder of HTTP/1.1 responses, one after another on the same connection: status line, headers,
 * then a body framed by chunked encoding, a content length, or the end of the stream.
 *
 * <p>Confined to one thread. It is fed whatever bytes a read returned, split anywhere, and tells
 * its {@link Listener} what it found; body bytes are handed over without copying when they arrive
 * whole, so an event stream costs no allocation per chunk.
 */
final class HttpResponseDecoder {

    /** What the decoder found; called on the feeding thread. */
    interface Listener {
        /** The status line and headers of a response were read. */
        void onHeaders(HttpResponseDecoder response) throws IOException;

        /** Some body bytes; {@code bytes} is only valid during the call. */
        void onBody(byte[] bytes, int offset, int length) throws IOException;

        /** The response ended (its last chunk or its last content byte); the next may follow. */
        void onComplete() throws IOException;
    }

    private static final int MAX_LINE = 16 * 1024;

    private enum State {
        STATUS,
        HEADER,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_END,
        TRAILER,
        FIXED,
        UNTIL_CLOSE
    }

    private final Listener listener;
    private State state = State.STATUS;
    private byte[] line = new byte[128];
    private int lineLength;
    private int status;
    private boolean chunked;
    private long contentLength;
    private boolean connectionClose;
    private String impl;
    private long remaining;

    HttpResponseDecoder(Listener listener) {
        this.listener = listener;
    }

    /** Returns the status code of the response being read or last read. */
    int status() {
        return status;
    }

    /** Returns whether the server said it closes the connection after this response. */
    boolean connectionClose() {
        return connectionClose;
    }

    /** Returns the value of the {@code X-Bench-Impl} header, or {@code null}. */
    String impl() {
        return impl;
    }

    /**
     * Decodes {@code length} bytes from {@code bytes} at {@code offset}.
     *
     * @throws ProtocolException if the response is malformed
     * @throws IOException if the listener throws it
     */
    void feed(byte[] bytes, int offset, int length) throws IOException {
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            switch (state) {
                case FIXED, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, end - pos);
                    listener.onBody(bytes, pos, n);
                    pos += n;
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == State.CHUNK_DATA) {
                            state = State.CHUNK_END;
                        } else {
                            complete();
                        }
                    }
                }
                case UNTIL_CLOSE -> {
                    listener.onBody(bytes, pos, end - pos);
                    pos = end;
                }
                default -> {
                    int lf = pos;
                    while (lf < end && bytes[lf] != '\n') {
                        lf++;
                    }
                    append(bytes, pos, lf - pos);
                    if (lf == end) {
                        return;
                    }
                    pos = lf + 1;
                    int n = lineLength;
                    if (n > 0 && line[n - 1] == '\r') {
                        n--;
                    }
                    lineLength = 0;
                    onLine(n);
                }
            }
        }
    }

    private void append(byte[] bytes, int offset, int length) throws ProtocolException {
        if (length == 0) {
            return;
        }
        int needed = lineLength + length;
        if (needed > MAX_LINE) {
            throw new ProtocolException("response line longer than " + MAX_LINE + " bytes");
        }
        if (needed > line.length) {
            line = Arrays.copyOf(line, Math.max(needed, line.length * 2));
        }
        System.arraycopy(bytes, offset, line, lineLength, length);
        lineLength = needed;
    }

    private void onLine(int n) throws IOException {
        switch (state) {
            case STATUS -> {
                if (n == 0) {
                    return; // tolerate blank lines between responses
                }
                String text = text(n);
                if (!text.startsWith("HTTP/1.") || text.length() < 12) {
                    throw new ProtocolException("bad status line: " + text);
                }
                try {
                    status = Integer.parseInt(text.substring(9, 12));
                } catch (NumberFormatException e) {
                    throw new ProtocolException("bad status line: " + text);
                }
                chunked = false;
                contentLength = -1;
                connectionClose = false;
                impl = null;
                state = State.HEADER;
            }
            case HEADER -> {
                if (n > 0) {
                    header(text(n));
                    return;
                }
                if (status >= 100 && status < 200) {
                    state = State.STATUS;
                    return;
                }
                listener.onHeaders(this);
                if (chunked) {
                    state = State.CHUNK_SIZE;
                } else if (contentLength >= 0) {
                    remaining = contentLength;
                    state = State.FIXED;
                    if (remaining == 0) {
                        complete();
                    }
                } else if (status == 204 || status == 304) {
                    complete();
                } else {
                    state = State.UNTIL_CLOSE;
                }
            }
            case CHUNK_SIZE -> {
                long size = 0;
                int digits = 0;
                for (int i = 0; i < n && line[i] != ';'; i++) {
                    int d = Character.digit(line[i], 16);
                    if (d < 0) {
                        if (line[i] == ' ' || line[i] == '\t') {
                            continue;
                        }
                        throw new ProtocolException("bad chunk size: " + text(n));
                    }
                    size = size * 16 + d;
                    digits++;
                    if (size > Integer.MAX_VALUE) {
                        throw new ProtocolException("chunk too large: " + text(n));
                    }
                }
                if (digits == 0) {
                    throw new ProtocolException("bad chunk size: " + text(n));
                }
                if (size == 0) {
                    state = State.TRAILER;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
            }
            case CHUNK_END -> {
                if (n != 0) {
                    throw new ProtocolException("chunk not followed by CRLF");
                }
                state = State.CHUNK_SIZE;
            }
            case TRAILER -> {
                if (n == 0) {
                    complete();
                }
            }
            default -> throw new IllegalStateException(state.toString());
        }
    }

    private void header(String text) throws ProtocolException {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new ProtocolException("bad header line: " + text);
        }
        String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = text.substring(colon + 1).trim();
        switch (name) {
            case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            case "content-length" -> {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new ProtocolException("bad content-length: " + value);
                }
            }
            case "connection" ->
                connectionClose = value.toLowerCase(Locale.ROOT).contains("close");
            case "x-bench-impl" -> impl = value;
            default -> {}
        }
    }

    private void complete() throws IOException {
        state = State.STATUS;
        listener.onComplete();
    }

    private String text(int n) {
        return new String(line, 0, n, StandardCharsets.ISO_8859_1);
    }
}
