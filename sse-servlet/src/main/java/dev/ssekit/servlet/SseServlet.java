package dev.ssekit.servlet;

import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.internal.ConnectionEndpoint;
import dev.ssekit.servlet.internal.HttpError;
import dev.ssekit.servlet.internal.InitParameters;
import dev.ssekit.servlet.internal.Json;
import dev.ssekit.servlet.internal.PresenceEndpoint;
import dev.ssekit.servlet.internal.PublishEndpoint;
import dev.ssekit.servlet.internal.ServletSettings;
import dev.ssekit.servlet.internal.SubscriptionsEndpoint;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A servlet that sends a {@link SseRegistry}'s events to clients as Server-Sent Events, one
 * connection per request, and hosts the small JSON endpoints to change a connection's
 * subscriptions and to publish.
 *
 * <p>Thread-safe: one instance serves every request. It holds no thread per connection: each
 * connection is an asynchronous request whose output is written without blocking when the
 * registry has something for it, so publishers never wait on a client. A client that goes away,
 * fails a write or stops reading is closed and leaves the registry and all its rooms.
 *
 * <pre>{@code
 * SseRegistry registry = SseRegistry.builder().history(1_000).build();
 * SseServlet servlet = SseServlet.builder(registry)
 *         .authorizer(new MyAuthorizer())
 *         .retry(Duration.ofSeconds(3))
 *         .build();
 * SseServlet.register(servletContext, "/sse", servlet); // asyncSupported, "/sse" and "/sse/*"
 *
 * registry.publish("chat.lobby", "message", chatLine);   // anywhere in the application
 * }</pre>
 *
 * <p><b>HTTP interface</b>, when mapped at {@code /sse} and {@code /sse/*}:
 *
 * <ul>
 *   <li>{@code GET /sse} opens a connection: {@code 200} with {@code Content-Type:
 *       text/event-stream;charset=UTF-8}, {@code Cache-Control: no-cache, no-transform} and
 *       {@code X-Accel-Buffering: no}, and the connection id in the header
 *       {@value #CONNECTION_ID_HEADER}. The first event is {@code connected} with data
 *       {@code {"connectionId":"<uuid>"}} (after a {@code retry:} field, if configured). Query
 *       {@code rooms=a,b} joins rooms and {@code events=x,y} chooses event types at once (values
 *       are split at commas and the parameters may repeat; a room whose name holds a comma is
 *       joined through {@code /subscriptions}); the {@code Last-Event-ID} header, or the
 *       {@code lastEventId} query parameter for clients that cannot set headers, resumes as
 *       {@link SseRegistry} describes.
 *   <li>{@code POST /sse} with a JSON body publishes that JSON, compact, as the data of one event,
 *       if the {@link SseAuthorizer} allows it (it does not by default). Query {@code room},
 *       {@code event} and {@code connectionId} choose the room, the event type and a single
 *       recipient (without either, everyone). Answers {@code {"id":"..." or null,"queued":n}},
 *       where {@code queued} counts this server's connections. With a
 *       {@linkplain dev.ssekit.SseRegistry.Builder#relay relayed} registry a
 *       direct message goes to the connection on whichever server holds it, so an id unknown here
 *       is not refused, and the answer adds {@code "relayed":true}; when the relay cannot take the
 *       event, the answer is {@code 503} with {@code Retry-After}.
 *   <li>{@code POST /sse/subscriptions} with {@code {"connectionId":"...","join":[...],
 *       "leave":[...],"events":[...]}} leaves and joins rooms and replaces the connection's event
 *       types in one step, all or nothing; only the connection's owner may (see {@link
 *       OwnerResolver}). Answers {@code {"connectionId":"...","rooms":[...],"events":[...]}}.
 *   <li>{@code GET /sse/presence?room=R} tells who is in a room, on every server with a presence
 *       share: {@code {"room":"R","count":n,"members":[...]}}, where {@code count} counts distinct
 *       owners and {@code members} holds the registry's descriptions of them, present only when
 *       some are described (see {@link SseRegistry#presence}); the owner keys never appear. Allowed
 *       to whoever the {@link SseAuthorizer} lets join the room.
 * </ul>
 *
 * <p><b>What a connection may see.</b> Rooms are the only boundary: a connection receives the
 * events published to everyone, the events of the rooms the {@link SseAuthorizer#join authorizer} let it join, and
 * the direct messages sent to its id, live and replayed. Event types ({@code events=}) are a
 * filter the client chooses for its own convenience, not a permission: an event that some users
 * may not see must be published to a room they may not join.
 *
 * <p>Refusals are answered before any connection opens, with a JSON body {@code {"error":"..."}}:
 * 400 for malformed JSON or invalid names, 403 when not allowed, 404 for an unknown connection or
 * path, 405 for a wrong method, 413 for a body over {@link Builder#maxBodyBytes}, 415 for a body
 * that is not JSON, 503 with {@code Retry-After} when the servlet has {@link
 * Builder#maxConnections} connections or is shutting down, 429 with {@code Retry-After} when one
 * owner has {@link Builder#maxConnectionsPerOwner}. An {@link SseAuthorizer.ConnectDecision#STOP}
 * answers 204, which tells an {@code EventSource} to stop reconnecting. Browsers do not reconnect
 * after any answer other than 200; nothing a client sends ever reaches another client's
 * connection except through the registry's validated events. Input is checked cheapest first:
 * sizes, names and counts before the authorizer is asked anything, and a refused request creates
 * nothing (no HTTP session).
 *
 * <p><b>Registration.</b> The servlet must be registered with {@code asyncSupported=true}, as
 * {@link #register} does. Made by a container from {@code web.xml} (the no-argument constructor),
 * it uses the registry in the servlet context attribute {@value #REGISTRY_ATTRIBUTE} if there is
 * one; otherwise it builds its own from its init parameters, publishes it in that attribute, and
 * shuts it down in {@link #destroy()}.
 *
 * <p><b>Shutdown.</b> {@link #shutdown()}, which {@link #destroy()} calls, stops accepting
 * connections (503). If the servlet built the registry, or {@link Builder#shutdownRegistryOnDestroy}
 * says so, it then {@linkplain SseRegistry#shutdown shuts the registry down}: every connection gets
 * the {@linkplain Builder#finalEvent final event}, is flushed and is completed within {@linkplain
 * Builder#shutdownGrace the grace period}. Otherwise it closes the connections it opened and leaves
 * the registry to its owner. No connection this servlet opened outlives it. Containers differ in
 * when {@code destroy()} runs on a full server stop: Tomcat destroys servlets while its connectors
 * are paused but still open, so clients receive the final event; Jetty 12 closes its connectors
 * first, so clients are cut off without it unless the application calls {@link #shutdown()} before
 * stopping the server (see there).
 *
 * @since 1.0
 */
public final class SseServlet extends HttpServlet {

    /** The servlet context attribute where a registry for servlets made by the container is found. */
    public static final String REGISTRY_ATTRIBUTE = "dev.ssekit.SseRegistry";

    /** The response header that carries a new connection's id. */
    public static final String CONNECTION_ID_HEADER = ConnectionEndpoint.CONNECTION_ID_HEADER;

    /** The content type of every connection's response. */
    public static final String EVENT_STREAM_CONTENT_TYPE = ConnectionEndpoint.EVENT_STREAM_CONTENT_TYPE;

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(SseServlet.class.getName());

    /** What serves requests once the servlet is configured. */
    private record Endpoints(
            SseRegistry registry,
            ServletSettings settings,
            boolean ownsRegistry,
            ConnectionEndpoint connection,
            PublishEndpoint publish,
            SubscriptionsEndpoint subscriptions,
            PresenceEndpoint presence) {

        Endpoints(SseRegistry registry, ServletSettings settings, boolean ownsRegistry) {
            this(
                    registry,
                    settings,
                    ownsRegistry,
                    new ConnectionEndpoint(registry, settings),
                    new PublishEndpoint(registry, settings),
                    new SubscriptionsEndpoint(registry, settings),
                    new PresenceEndpoint(registry, settings));
        }
    }

    // Set by the constructor, or by init() for a servlet made by the container; the container's
    // init() happens-before any request, volatile covers other callers of registry().
    private transient volatile Endpoints endpoints;

    /**
     * Creates a servlet for {@code registry} with the defaults listed on {@link Builder}: anyone may
     * connect, publishing is off.
     */
    public SseServlet(SseRegistry registry) {
        this(builder(registry));
    }

    /**
     * Creates a servlet that a container configures in {@link #init()}: from the registry in the
     * servlet context attribute {@value #REGISTRY_ATTRIBUTE}, or from its init parameters
     * {@code heartbeatSeconds}, {@code history}, {@code queueCapacity}, {@code publish}
     * ({@code true} allows anyone to publish), {@code maxBodyBytes}, {@code maxConnections},
     * {@code maxConnectionsPerOwner}, {@code retryMillis}, {@code maxConnectionAgeSeconds} and
     * {@code shutdownGraceSeconds}.
     */
    public SseServlet() {}

    private SseServlet(Builder b) {
        this.endpoints = new Endpoints(b.registry, b.settings(), false);
    }

    /** Returns a builder for a servlet that sends {@code registry}'s events. */
    public static Builder builder(SseRegistry registry) {
        return new Builder(registry);
    }

    /**
     * Adds {@code servlet} to {@code context}, mapped at {@code path} and {@code path + "/*"}, with
     * {@code asyncSupported=true}. Call it while the context starts: from a
     * {@link jakarta.servlet.ServletContainerInitializer} or a {@code ServletContextListener}
     * declared in {@code web.xml} or by annotation.
     *
     * @param path the mapping, such as {@code "/sse"}: it starts with {@code /} and ends with
     *     neither {@code /} nor {@code *}
     * @return the registration, to configure further
     * @throws IllegalArgumentException if the path is not of that form
     * @throws IllegalStateException if the context has started, or a servlet is already registered
     *     under that name or mapping
     */
    public static ServletRegistration.Dynamic register(ServletContext context, String path, SseServlet servlet) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(servlet, "servlet");
        if (!path.startsWith("/") || path.endsWith("/") || path.indexOf('*') >= 0) {
            throw new IllegalArgumentException(
                    "path must start with '/' and end with neither '/' nor '*': \"" + path + "\"");
        }
        String name = "ssekit:" + path;
        ServletRegistration.Dynamic registration = context.addServlet(name, servlet);
        if (registration == null) {
            throw new IllegalStateException("a servlet named \"" + name + "\" is already registered");
        }
        registration.setAsyncSupported(true);
        Set<String> taken = registration.addMapping(path, path + "/*");
        if (!taken.isEmpty()) {
            throw new IllegalStateException("mappings already taken by other servlets: " + taken);
        }
        return registration;
    }

    /**
     * Returns the registry this servlet sends from; for a servlet made by the container, once
     * {@link #init()} has run, else {@code null}.
     */
    public SseRegistry registry() {
        Endpoints e = endpoints;
        return e == null ? null : e.registry();
    }

    // ---- life cycle ----------------------------------------------------------------------------

    /**
     * Configures a servlet made by the container: see {@link #SseServlet()}. Does nothing for a
     * servlet made with a registry.
     *
     * @throws ServletException if an init parameter is malformed or the context attribute holds
     *     something other than a registry
     */
    @Override
    public void init() throws ServletException {
        if (endpoints != null) {
            return;
        }
        ServletContext context = getServletContext();
        Object shared = context.getAttribute(REGISTRY_ATTRIBUTE);
        if (shared != null && !(shared instanceof SseRegistry)) {
            throw new ServletException("servlet context attribute " + REGISTRY_ATTRIBUTE
                    + " must hold an SseRegistry, was " + shared.getClass().getName());
        }
        InitParameters parameters = new InitParameters(this::getInitParameter);
        try {
            boolean owns = shared == null;
            SseRegistry r = owns ? parameters.registry() : (SseRegistry) shared;
            if (!owns) {
                for (String ignored : parameters.registryParametersSet()) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "init parameter {0} is ignored: the registry" + " comes from the servlet context attribute "
                                    + REGISTRY_ATTRIBUTE,
                            ignored);
                }
            }
            try {
                endpoints = new Endpoints(r, parameters.servlet(r).settings(), owns);
            } catch (RuntimeException e) {
                if (owns) {
                    r.close(); // stops the heartbeat thread it started
                }
                throw e;
            }
            if (owns) {
                context.setAttribute(REGISTRY_ATTRIBUTE, r);
            }
        } catch (IllegalArgumentException e) {
            throw new ServletException(e.getMessage(), e);
        }
    }

    /** Shuts down as {@link #shutdown()} describes; the container calls it when it takes the servlet out of service. */
    @Override
    public void destroy() {
        shutdown();
    }

    /**
     * Stops accepting connections, then shuts the registry down if this servlet built it or was
     * told to ({@link Builder#shutdownRegistryOnDestroy}), with the {@linkplain Builder#finalEvent
     * final event} and {@linkplain Builder#shutdownGrace grace period}, or else closes the
     * connections it opened. Idempotent; {@link #destroy()} calls it. Returns once every
     * connection this servlet opened has ended; a request that was being checked meanwhile is
     * refused with 503.
     *
     * <p>Call it yourself where the container closes its connectors before it destroys servlets,
     * or clients are cut off without the final event. Jetty 12 does: its {@code Server.stop()}
     * stops the connectors, then the contexts. Run it as the server begins to stop:
     *
     * <pre>{@code
     * server.addEventListener(new LifeCycle.Listener() {
     *     public void lifeCycleStopping(LifeCycle event) {
     *         sseServlet.shutdown();
     *     }
     * });
     * }</pre>
     *
     * Tomcat destroys servlets while its connectors are paused but still open, and undeploying a
     * context on any container leaves the connectors open, so there {@code destroy()} is enough.
     */
    public void shutdown() {
        Endpoints e = endpoints;
        if (e == null) {
            return;
        }
        List<SseConnection> open = e.connection().stop();
        ServletSettings s = e.settings();
        if (e.ownsRegistry() || s.shutdownRegistryOnDestroy()) {
            if (e.ownsRegistry() && getServletConfig() != null) {
                getServletContext().removeAttribute(REGISTRY_ATTRIBUTE);
            }
            if (!e.registry().shutdown(s.finalEvent(), s.shutdownGrace())) {
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "some connections did not finish within {0}; closed them",
                        s.shutdownGrace());
            }
        } else {
            for (SseConnection c : open) {
                c.close();
            }
        }
    }

    // ---- routing -------------------------------------------------------------------------------

    /** Routes by path and method; every refusal ends here as a JSON error. */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Endpoints e = endpoints;
        try {
            if (e == null) {
                throw new HttpError(503, "the servlet is not initialized", "5");
            }
            String path = request.getPathInfo();
            String method = request.getMethod();
            if (path == null || path.equals("/")) {
                switch (method) {
                    case "GET" -> e.connection().open(request, response);
                    case "POST" -> e.publish().publish(request, response);
                    case "OPTIONS" -> options(response, "GET, POST, OPTIONS");
                    default -> throw methodNotAllowed(response, method, "GET, POST, OPTIONS");
                }
            } else if (path.equals("/subscriptions")) {
                switch (method) {
                    case "POST" -> e.subscriptions().change(request, response);
                    case "OPTIONS" -> options(response, "POST, OPTIONS");
                    default -> throw methodNotAllowed(response, method, "POST, OPTIONS");
                }
            } else if (path.equals("/presence")) {
                switch (method) {
                    case "GET" -> e.presence().answer(request, response);
                    case "OPTIONS" -> options(response, "GET, OPTIONS");
                    default -> throw methodNotAllowed(response, method, "GET, OPTIONS");
                }
            } else {
                throw new HttpError(404, "no such endpoint");
            }
        } catch (HttpError error) {
            if (!response.isCommitted()) {
                Json.discardBody(
                        request,
                        response,
                        e == null
                                ? ServletSettings.DEFAULT_MAX_BODY_BYTES
                                : e.settings().maxBodyBytes());
                Json.writeError(response, error);
            }
        }
    }

    private static HttpError methodNotAllowed(HttpServletResponse response, String method, String allow) {
        response.setHeader("Allow", allow);
        return new HttpError(405, "method " + method + " is not allowed here; allowed: " + allow);
    }

    private static void options(HttpServletResponse response, String allow) {
        response.setHeader("Allow", allow);
        response.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }

    // ---- configuration ---------------------------------------------------------------------------

    /**
     * Configures an {@link SseServlet}. Not thread-safe: use one builder from one thread.
     *
     * <p>Defaults: {@link SseAuthorizer#defaults()} (anyone connects, nobody publishes);
     * {@link OwnerResolver#principalSessionOrCookie()}; 10,000 connections in total and 64 per owner; request
     * bodies up to 64 KiB; no initial {@code retry}; no maximum connection age; on destroy, a grace
     * of 5 s, no final event, and the registry is shut down only if the servlet built it.
     *
     * @since 1.0
     */
    public static final class Builder {
        private final SseRegistry registry;
        private SseAuthorizer authorizer = SseAuthorizer.defaults();
        private OwnerResolver ownerResolver = OwnerResolver.principalSessionOrCookie();
        private int maxConnections = 10_000;
        private int maxConnectionsPerOwner = 64;
        private int maxBodyBytes = ServletSettings.DEFAULT_MAX_BODY_BYTES;
        private Duration retry;
        private Duration maxConnectionAge;
        private Duration shutdownGrace = Duration.ofSeconds(5);
        private SseEvent finalEvent;
        private boolean shutdownRegistryOnDestroy;

        private Builder(SseRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Sets who may connect, join rooms, manage connections and publish. */
        public Builder authorizer(SseAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /** Sets who owns a request's connections. */
        public Builder ownerResolver(OwnerResolver ownerResolver) {
            this.ownerResolver = Objects.requireNonNull(ownerResolver, "ownerResolver");
            return this;
        }

        /** Bounds the connections this servlet keeps open; more are refused with 503 and Retry-After. */
        public Builder maxConnections(int max) {
            this.maxConnections = atLeastOne("maxConnections", max);
            return this;
        }

        /** Bounds the connections one owner keeps open; more are refused with 429 and Retry-After. */
        public Builder maxConnectionsPerOwner(int max) {
            this.maxConnectionsPerOwner = atLeastOne("maxConnectionsPerOwner", max);
            return this;
        }

        /** Bounds request bodies of the JSON endpoints; larger ones are refused with 413. */
        public Builder maxBodyBytes(int max) {
            this.maxBodyBytes = atLeastOne("maxBodyBytes", max);
            return this;
        }

        /** Sends {@code retry:} with this reconnection delay first on every connection; {@code null} for none. */
        public Builder retry(Duration retry) {
            if (retry != null && retry.isNegative()) {
                throw new IllegalArgumentException("retry must not be negative: " + retry);
            }
            this.retry = retry;
            return this;
        }

        /**
         * Ends each connection after at most this long (between 90% and 100% of it, at random, so that
         * clients do not all reconnect at once); the client reconnects and resumes with its last
         * event id. {@code null} or zero: connections live until the client or the server ends them.
         */
        public Builder maxConnectionAge(Duration maxAge) {
            if (maxAge != null && maxAge.isNegative()) {
                throw new IllegalArgumentException("maxConnectionAge must not be negative: " + maxAge);
            }
            this.maxConnectionAge = maxAge == null || maxAge.isZero() ? null : maxAge;
            return this;
        }

        /** Sets how long {@link SseServlet#shutdown()} lets connections finish when it shuts the registry down. */
        public Builder shutdownGrace(Duration grace) {
            Objects.requireNonNull(grace, "shutdownGrace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must not be negative: " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * Sets the event every connection receives last when {@link SseServlet#shutdown()} shuts the
         * registry down, for example {@code SseEvent.builder().retry(Duration.ofSeconds(10)).build()}
         * to tell browsers when to come back (each connection receives a retry between that and
         * twice it, so that clients do not all return at once); {@code null} for none. It is never
         * recorded, so it carries no id.
         *
         * @throws IllegalArgumentException if {@code finalEvent} has an id
         */
        public Builder finalEvent(SseEvent finalEvent) {
            if (finalEvent != null && finalEvent.id() != null) {
                throw new IllegalArgumentException(
                        "finalEvent: id must be null, a final event is never recorded; was \"" + finalEvent.id()
                                + "\"");
            }
            this.finalEvent = finalEvent;
            return this;
        }

        /**
         * Makes {@link SseServlet#shutdown()} (and so {@link SseServlet#destroy()}) shut the registry down even though the servlet did not
         * build it: for a registry used by this servlet alone.
         */
        public Builder shutdownRegistryOnDestroy(boolean shutdown) {
            this.shutdownRegistryOnDestroy = shutdown;
            return this;
        }

        /** Returns the servlet. */
        public SseServlet build() {
            return new SseServlet(this);
        }

        ServletSettings settings() {
            return new ServletSettings(
                    authorizer,
                    ownerResolver,
                    maxConnections,
                    maxConnectionsPerOwner,
                    maxBodyBytes,
                    retry,
                    maxConnectionAge,
                    shutdownGrace,
                    finalEvent,
                    shutdownRegistryOnDestroy,
                    OwnerCookie::addTo);
        }

        private static int atLeastOne(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1: " + value);
            }
            return value;
        }
    }
}
