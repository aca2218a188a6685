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
import java.nio.ByteBuffer;
import java.util.Arrays;
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
 * <p>Life cycle: the servlet creates the transport, {@link dev.ssekit.spi.Connections#open opens} a
 * connection on it (which calls {@link #start}), sets the response headers, then calls
 * {@link #arm}, which starts async mode and sets the {@link WriteListener}. Until then
 * {@link #isReady()} is {@code false}, so frames queued by {@code open} wait, and the container's
 * first {@code onWritePossible} starts the drain: the headers go out with the first frames.
 *
 * <p>Two ways to the client. The servlet {@code ServletOutputStream}, on every container. And,
 * where the container offers a cheaper non-blocking write the adapter knows ({@link
 * ContainerWrites}: Jetty 12's core write), that write instead, unless the servlet context
 * parameter {@value ContainerWrites#OUTPUT_PARAMETER} is {@code servlet}. Then frames written are
 * kept until the flush, which hands them to the container in one write; the stream is ready again
 * once the container reports that write done, and that report resumes a drain that waited. A close
 * writes what is pending first and ends the response once that write is done; a close that finds a
 * write still in flight (a client that stopped reading) ends the response at once, and the
 * container aborts the exchange.
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

    // Guarded by lock, with container writes (see ContainerWrites) in place of the servlet stream.
    private ContainerWrites writes;
    /** Frames written since the last flush, in order; {@code pending[0..pendingCount)}. */
    private SseFrame[] pending;

    private int pendingCount;
    private int pendingBytes;
    /** A container write is in flight: nothing more is written until it reports. */
    private boolean writing;
    /** {@link #isReady()} said no during a container write: its report tells the listener. */
    private boolean wantWritable;
    /** The stream ends once the container write in flight (or the one of what was pending) is done. */
    private boolean completeWhenWritten;
    /** Inside {@link #flush}: a container write that reports at once is answered there. */
    private boolean inFlush;

    private Throwable flushFailure;
    /** Whether this stream may use container writes; from the servlet context's parameter. */
    private final boolean containerWritesAllowed;

    /** Creates a transport for this request's response; nothing is started yet. */
    public ServletTransport(HttpServletRequest request, HttpServletResponse response) {
        this.request = Objects.requireNonNull(request, "request");
        this.response = Objects.requireNonNull(response, "response");
        this.containerWritesAllowed =
                !"servlet".equals(request.getServletContext().getInitParameter(ContainerWrites.OUTPUT_PARAMETER));
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
            if (containerWritesAllowed && ioThread == null) {
                writes = ContainerWrites.of(response, this::written);
            }
            if (writes == null) {
                // A buffer of the stream's own, at the container's usual size: unasked, Undertow lends each
                // response a buffer from the pool it also reads new requests into, and a stream's late
                // write into a returned buffer corrupted another connection's request (a bare 400, or a
                // request never answered). On Jetty and Tomcat this restates the size they use.
                response.setBufferSize(response.getBufferSize());
                bufferSize = response.getBufferSize();
                out = response.getOutputStream();
                // The container calls onWritePossible once the stream is writable, on one of its threads.
                out.setWriteListener(this);
            }
        } catch (IOException | RuntimeException e) {
            closed = true;
            if (async != null) {
                completeQuietly(async);
            }
            throw e;
        } finally {
            lock.unlock();
        }
        if (writes != null) {
            // No servlet stream, so no onWritePossible: the stream is writable now, and what open
            // queued (the connected event, a replay) goes out with the headers.
            TransportListener l = listener;
            if (l != null) {
                l.onWritable();
            }
        }
        return true;
    }

    @Override
    public boolean isReady() {
        lock.lock();
        try {
            if (writes != null) {
                if (closed) {
                    return false;
                }
                wantWritable = writing;
                return !writing;
            }
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
            if (writes != null) {
                addPending(frame);
            } else if (ioThread == null) {
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
            if (writes != null) {
                flushContainerWrites();
                return;
            }
            out.flush();
            buffered = 0;
        } catch (IllegalStateException e) {
            throw new IOException("the response can no longer be flushed", e);
        } finally {
            lock.unlock();
        }
    }

    /** With the lock held: hands what is pending to the container; a failure it reports at once is thrown. */
    private void flushContainerWrites() throws IOException {
        if (writing || pendingCount == 0) {
            return;
        }
        inFlush = true;
        try {
            startContainerWrite();
        } finally {
            inFlush = false;
        }
        Throwable failure = flushFailure;
        if (failure != null) {
            flushFailure = null;
            closed = true;
            completeQuietly(async);
            throw new IOException("the response can no longer be written", failure);
        }
    }

    /** With the lock held: keeps {@code frame} for the next container write. */
    private void addPending(SseFrame frame) {
        if (pending == null) {
            pending = new SseFrame[4];
        } else if (pendingCount == pending.length) {
            pending = Arrays.copyOf(pending, pendingCount * 2);
        }
        pending[pendingCount++] = frame;
        pendingBytes += frame.size();
    }

    /**
     * With the lock held and no write in flight: hands every pending frame to the container in one
     * write (one frame as it is, several copied into one buffer). Its report may run before this returns.
     */
    private void startContainerWrite() {
        ByteBuffer content;
        if (pendingCount == 1) {
            content = pending[0].asByteBuffer();
        } else {
            content = ByteBuffer.allocate(pendingBytes);
            for (int i = 0; i < pendingCount; i++) {
                content.put(pending[i].asByteBuffer());
            }
            content.flip();
        }
        Arrays.fill(pending, 0, pendingCount, null);
        if (pending.length > 16) {
            pending = null; // a burst's array is not kept for the life of the stream
        }
        pendingCount = 0;
        pendingBytes = 0;
        writing = true;
        try {
            writes.write(content);
        } catch (RuntimeException e) {
            written(e); // the response is no longer the container's to write (it ended meanwhile)
        }
    }

    /**
     * The container's report on a write: {@code null} once written, else its failure. Ends the stream
     * where it was asked to end after the write, and tells a listener waiting for writability.
     */
    private void written(Throwable failure) {
        boolean notifyWritable = false;
        boolean notifyClosed = false;
        lock.lock();
        try {
            writing = false;
            if (failure != null && inFlush) {
                flushFailure = failure; // thrown by flush(), on this thread
                return;
            }
            if (failure != null) {
                notifyClosed = !closed;
                closed = true;
                completeWhenWritten = false;
                pendingCount = 0;
                completeQuietly(async);
            } else if (completeWhenWritten) {
                completeWhenWritten = false;
                completeQuietly(async); // what was pending at the close is out: the end follows it
            } else if (wantWritable && !closed) {
                wantWritable = false;
                notifyWritable = true;
            }
        } finally {
            lock.unlock();
        }
        TransportListener l = listener;
        if (l == null) {
            return;
        }
        if (notifyClosed) {
            l.onClosed(failure);
        } else if (notifyWritable) {
            l.onWritable();
        }
    }

    /**
     * With the lock held, container writes in use and the stream marked closed: writes what is
     * pending and ends the stream after it, or ends it now. A write still in flight is not waited
     * for: it is the write of a client that stopped reading (a close then comes from a stalled or
     * slow client, or the container's own end), and waiting would leave the connection to the
     * container's idle timeout; ending the response under it makes the container abort the
     * exchange, as it does for the servlet stream.
     */
    private void completeAfterWrites() {
        if (writing) {
            completeQuietly(async);
        } else if (pendingCount > 0) {
            completeWhenWritten = true;
            startContainerWrite();
        } else {
            completeQuietly(async);
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
            if (async != null && writes != null) {
                completeAfterWrites();
            } else if (async != null) {
                complete();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Returns whether this stream writes through the container's own writes; known once armed. */
    boolean usesContainerWrites() {
        lock.lock();
        try {
            return writes != null;
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
        if (closed || (out == null && writes == null)) {
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
                if (complete && async != null && writes != null) {
                    completeAfterWrites();
                } else if (complete && async != null) {
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
