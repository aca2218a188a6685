package dev.ssekit.spi;

import dev.ssekit.SseEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The bytes of one encoded event, exactly as a client receives them, and the encoder that makes
 * them, exactly as the WHATWG HTML "Server-sent events" section parses them.
 *
 * <p>Immutable and thread-safe: a publish encodes its event once and hands the same frame to
 * every recipient. The bytes are UTF-8, use LF line endings, carry no byte order mark, and end with
 * the blank line that dispatches the event.
 *
 * <p>{@link #encode} writes the fields in the order comment, {@code id}, {@code event},
 * {@code retry}, {@code data}, each as {@code name: value} with exactly one space after the colon
 * (the parser removes exactly one, so a value's own leading spaces survive), and ends the frame
 * with one blank line. For example,
 * {@code SseEvent.builder().id("7").type("tick").data("a\r\nb").build()} encodes as:
 *
 * <pre>
 * id: 7
 * event: tick
 * data: a
 * data: b
 *
 * </pre>
 *
 * <p>Data and comments are split on CRLF, CR and LF, and every line is kept, so {@code "x\n"}
 * encodes as {@code data: x}, {@code data: } and reaches the browser as {@code "x\n"}. Comments
 * are written as {@code :} followed by the line, untouched: a heartbeat is
 * {@code SseFrame.encode(SseEvent.ofComment("ping"))}, {@code ":ping\n\n"}. Unpaired UTF-16
 * surrogates are written as {@code ?}, as {@link String#getBytes(java.nio.charset.Charset)} does.
 * Whether an event is {@linkplain SseEvent#recorded() recorded} and its idempotency key are not
 * written.
 *
 * <p>Used by adapters (a transport writes frames) and by the registry; applications publish
 * {@link SseEvent}s.
 *
 * @since 1.0
 */
public final class SseFrame {

    private static final byte[] ID = {'i', 'd', ':', ' '};
    private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't', ':', ' '};
    private static final byte[] RETRY = {'r', 'e', 't', 'r', 'y', ':', ' '};
    private static final byte[] DATA = {'d', 'a', 't', 'a', ':', ' '};
    private static final byte[] COMMENT = {':'};

    private final byte[] bytes;

    private SseFrame(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Encodes {@code event} into a frame.
     *
     * <p>The result may be shared by any number of recipients and threads.
     */
    public static SseFrame encode(SseEvent event) {
        Objects.requireNonNull(event, "event");
        byte[] out = new byte[write(event, null)];
        write(event, out);
        return new SseFrame(out);
    }

    /** Returns the number of bytes in this frame. */
    public int size() {
        return bytes.length;
    }

    /** Writes the frame's bytes to {@code out} in one call. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, bytes.length);
    }

    /** Returns a read-only buffer over the frame's bytes, positioned at its start. */
    public ByteBuffer asByteBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** Returns a copy of the frame's bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Returns the frame as text, exactly as it appears on the wire. */
    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SseFrame other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /**
     * Writes the event into {@code out}, or only counts its bytes when {@code out} is null, so that
     * a frame is built in one exactly sized array.
     */
    private static int write(SseEvent event, byte[] out) {
        int pos = 0;
        if (event.comment() != null) {
            pos = lines(COMMENT, event.comment(), out, pos);
        }
        if (event.id() != null) {
            pos = line(ID, event.id(), 0, event.id().length(), out, pos);
        }
        if (event.type() != null) {
            pos = line(EVENT, event.type(), 0, event.type().length(), out, pos);
        }
        if (event.retry() != null) {
            String millis = Long.toString(event.retry().toMillis());
            pos = line(RETRY, millis, 0, millis.length(), out, pos);
        }
        if (event.data() != null) {
            pos = lines(DATA, event.data(), out, pos);
        }
        return put((byte) '\n', out, pos);
    }

    /** Writes one {@code prefix} line for each line of {@code text}, split on CRLF, CR and LF. */
    private static int lines(byte[] prefix, String text, byte[] out, int pos) {
        int start = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                pos = line(prefix, text, start, i, out, pos);
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        return line(prefix, text, start, n, out, pos);
    }

    private static int line(byte[] prefix, String text, int from, int to, byte[] out, int pos) {
        if (out != null) {
            System.arraycopy(prefix, 0, out, pos, prefix.length);
        }
        pos += prefix.length;
        pos = utf8(text, from, to, out, pos);
        return put((byte) '\n', out, pos);
    }

    private static int put(byte b, byte[] out, int pos) {
        if (out != null) {
            out[pos] = b;
        }
        return pos + 1;
    }

    private static int utf8(String s, int from, int to, byte[] out, int pos) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                pos = put((byte) c, out, pos);
            } else if (c < 0x800) {
                pos = put((byte) (0xC0 | (c >> 6)), out, pos);
                pos = put((byte) (0x80 | (c & 0x3F)), out, pos);
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    pos = put((byte) (0xF0 | (cp >> 18)), out, pos);
                    pos = put((byte) (0x80 | ((cp >> 12) & 0x3F)), out, pos);
                    pos = put((byte) (0x80 | ((cp >> 6) & 0x3F)), out, pos);
                    pos = put((byte) (0x80 | (cp & 0x3F)), out, pos);
                } else {
                    pos = put((byte) '?', out, pos);
                }
            } else {
                pos = put((byte) (0xE0 | (c >> 12)), out, pos);
                pos = put((byte) (0x80 | ((c >> 6) & 0x3F)), out, pos);
                pos = put((byte) (0x80 | (c & 0x3F)), out, pos);
            }
        }
        return pos;
    }
}
