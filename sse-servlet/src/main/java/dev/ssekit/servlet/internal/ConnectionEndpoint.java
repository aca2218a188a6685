package dev.ssekit.servlet.internal;

import dev.ssekit.SseConnection;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.OwnerResolver;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code GET}: opens a connection for the request, or refuses it before anything is created.
 *
 * <p>Checks run cheapest first, so that a refused request costs little and leaves nothing behind:
 * shutting down (503), query values, names and their numbers (400), the limits as they stand
 * (503, 429), then the application's {@link SseAuthorizer} (403, 204), once per distinct room.
 * Only then is the owner created (with the default {@link OwnerResolver}, the HTTP session), a
 * slot taken and the connection opened.
 *
 * <p>Thread-safe. Keeps the connections it opened, so that {@link #stop()} finds every one, even
 * one whose request passed the first check while the servlet was stopping.
 */
public final class ConnectionEndpoint {

    /** The response header that carries a new connection's id. */
    public static final String CONNECTION_ID_HEADER = "X-SSE-Connection-Id";

    /** The content type of every connection's response. */
    public static final String EVENT_STREAM_CONTENT_TYPE = "text/event-stream;charset=UTF-8";

    private final SseRegistry registry;
    private final ServletSettings settings;
    private final ConnectionLimits limits;

    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Set<SseConnection> open = new HashSet<>(); // guarded by lifecycle
    private volatile boolean stopping; // written under lifecycle

    /** Creates the endpoint for {@code registry} with {@code settings}. */
    public ConnectionEndpoint(SseRegistry registry, ServletSettings settings) {
        this.registry = registry;
        this.settings = settings;
        this.limits = new ConnectionLimits(settings.maxConnections(), settings.maxConnectionsPerOwner());
    }

    /** Opens a connection for {@code request}, or throws the refusal to answer. */
    public void open(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        if (stopping || registry.isClosed()) {
            throw HttpError.shuttingDown();
        }
        if (!request.isAsyncSupported()) {
            throw new HttpError(500, "the SSE servlet must be registered with asyncSupported=true");
        }
        List<String> rooms = RequestParameters.list(request, "rooms");
        List<String> events = RequestParameters.list(request, "events");
        String lastEventId = RequestParameters.lastEventId(request);
        try {
            Connections.checkSubscriptions(registry, rooms, events);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }

        OwnerResolver resolver = settings.ownerResolver();
        String owner = resolver.owner(request); // creates nothing; null for a client with no owner yet
        refuse(limits.check(owner));
        SseAuthorizer authorizer = settings.authorizer();
        SseAuthorizer.ConnectDecision decision = authorizer.connect(request, owner);
        switch (decision == null ? SseAuthorizer.ConnectDecision.DENY : decision) { // fail closed
            case ALLOW -> {}
            case DENY -> throw new HttpError(403, "not allowed to connect");
            case STOP -> {
                response.setStatus(HttpServletResponse.SC_NO_CONTENT);
                return;
            }
        }
        for (String room : new LinkedHashSet<>(rooms)) {
            if (!authorizer.join(request, owner, room)) {
                throw new HttpError(403, "not allowed to join room \"" + room + "\"");
            }
        }

        // Allowed: from here on, state is created, and undone if the connection does not open.
        boolean hadSession = request.getSession(false) != null;
        if (owner == null) {
            owner = resolver.createOwner(request);
        }
        if (owner == null || owner.isEmpty()) {
            forgetNewSession(request, hadSession);
            throw new HttpError(403, "no owner could be established for this request");
        }
        try {
            openAs(owner, rooms, events, lastEventId, request, response);
        } catch (HttpError | IOException | RuntimeException e) {
            forgetNewSession(request, hadSession);
            throw e;
        }
    }

    private void openAs(
            String owner,
            List<String> rooms,
            List<String> events,
            String lastEventId,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException, HttpError {
        ConnectOptions options = ConnectOptions.builder(owner)
                .rooms(rooms)
                .eventTypes(events)
                .lastEventId(lastEventId)
                .announce(true)
                .retry(settings.retry())
                .build();
        refuse(limits.acquire(owner));
        ServletTransport transport = new ServletTransport(request, response);
        SseConnection connection;
        try {
            connection = Connections.open(registry, transport, options);
        } catch (IllegalArgumentException e) {
            limits.release(owner);
            throw new HttpError(400, e.getMessage());
        } catch (IllegalStateException e) {
            limits.release(owner);
            throw HttpError.shuttingDown();
        }
        if (!track(connection, owner)) {
            connection.close();
            limits.release(owner);
            throw HttpError.shuttingDown();
        }

        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(EVENT_STREAM_CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-cache, no-transform");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader(CONNECTION_ID_HEADER, connection.id().toString());
        settings.streamStarting().accept(request, response); // the owner cookie, if one was made for it
        boolean started;
        try {
            started = transport.arm(timeoutMillis(settings.maxConnectionAge()));
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
        if (!started) {
            // Closed between open and start (the registry shut down, or the application closed it).
            connection.close();
            response.reset();
            throw HttpError.shuttingDown();
        }
    }

    /**
     * Keeps {@code connection} until it closes, unless the endpoint is stopping: then the caller
     * closes it. Checked under the same lock {@link #stop()} takes, so a connection is either found
     * by {@code stop()} or refused here, never neither.
     */
    private boolean track(SseConnection connection, String owner) {
        lifecycle.lock();
        try {
            if (stopping) {
                return false;
            }
            open.add(connection);
        } finally {
            lifecycle.unlock();
        }
        connection.onClose(reason -> {
            boolean removed;
            lifecycle.lock();
            try {
                removed = open.remove(connection);
            } finally {
                lifecycle.unlock();
            }
            if (removed) {
                limits.release(owner);
            }
        });
        return true;
    }

    /**
     * Refuses every further connection and returns those open now, for the caller to end; every
     * connection this endpoint ever opens is either among them or refused. Idempotent.
     */
    public List<SseConnection> stop() {
        lifecycle.lock();
        try {
            stopping = true;
            return List.copyOf(open);
        } finally {
            lifecycle.unlock();
        }
    }

    private static void refuse(ConnectionLimits.Refusal refusal) throws HttpError {
        if (refusal == ConnectionLimits.Refusal.TOTAL) {
            throw new HttpError(503, "too many connections", HttpError.jitteredRetryAfter());
        } else if (refusal == ConnectionLimits.Refusal.OWNER) {
            throw new HttpError(429, "too many connections for this client", "10");
        }
    }

    /** Invalidates the session this request created, if it did: a refused request leaves none behind. */
    private static void forgetNewSession(HttpServletRequest request, boolean hadSession) {
        if (hadSession) {
            return;
        }
        HttpSession session = request.getSession(false);
        if (session != null) {
            try {
                session.invalidate();
            } catch (IllegalStateException alreadyInvalid) {
                // nothing left to forget
            }
        }
    }

    /** The async timeout: none, or the maximum age less up to a tenth, so connections end spread out. */
    private static long timeoutMillis(Duration maxAge) {
        if (maxAge == null) {
            return 0;
        }
        long age = maxAge.toMillis();
        return Math.max(1, age - ThreadLocalRandom.current().nextLong(age / 10 + 1));
    }
}
