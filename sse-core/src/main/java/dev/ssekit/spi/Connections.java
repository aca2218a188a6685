package dev.ssekit.spi;

import dev.ssekit.SseConnection;
import dev.ssekit.SseRegistry;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Collection;
import java.util.Objects;

/**
 * Where an adapter (such as the servlet module) opens connections on a registry: what an
 * application never calls, kept off {@link SseRegistry} so that its API is the application's.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 1.0
 */
public final class Connections {

    // The registry keeps these two methods private; this class, in the same module, is their only
    // caller. A private lookup stays inside the module, and this package needs nothing of the
    // registry's internals to make it.
    private static final MethodHandle OPEN;
    private static final MethodHandle CHECK;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(SseRegistry.class, MethodHandles.lookup());
            OPEN = lookup.findVirtual(
                    SseRegistry.class,
                    "open",
                    MethodType.methodType(SseConnection.class, SseTransport.class, ConnectOptions.class));
            CHECK = lookup.findVirtual(
                    SseRegistry.class,
                    "checkSubscriptions",
                    MethodType.methodType(void.class, Collection.class, Collection.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Connections() {}

    /**
     * Registers a new connection on {@code registry} that writes through {@code transport}.
     *
     * <p>Before this returns, the connection has joined its rooms and has queued, in this order: the
     * {@code retry} field and the {@code connected} event if the options ask for them, then any
     * replay. No live event can come between the replay and the live stream, and none is missed.
     *
     * @throws IllegalArgumentException naming the field, if a room or event type is invalid or the
     *     options ask for more rooms or event types than the registry allows
     * @throws IllegalStateException if the registry is closed
     */
    public static SseConnection open(SseRegistry registry, SseTransport transport, ConnectOptions options) {
        Objects.requireNonNull(registry, "registry");
        try {
            return (SseConnection) OPEN.invokeExact(registry, transport, options);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new UndeclaredThrowableException(e);
        }
    }

    /**
     * Checks room names and event types by {@code registry}'s rules (not empty, at most 128
     * characters, no control characters) and their numbers by its per-connection limits, as
     * {@link #open} and {@link SseRegistry#changeSubscriptions} would, without changing anything:
     * for an adapter to refuse bad input before it asks the application whether the names are
     * allowed.
     *
     * @param rooms room names, or {@code null} for none
     * @param eventTypes event types, or {@code null} for none
     * @throws IllegalArgumentException naming the field, if a name is invalid or there are more
     *     (distinct) rooms or event types than one connection may have
     */
    public static void checkSubscriptions(
            SseRegistry registry, Collection<String> rooms, Collection<String> eventTypes) {
        Objects.requireNonNull(registry, "registry");
        try {
            CHECK.invokeExact(registry, rooms, eventTypes);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new UndeclaredThrowableException(e);
        }
    }
}
