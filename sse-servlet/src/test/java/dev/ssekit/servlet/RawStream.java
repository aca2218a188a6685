package dev.ssekit.servlet;

import dev.ssekit.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One HTTP/1.1 request over a plain socket, read by hand: for tests that need control of the TCP
 * connection itself (a client that stops reading, a reset, thousands of short connections).
 */
final class RawStream implements AutoCloseable {

    /** The framing between two chunks of a chunked body: CRLF, the next chunk's size, CRLF. */
    private static final Pattern CHUNK_FRAMING = Pattern.compile("\r\n[0-9a-fA-F]+\r\n");

    final Socket socket;
    final InputStream in;
    final int status;
    final String head;

    private RawStream(Socket socket, int status, String head) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.status = status;
        this.head = head;
    }

    /**
     * Sends {@code GET pathAndQuery} with {@code headers} ("Name: value") and reads the response
     * head, all within {@link Await#TIMEOUT}. {@code receiveBuffer} above 0 shrinks the socket's
     * receive buffer before connecting.
     *
     * @throws HeadTimeoutException if the whole head did not arrive in time
     */
    static RawStream open(URI root, String pathAndQuery, int receiveBuffer, String... headers) throws IOException {
        long deadline = System.nanoTime() + Await.TIMEOUT.toNanos();
        Socket socket = new Socket();
        try {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress(root.getHost(), root.getPort()), remainingMillis(deadline));
            StringBuilder request = new StringBuilder("GET ")
                    .append(pathAndQuery)
                    .append(" HTTP/1.1\r\n")
                    .append("Host: ")
                    .append(root.getHost())
                    .append(':')
                    .append(root.getPort())
                    .append("\r\n")
                    .append("Accept: text/event-stream\r\n");
            for (String h : headers) {
                request.append(h).append("\r\n");
            }
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String head = readHead(socket, deadline);
            int status = Integer.parseInt(head.substring(9, 12));
            return new RawStream(socket, status, head);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** No complete response head arrived before the deadline; says what did. */
    static final class HeadTimeoutException extends IOException {
        HeadTimeoutException(String message) {
            super(message);
        }
    }

    private static String readHead(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b;
            try {
                socket.setSoTimeout(remainingMillis(deadline));
                b = in.read();
            } catch (SocketTimeoutException e) {
                b = -2;
            }
            if (b == -2 || System.nanoTime() - deadline > 0) {
                throw new HeadTimeoutException("no response head within " + Await.TIMEOUT + " on local port "
                        + socket.getLocalPort() + "; received: \"" + head.toString(StandardCharsets.ISO_8859_1) + "\"");
            }
            if (b < 0) {
                throw new IOException("connection closed in the response head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 16_384) {
                throw new IOException("response head too long");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Milliseconds left until {@code deadline}, at least 1 (0 would mean no limit to a socket). */
    private static int remainingMillis(long deadline) {
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /** Returns the value of a response header, or null. */
    String header(String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    UUID id() {
        return UUID.fromString(header(SseServlet.CONNECTION_ID_HEADER));
    }

    /**
     * Reads until {@code text} has been seen, at most {@code maxBytes} and at most
     * {@link Await#TIMEOUT} in all; returns what was read, chunked framing included.
     *
     * <p>The search looks past HTTP/1.1 chunk framing, which a container may put anywhere, even in
     * the middle of a line: the stream itself uses LF alone, so every CRLF belongs to the framing.
     * The overall deadline matters because heartbeats keep every read short: each read waits at
     * most for what is left of it.
     */
    String readUntil(String text, int maxBytes) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long deadline = System.nanoTime() + Await.TIMEOUT.toNanos();
        while (seen.size() < maxBytes) {
            int n;
            try {
                socket.setSoTimeout(remainingMillis(deadline));
                n = System.nanoTime() - deadline > 0 ? -2 : in.read(buffer);
            } catch (SocketTimeoutException e) {
                n = -2;
            }
            if (n == -2) {
                throw new IOException(
                        "no \"" + text + "\" within " + Await.TIMEOUT + ": " + seen.toString(StandardCharsets.UTF_8));
            }
            if (n < 0) {
                throw new IOException("stream ended before \"" + text + "\": " + seen.toString(StandardCharsets.UTF_8));
            }
            seen.write(buffer, 0, n);
            String raw = seen.toString(StandardCharsets.UTF_8);
            if (CHUNK_FRAMING.matcher(raw).replaceAll("").contains(text)) {
                return raw;
            }
        }
        throw new IOException("no \"" + text + "\" within " + maxBytes + " bytes");
    }

    /** Closes with an RST instead of a FIN. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
