package dev.ssekit.bench.server;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The baseline: the Server-Sent Events pattern of the usual servlet tutorial, as it is usually
 * written, serving the same {@code GET /sse} and {@code POST /sse} contract as the library.
 *
 * <p>A set of async contexts; a publish takes one lock and writes the event to every client in turn
 * with blocking writes, flushing each. There is no queue: a client that does not read blocks the
 * publisher, and with it every other client, until its write fails or times out. The event is
 * formatted once and the same bytes go to every client, which is kinder to the baseline than the
 * tutorials' {@code PrintWriter} per client.
 *
 * <p>Thread-safe: the container may call it from any number of threads.
 */
public final class NaiveSseServlet extends HttpServlet {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final int MAX_BODY = 1 << 20;

    private final transient Set<AsyncContext> clients = ConcurrentHashMap.newKeySet();
    private final transient ReentrantLock lock = new ReentrantLock();

    /** Creates the servlet; it keeps its clients in memory. */
    public NaiveSseServlet() {}

    /** Opens a stream: headers, a {@code connected} event with a fresh id, then whatever is published. */
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String id = UUID.randomUUID().toString();
        response.setStatus(200);
        response.setContentType("text/event-stream;charset=UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader("X-SSE-Connection-Id", id);
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        async.addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                clients.remove(async);
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                clients.remove(async);
            }

            @Override
            public void onError(AsyncEvent event) {
                clients.remove(async);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // nothing to do
            }
        });
        byte[] connected =
                ("event: connected\ndata: {\"connectionId\":\"" + id + "\"}\n\n").getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            ServletOutputStream out = response.getOutputStream();
            out.write(connected);
            out.flush();
            clients.add(async); // under the lock, so no event can come before "connected"
        } finally {
            lock.unlock();
        }
    }

    /** Publishes the JSON body as the data of one event to every client, writing to each in turn. */
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            error(response, 413, "body must not be larger than " + MAX_BODY + " bytes");
            return;
        }
        if (body.length == 0) {
            error(response, 400, "body must not be empty");
            return;
        }
        byte[] frame = frame(body);
        int written = 0;
        lock.lock();
        try {
            for (Iterator<AsyncContext> it = clients.iterator(); it.hasNext(); ) {
                AsyncContext client = it.next();
                try {
                    ServletOutputStream out = client.getResponse().getOutputStream();
                    out.write(frame);
                    out.flush();
                    written++;
                } catch (IOException | IllegalStateException e) {
                    it.remove();
                    try {
                        client.complete();
                    } catch (IllegalStateException ignored) {
                        // already completed by the container
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        response.setStatus(200);
        response.setContentType("application/json");
        response.getWriter().write("{\"id\":null,\"queued\":" + written + "}");
    }

    /**
     * Formats {@code data} as one event, each of its lines a {@code data:} line, so that no body can
     * add a field or an event to anyone's stream.
     */
    static byte[] frame(byte[] data) {
        StringBuilder s = new StringBuilder(data.length + 16);
        String text = new String(data, StandardCharsets.UTF_8);
        for (String line : text.split("\r\n|\r|\n", -1)) {
            s.append("data: ").append(line).append('\n');
        }
        return s.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void error(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.getWriter().write("{\"error\":\"" + message + "\"}");
    }
}
