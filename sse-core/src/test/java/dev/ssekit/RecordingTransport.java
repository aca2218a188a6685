package dev.ssekit;

import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.SseFrame;
import dev.ssekit.spi.SseTransport;
import dev.ssekit.spi.TransportListener;
import dev.ssekit.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An in-memory {@link SseTransport} that records every frame the registry writes, can be switched
 * to "not ready" and back, can be made to fail, and checks that the registry keeps the SPI's
 * contract: one call at a time, nothing after close, a write or flush only right after
 * {@link #isReady()} said {@code true}.
 *
 * <p>Thread-safe: tests switch and inspect it from any thread while the registry drives it.
 */
final class RecordingTransport implements SseTransport {

    private final ReentrantLock recordLock = new ReentrantLock();
    private final List<SseFrame> frames = new ArrayList<>(); // guarded by recordLock; frames are immutable

    // Readiness: the flag, whether a "false" answer still owes the listener an onWritable(), and how
    // many more writes may be taken before readiness turns off by itself (-1: no limit).
    private final ReentrantLock readyLock = new ReentrantLock();
    private boolean ready = true;
    private boolean owesWritable;
    private int writeBudget = -1;

    private final AtomicBoolean inCall = new AtomicBoolean();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger closes = new AtomicInteger();
    private final AtomicInteger flushes = new AtomicInteger();
    private volatile TransportListener listener;
    private volatile IOException writeFailure;
    private volatile Consumer<SseFrame> onWrite = frame -> {};
    private volatile boolean lastAnswerWasReady; // confined to the registry's calls, which are serial

    /** Returns a transport that is ready from the start. */
    RecordingTransport() {}

    /** Returns a transport that starts not ready, as a client that reads nothing. */
    static RecordingTransport notReady() {
        RecordingTransport t = new RecordingTransport();
        t.ready = false;
        return t;
    }

    // ---- SseTransport ---------------------------------------------------------------------------

    @Override
    public void start(TransportListener listener) {
        enter("start");
        try {
            if (this.listener != null) {
                violations.add("start called twice");
            }
            this.listener = listener;
        } finally {
            exit();
        }
    }

    @Override
    public boolean isReady() {
        enter("isReady");
        try {
            readyLock.lock();
            try {
                if (!ready) {
                    owesWritable = true;
                }
                lastAnswerWasReady = ready;
                return ready;
            } finally {
                readyLock.unlock();
            }
        } finally {
            exit();
        }
    }

    @Override
    public void write(SseFrame frame) throws IOException {
        enter("write");
        try {
            requireReadyAnswer("write");
            IOException failure = writeFailure;
            if (failure != null) {
                throw failure;
            }
            onWrite.accept(frame);
            recordLock.lock();
            try {
                frames.add(frame);
            } finally {
                recordLock.unlock();
            }
            readyLock.lock();
            try {
                if (writeBudget > 0 && --writeBudget == 0) {
                    ready = false;
                    writeBudget = -1;
                }
            } finally {
                readyLock.unlock();
            }
        } finally {
            exit();
        }
    }

    @Override
    public void flush() {
        enter("flush");
        try {
            requireReadyAnswer("flush");
            flushes.incrementAndGet();
        } finally {
            exit();
        }
    }

    @Override
    public void close() {
        enter("close");
        try {
            if (closes.incrementAndGet() > 1) {
                violations.add("close called twice");
            }
        } finally {
            exit();
        }
    }

    private void enter(String method) {
        if (!inCall.compareAndSet(false, true)) {
            violations.add(method + " called while another call was running");
        }
        if (closes.get() > 0) {
            violations.add(method + " called after close");
        }
    }

    private void exit() {
        inCall.set(false);
    }

    private void requireReadyAnswer(String method) {
        if (!lastAnswerWasReady) {
            violations.add(method + " called without isReady() returning true just before");
        }
        lastAnswerWasReady = false;
    }

    // ---- what tests do ----------------------------------------------------------------------------

    /**
     * Switches readiness. Switching on after {@link #isReady()} answered {@code false} tells the
     * listener {@code onWritable()}, on the calling thread, as a servlet container would.
     */
    void setReady(boolean ready) {
        switchReady(ready, -1);
    }

    /** Makes the transport ready for {@code writes} more writes, after which it turns not ready. */
    void readyFor(int writes) {
        if (writes < 1) {
            throw new IllegalArgumentException("writes must be at least 1: " + writes);
        }
        switchReady(true, writes);
    }

    private void switchReady(boolean ready, int budget) {
        boolean notify;
        readyLock.lock();
        try {
            this.ready = ready;
            writeBudget = budget;
            notify = ready && owesWritable;
            if (notify) {
                owesWritable = false;
            }
        } finally {
            readyLock.unlock();
        }
        if (notify) {
            listener.onWritable();
        }
    }

    /** Makes every later write throw {@code failure}, as a broken connection does. */
    void failWrites(IOException failure) {
        this.writeFailure = failure;
    }

    /**
     * Runs {@code action} inside every later {@link #write}, before the frame is recorded, on the
     * registry's draining thread: a way to make things happen while a drain is under way.
     */
    void onWrite(Consumer<SseFrame> action) {
        this.onWrite = action;
    }

    /** Reports that the client went away, as a container does when the socket closes. */
    void clientGone() {
        listener.onClosed(null);
    }

    /** Reports that the stream failed from the outside. */
    void streamFailed(IOException cause) {
        listener.onClosed(cause);
    }

    // ---- what tests look at -----------------------------------------------------------------------

    /** Returns everything written, as text. */
    String text() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** Returns everything written, byte for byte. */
    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (SseFrame frame : writtenFrames()) {
            out.writeBytes(frame.toByteArray());
        }
        return out.toByteArray();
    }

    /** Returns every frame written, as text, in order. */
    List<String> frames() {
        return writtenFrames().stream().map(SseFrame::toString).toList();
    }

    private List<SseFrame> writtenFrames() {
        recordLock.lock();
        try {
            return List.copyOf(frames);
        } finally {
            recordLock.unlock();
        }
    }

    /** Returns what a browser would make of everything written so far. */
    WhatwgParser.Result parsed() {
        return WhatwgParser.parse(bytes());
    }

    /** Returns the events a browser would dispatch from everything written so far. */
    List<Message> messages() {
        return parsed().messages();
    }

    /** Returns the data of every dispatched event, in order. */
    List<String> data() {
        return messages().stream().map(Message::data).toList();
    }

    /** Returns whether the registry closed this transport. */
    /** Whether the registry started this transport: a connection was made on it. */
    boolean isStarted() {
        return listener != null;
    }

    boolean isClosed() {
        return closes.get() > 0;
    }

    /** Returns how many times the registry flushed. */
    int flushes() {
        return flushes.get();
    }

    /** Returns every breach of the SPI contract seen so far; empty when the registry behaved. */
    List<String> violations() {
        return List.copyOf(violations);
    }

    /** Waits until the registry has closed this transport. */
    void awaitClosed(Duration timeout) {
        Await.await("transport closed", timeout, this::isClosed);
    }
}
