package dev.ssekit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of one encoded event, exactly as a client receives them.
 *
 * <p>Immutable and thread-safe: a broadcast encodes its event once and hands the same frame to
 * every recipient. The bytes are UTF-8, use LF line endings, carry no byte order mark, and end with
 * the blank line that dispatches the event.
 *
 * @since 1.0
 */
public final class SseFrame {

    private final byte[] bytes;

    SseFrame(byte[] bytes) {
        this.bytes = bytes;
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
}
