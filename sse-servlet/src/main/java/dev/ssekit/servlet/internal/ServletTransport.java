package dev.ssekit.servlet.internal;

import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link SseTransport} over one asynchronous servlet response in non-blocking mode.
 *
 * <p>Thread-safe. The registry drives it from one thread at a time; the container reports to it
 * from its own threads. Every call that touches the response holds a lock and first checks that
 * the stream is still ours: once it was completed (by us or by the container) or failed, nothing
 * touches the response again, because the container may already have recycled it for another
 * request. The container's callbacks take the same lock only to mark the stream ended, and call
 * the registry after releasing it.
 *
 * <p>Life cycle: the servlet creates the transport, {@link dev.ssekit.SseRegistry#open opens} a
 * connection on it (which calls {@link #start}), sets the response headers, then calls
 * {@link #arm}, which starts async mode and sets the {@link WriteListener}. Until then
 * {@link #isReady()} is {@code false}, so frames queued by {@code open} wait, and the container's
 * first {@code onWritePossible} starts the drain: the headers go out with the first frames.
 */
public final class ServletTransport implements SseTransport, WriteListener, AsyncListener {

    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile TransportListener listener;

    // Guarded by lock.
    private AsyncContext async;
    private ServletOutputStream out;
    private boolean closed;
    /** The connection's I/O thread, where its container needs flushes and completion; set by arm. */
    private IoThread ioThread;
    /** With an I/O thread: the response's buffer size, and the bytes written into it since its last flush. */
    private int bufferSize;

    private int buffered;
    /** With an I/O thread: a write was handed to it, and nothing is written until it has run. */
    private boolean handedOff;

    /** Creates a transport for this request's response; nothing is started yet. */
    public ServletTransport(HttpServletRequest request, HttpServletResponse response) {
        this.request = Objects.requireNonNull(request, "request");
        this.response = Objects.requireNonNull(response, "response");
    }

    @Override
    public void start(TransportListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Starts async mode with {@code timeoutMillis} (0 for none) and non-blocking output. Called once,
     * on the request thread, after the response headers are set.
     *
     * @return {@code false} if the registry closed the connection before the stream started; the
     *     caller then still owns the (uncommitted) response and answers it
     * @throws IllegalStateException if the container refuses async mode
     * @throws IOException if the output stream cannot be obtained
     */
    public boolean arm(long timeoutMillis) throws IOException {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            ioThread = IoThread.of(request);
            AsyncContext context = request.startAsync(request, response);
            async = context;
            context.setTimeout(timeoutMillis);
            context.addListener(this);
            // A buffer of the stream's own, at the container's usual size: unasked, Undertow lends each
            // response a buffer from the pool it also reads new requests into, and a stream's late
            // write into a returned buffer corrupted another connection's request (a bare 400, or a
            // request never answered). On Jetty and Tomcat this restates the size they use.
            response.setBufferSize(response.getBufferSize());
            bufferSize = response.getBufferSize();
            out = response.getOutputStream();
            // The container calls onWritePossible once the stream is writable, on one of its threads.
            out.setWriteListener(this);
            return true;
        } catch (IOException | RuntimeException e) {
            closed = true;
            if (async != null) {
                completeQuietly(async);
            }
            throw e;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isReady() {
        lock.lock();
        try {
            return !closed && out != null && !handedOff && out.isReady();
        } catch (IllegalStateException e) {
            return false; // the container no longer considers the stream usable; its callbacks follow
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes a frame into the response's buffer. Where the container needs it (see {@link IoThread}),
     * a frame that would not fit in what is left of the buffer, and so would be written to the
     * connection at once, is handed to the connection's I/O thread instead; until it has been
     * written there, {@link #isReady()} is {@code false}, and the listener hears when it may go on.
     */
    @Override
    public void write(SseFrame frame) throws IOException {
        IoThread io = null;
        lock.lock();
        try {
            checkOpen();
            if (ioThread == null) {
                frame.writeTo(out);
            } else if (!ioThread.isCurrent() && buffered + frame.size() >= bufferSize) {
                handedOff = true;
                io = ioThread;
            } else {
                buffered += frame.size();
                frame.writeTo(out);
            }
        } catch (IllegalStateException e) {
            throw new IOException("the response can no longer be written", e);
        } finally {
            lock.unlock();
        }
        if (io != null) {
            io.execute(() -> flushOnIoThread(frame));
        }
    }

    /**
     * Flushes the response. Where the container needs it (see {@link IoThread}), the flush is handed
     * to the connection's I/O thread, in order with the writes before it and the completion after;
     * a failure there is reported to the listener as the end of the stream.
     */
    @Override
    public void flush() throws IOException {
        IoThread io = ioThread;
        if (io != null && !io.isCurrent()) {
            io.execute(() -> flushOnIoThread(null));
            return;
        }
        lock.lock();
        try {
            checkOpen();
            out.flush();
            buffered = 0;
        } catch (IllegalStateException e) {
            throw new IOException("the response can no longer be flushed", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * On the I/O thread: writes {@code frame} (a frame {@link #write} handed over, or null for a
     * flush alone), flushes, and, after a handed-over frame, tells the listener it may go on. A
     * failure ends the stream here, where the container logs it at DEBUG.
     */
    private void flushOnIoThread(SseFrame frame) {
        try {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                if (frame != null) {
                    frame.writeTo(out);
                    handedOff = false;
                }
                out.flush();
                buffered = 0;
            } finally {
                lock.unlock();
            }
        } catch (IOException | IllegalStateException e) {
            ended(e, true);
            return;
        }
        TransportListener l = listener;
        if (frame != null && l != null) {
            l.onWritable();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (async != null) {
                complete();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Returns whether the stream has ended, for whatever reason. */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() throws IOException {
        if (closed || out == null) {
            throw new IOException("stream is closed");
        }
    }

    /**
     * Completes the async cycle, on the connection's I/O thread where the container needs it (see
     * {@link IoThread}); called with the lock held, at most once. The lock is always taken before
     * the container's own (which it holds while it calls back), on every thread.
     */
    private void complete() {
        AsyncContext context = async;
        IoThread io = ioThread;
        if (io == null || io.isCurrent()) {
            completeQuietly(context);
        } else {
            io.execute(() -> {
                lock.lock();
                try {
                    completeQuietly(context);
                } finally {
                    lock.unlock();
                }
            });
        }
    }

    private static void completeQuietly(AsyncContext context) {
        try {
            context.complete();
        } catch (IllegalStateException e) {
            // Completed or recycled by the container already: nothing of ours remains to finish.
        }
    }

    /**
     * Marks the stream ended because the container reported so, completing the async cycle first
     * when the container expects the application to, then tells the registry outside the lock.
     */
    private void ended(Throwable cause, boolean complete) {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                if (complete && async != null) {
                    completeQuietly(async); // here, on the thread the container called us on
                }
            }
        } finally {
            lock.unlock();
        }
        TransportListener l = listener;
        if (l != null) {
            l.onClosed(cause);
        }
    }

    // ---- WriteListener -------------------------------------------------------------------------

    @Override
    public void onWritePossible() {
        TransportListener l = listener;
        if (l != null) {
            l.onWritable();
        }
    }

    @Override
    public void onError(Throwable t) {
        ended(t, true);
    }

    // ---- AsyncListener -------------------------------------------------------------------------

    @Override
    public void onComplete(AsyncEvent event) {
        ended(null, false);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The maximum connection age was reached: end the stream; the client reconnects and resumes.
        ended(null, true);
    }

    @Override
    public void onError(AsyncEvent event) {
        ended(event.getThrowable(), true);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not re-dispatched: nothing to do.
    }
}
