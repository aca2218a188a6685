package dev.ssekit.servlet.internal;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import java.lang.reflect.Method;
import java.util.concurrent.Executor;

/**
 * The I/O thread of a connection, for the one container that needs a response written to the
 * connection, flushed and completed there: Undertow.
 *
 * <p>When a write or flush from another thread finds the client gone, Undertow ends the response
 * from that thread (after a failed write, through the connection's close); and a response
 * completed from any thread but the connection's I/O thread has its finish (the last chunk) handed
 * to that thread, which fails on the dead connection and logs the failure at ERROR with a stack
 * trace ({@code UT005088}): an ordinary disconnect that reads like a server fault. On the I/O
 * thread itself, the same disconnect is a DEBUG record. No Servlet API call reaches that thread,
 * so for Undertow's own request type it is found through Undertow's public methods
 * ({@code HttpServletRequestImpl.getExchange().getIoThread()}), by reflection, since the adapter
 * depends on no container. Other containers have no such thread.
 *
 * <p>Immutable and thread-safe.
 */
final class IoThread {

    private static final String UNDERTOW_REQUEST = "io.undertow.servlet.spec.HttpServletRequestImpl";

    /** Undertow's {@code getExchange} and {@code getIoThread}, looked up once per request class. */
    private static final ClassValue<Method[]> UNDERTOW_METHODS = new ClassValue<>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
            try {
                Method exchange = type.getMethod("getExchange");
                Method ioThread = exchange.getReturnType().getMethod("getIoThread");
                return new Method[] {exchange, ioThread};
            } catch (NoSuchMethodException | RuntimeException e) {
                return null;
            }
        }
    };

    private final Thread thread;
    private final Executor executor;

    private IoThread(Thread thread, Executor executor) {
        this.thread = thread;
        this.executor = executor;
    }

    /**
     * Returns the I/O thread of {@code request}'s connection when its container needs one, or
     * {@code null} (any thread may flush and complete). Call on the request's own thread.
     */
    static IoThread of(ServletRequest request) {
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper wrapper) {
            r = wrapper.getRequest();
        }
        if (!r.getClass().getName().equals(UNDERTOW_REQUEST)) {
            return null;
        }
        Method[] methods = UNDERTOW_METHODS.get(r.getClass());
        if (methods == null) {
            return null;
        }
        try {
            Object ioThread = methods[1].invoke(methods[0].invoke(r));
            if (ioThread instanceof Thread thread && ioThread instanceof Executor executor) {
                return new IoThread(thread, executor);
            }
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Returns whether the caller is this I/O thread. */
    boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /**
     * Hands {@code task} to the I/O thread, which runs tasks in the order given; if the thread no
     * longer takes tasks (its server is stopping), runs it here.
     */
    void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RuntimeException e) {
            task.run();
        }
    }
}
