package dev.ssekit.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssekit.ConnectOptions;
import dev.ssekit.PublishResult;
import dev.ssekit.SseConnection;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.internal.ConnectionLimits;
import dev.ssekit.servlet.internal.HttpError;
import dev.ssekit.servlet.internal.Json;
import dev.ssekit.servlet.internal.PresenceEndpoint;
import dev.ssekit.servlet.internal.ServletTransport;
import dev.ssekit.spi.RelayUnavailableException;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A servlet that streams a {@link SseRegistry}'s events to clients as Server-Sent Events, and
 * hosts the small JSON endpoints to change a stream's subscriptions and to publish.
 *
 * <p>Thread-safe: one instance serves every request. It holds no thread per stream: each stream
 * is an asynchronous request whose output is written without blocking when the registry has
 * something for it, so publishers never wait on a client. A client that goes away, fails a write
 * or stops reading is closed and leaves the registry and all its rooms.
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
 *   <li>{@code GET /sse} opens a stream: {@code 200} with {@code Content-Type:
 *       text/event-stream;charset=UTF-8}, {@code Cache-Control: no-cache, no-transform} and
 *       {@code X-Accel-Buffering: no}, and the connection id in the header
 *       {@value #CONNECTION_ID_HEADER}. The first event is {@code connected} with data
 *       {@code {"connectionId":"<uuid>"}} (after a {@code retry:} field, if configured). Query
 *       {@code rooms=a,b} joins rooms and {@code events=x,y} chooses event types at once (values
 *       are split at commas and the parameters may repeat; a room whose name holds a comma is
 *       joined through {@code /subscriptions}); the
 *       {@code Last-Event-ID} header, or the {@code lastEventId} query parameter for clients that
 *       cannot set headers, resumes as {@link SseRegistry} describes.
 *   <li>{@code POST /sse} with a JSON body publishes that JSON, compact, as the data of one event,
 *       if the {@link SseAuthorizer} allows it (it does not by default). Query {@code room},
 *       {@code event} and {@code to} (a connection id) choose the room, the event type and a single
 *       recipient. Answers {@code {"id":"..." or null,"queued":n}}, where {@code queued} counts
 *       this server's connections. With a {@linkplain SseRegistry#isRelayed() relayed} registry a
 *       direct message goes to the connection on whichever server holds it, so an id unknown here
 *       is not refused, and the answer adds {@code "relayed":true}; when the relay cannot take the
 *       event, the answer is {@code 503} with {@code Retry-After}.
 *   <li>{@code POST /sse/subscriptions} with {@code {"connectionId":"...","join":[...],
 *       "leave":[...],"events":[...]}} changes a stream's event types, then leaves, then joins
 *       rooms, all or nothing; only the stream's owner may (see {@link OwnerResolver}). Answers
 *       {@code {"connectionId":"...","rooms":[...],"events":[...]}}.
 *   <li>{@code GET /sse/presence?room=R} tells who is in a room, on every server with a presence
 *       share: {@code {"room":"R","count":n,"members":[...]}}, where {@code count} counts distinct
 *       owners and {@code members} holds the registry's descriptions of them, present only when
 *       some are described (see {@link SseRegistry#presence}); the owner keys never appear. Allowed
 *       to whoever the {@link SseAuthorizer} lets join the room.
 * </ul>
 *
 * <p>Refusals are answered before any stream starts, with a JSON body {@code {"error":"..."}}:
 * 400 for malformed JSON or invalid names, 403 when not allowed, 404 for an unknown connection or
 * path, 405 for a wrong method, 413 for a body over {@link Builder#maxBodyBytes}, 415 for a body
 * that is not JSON, 503 with {@code Retry-After} when the servlet has {@link
 * Builder#maxConnections} streams or is shutting down, 429 with {@code Retry-After} when one owner
 * has {@link Builder#maxConnectionsPerOwner}. An {@link SseAuthorizer.ConnectDecision#STOP}
 * answers 204, which tells an {@code EventSource} to stop reconnecting. Browsers do not reconnect
 * after any answer other than 200; nothing a client sends ever reaches another client's stream
 * except through the registry's validated events.
 *
 * <p><b>Registration.</b> The servlet must be registered with {@code asyncSupported=true}, as
 * {@link #register} does. Made by a container from {@code web.xml} (the no-argument constructor),
 * it uses the registry in the servlet context attribute {@value #REGISTRY_ATTRIBUTE} if there is
 * one; otherwise it builds its own from its init parameters, publishes it in that attribute, and
 * shuts it down in {@link #destroy()}.
 *
 * <p><b>Shutdown.</b> {@link #destroy()} stops accepting streams (503). If the servlet built the
 * registry, or {@link Builder#shutdownRegistryOnDestroy} says so, it then
 * {@linkplain SseRegistry#shutdown shuts the registry down}: every stream gets the
 * {@linkplain Builder#finalEvent final event}, is flushed and is completed within
 * {@linkplain Builder#shutdownGrace the grace period}. Otherwise it closes the streams it opened
 * and leaves the registry to its owner.
 *
 * @since 1.0
 */
public final class SseServlet extends HttpServlet {

    /** The servlet context attribute where a registry for servlets made by the container is found. */
    public static final String REGISTRY_ATTRIBUTE = "dev.ssekit.SseRegistry";

    /** The response header that carries a new stream's connection id. */
    public static final String CONNECTION_ID_HEADER = "X-SSE-Connection-Id";

    /** The content type of every stream. */
    public static final String EVENT_STREAM_CONTENT_TYPE = "text/event-stream;charset=UTF-8";

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(SseServlet.class.getName());

    /** Longest query parameter value read; names within are bounded again by the registry. */
    private static final int MAX_PARAMETER_CHARS = 4096;
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Set<String> SUBSCRIPTION_FIELDS = Set.of("connectionId", "join", "leave", "events");

    // Set by the constructor, or by init() for a servlet made by the container; the container's
    // init() happens-before any request, volatile covers other callers of registry().
    private transient volatile SseRegistry registry;
    private transient volatile Settings settings;
    private transient volatile ConnectionLimits limits;
    private transient volatile boolean ownsRegistry;
    private transient volatile boolean stopping;
    private final transient Set<SseConnection> streams = ConcurrentHashMap.newKeySet();

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
        configure(b.registry, b.settings(), false);
    }

    /** Returns a builder for a servlet that streams from {@code registry}. */
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
     * Returns the registry this servlet streams from; for a servlet made by the container, once
     * {@link #init()} has run, else {@code null}.
     */
    public SseRegistry registry() {
        return registry;
    }

    private void configure(SseRegistry registry, Settings settings, boolean owns) {
        this.settings = settings;
        this.limits = new ConnectionLimits(settings.maxConnections(), settings.maxConnectionsPerOwner());
        this.ownsRegistry = owns;
        this.registry = registry;
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
        if (registry != null) {
            return;
        }
        ServletContext context = getServletContext();
        Object shared = context.getAttribute(REGISTRY_ATTRIBUTE);
        if (shared != null && !(shared instanceof SseRegistry)) {
            throw new ServletException("servlet context attribute " + REGISTRY_ATTRIBUTE
                    + " must hold an SseRegistry, was " + shared.getClass().getName());
        }
        try {
            SseRegistry r;
            boolean owns = shared == null;
            if (owns) {
                SseRegistry.Builder rb = SseRegistry.builder();
                applyInt("heartbeatSeconds", v -> rb.heartbeat(Duration.ofSeconds(v)));
                applyInt("history", rb::history);
                applyInt("queueCapacity", rb::queueCapacity);
                r = rb.build();
            } else {
                r = (SseRegistry) shared;
                for (String ignored : List.of("heartbeatSeconds", "history", "queueCapacity")) {
                    if (getInitParameter(ignored) != null) {
                        LOG.log(System.Logger.Level.WARNING, "init parameter {0} is ignored: the registry"
                                + " comes from the servlet context attribute " + REGISTRY_ATTRIBUTE, ignored);
                    }
                }
            }
            try {
                configure(r, servletSettings(r), owns);
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

    private Settings servletSettings(SseRegistry r) {
        Builder b = builder(r);
        String publish = getInitParameter("publish");
        if (publish != null) {
            if (!publish.equals("true") && !publish.equals("false")) {
                throw new IllegalArgumentException(
                        "init parameter publish must be true or false, was \"" + publish + "\"");
            }
            b.authorizer(publish.equals("true") ? SseAuthorizer.allowAll() : SseAuthorizer.defaults());
        }
        applyInt("maxBodyBytes", b::maxBodyBytes);
        applyInt("maxConnections", b::maxConnections);
        applyInt("maxConnectionsPerOwner", b::maxConnectionsPerOwner);
        applyInt("retryMillis", v -> b.retry(Duration.ofMillis(v)));
        applyInt("maxConnectionAgeSeconds", v -> b.maxConnectionAge(Duration.ofSeconds(v)));
        applyInt("shutdownGraceSeconds", v -> b.shutdownGrace(Duration.ofSeconds(v)));
        return b.settings();
    }

    private Integer intParameter(String name) {
        String value = getInitParameter(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "init parameter " + name + " must be a whole number, was \"" + value + "\"", e);
        }
    }

    private void applyInt(String name, java.util.function.IntConsumer setter) {
        Integer value = intParameter(name);
        if (value != null) {
            try {
                setter.accept(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("init parameter " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Stops accepting streams, then shuts the registry down if this servlet owns it or was told to,
     * or else closes the streams it opened. See the class description.
     */
    @Override
    public void destroy() {
        stopping = true;
        SseRegistry r = registry;
        Settings s = settings;
        if (r == null) {
            return;
        }
        if (ownsRegistry || s.shutdownRegistryOnDestroy()) {
            if (ownsRegistry && getServletConfig() != null) {
                getServletContext().removeAttribute(REGISTRY_ATTRIBUTE);
            }
            if (!r.shutdown(s.finalEvent(), s.shutdownGrace())) {
                LOG.log(System.Logger.Level.DEBUG, "some streams did not finish within {0}; closed them",
                        s.shutdownGrace());
            }
        } else {
            for (SseConnection c : streams) {
                c.close();
            }
        }
    }

    // ---- dispatch ------------------------------------------------------------------------------

    /** Routes by path and method; every refusal ends here as a JSON error. */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            String path = request.getPathInfo();
            String method = request.getMethod();
            if (path == null || path.equals("/")) {
                switch (method) {
                    case "GET" -> stream(request, response);
                    case "POST" -> publish(request, response);
                    case "OPTIONS" -> options(response, "GET, POST, OPTIONS");
                    default -> throw methodNotAllowed(response, method, "GET, POST, OPTIONS");
                }
            } else if (path.equals("/subscriptions")) {
                switch (method) {
                    case "POST" -> subscriptions(request, response);
                    case "OPTIONS" -> options(response, "POST, OPTIONS");
                    default -> throw methodNotAllowed(response, method, "POST, OPTIONS");
                }
            } else if (path.equals("/presence")) {
                switch (method) {
                    case "GET" -> presence(request, response);
                    case "OPTIONS" -> options(response, "GET, OPTIONS");
                    default -> throw methodNotAllowed(response, method, "GET, OPTIONS");
                }
            } else {
                throw new HttpError(404, "no such endpoint");
            }
        } catch (HttpError e) {
            if (!response.isCommitted()) {
                Settings s = settings;
                Json.discardBody(request, response, s == null ? Builder.DEFAULT_MAX_BODY_BYTES : s.maxBodyBytes());
                Json.writeError(response, e);
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

    // ---- GET: streams ----------------------------------------------------------------------------

    private void stream(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        SseRegistry r = registry;
        Settings s = settings;
        if (r == null) {
            throw new HttpError(503, "the servlet is not initialized", "5");
        }
        if (stopping || r.isClosed()) {
            throw shuttingDown();
        }
        if (!request.isAsyncSupported()) {
            throw new HttpError(500, "the SSE servlet must be registered with asyncSupported=true");
        }
        List<String> rooms = listParameter(request, "rooms");
        List<String> events = listParameter(request, "events");
        String lastEventId = lastEventId(request);
        String owner = owner(request, s);

        SseAuthorizer.ConnectDecision decision = s.authorizer().connect(request, owner);
        switch (decision == null ? SseAuthorizer.ConnectDecision.DENY : decision) { // fail closed
            case ALLOW -> { }
            case DENY -> throw new HttpError(403, "not allowed to connect");
            case STOP -> {
                response.setStatus(HttpServletResponse.SC_NO_CONTENT);
                return;
            }
        }
        ConnectOptions options;
        try {
            options = ConnectOptions.builder(owner)
                    .rooms(rooms)
                    .eventTypes(events)
                    .lastEventId(lastEventId)
                    .announce(true)
                    .retry(s.retry())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        authorizeSubscriptions(request, owner, s, options.rooms(), options.eventTypes());

        ConnectionLimits.Refusal refusal = limits.acquire(owner);
        if (refusal == ConnectionLimits.Refusal.TOTAL) {
            throw new HttpError(503, "too many connections", jitteredRetryAfter());
        } else if (refusal == ConnectionLimits.Refusal.OWNER) {
            throw new HttpError(429, "too many connections for this client", "10");
        }
        ServletTransport transport = new ServletTransport(request, response);
        SseConnection connection;
        try {
            connection = r.open(transport, options);
        } catch (IllegalArgumentException e) {
            limits.release(owner);
            throw new HttpError(400, e.getMessage());
        } catch (IllegalStateException e) {
            limits.release(owner);
            throw shuttingDown();
        }
        streams.add(connection);
        connection.onClose(reason -> {
            if (streams.remove(connection)) {
                limits.release(owner);
            }
        });

        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(EVENT_STREAM_CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-cache, no-transform");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader(CONNECTION_ID_HEADER, connection.id().toString());
        boolean started;
        try {
            started = transport.arm(timeoutMillis(s.maxConnectionAge()));
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
        if (!started) {
            // Closed between open and start (the registry shut down, or the application closed it).
            connection.close();
            response.reset();
            throw shuttingDown();
        }
    }

    private static HttpError shuttingDown() {
        return new HttpError(503, "the server is shutting down", jitteredRetryAfter());
    }

    /** A Retry-After of 5 to 14 seconds, so that refused clients do not all return at once. */
    private static String jitteredRetryAfter() {
        return Integer.toString(5 + ThreadLocalRandom.current().nextInt(10));
    }

    /** The async timeout: none, or the maximum age less up to a tenth, so streams end spread out. */
    private static long timeoutMillis(Duration maxAge) {
        if (maxAge == null) {
            return 0;
        }
        long age = maxAge.toMillis();
        return Math.max(1, age - ThreadLocalRandom.current().nextLong(age / 10 + 1));
    }

    private static String lastEventId(HttpServletRequest request) throws HttpError {
        String id = request.getHeader("Last-Event-ID");
        String source = "Last-Event-ID";
        if (id == null || id.isEmpty()) {
            String[] values = parameterValues(request, "lastEventId");
            id = values == null || values.length == 0 ? null : values[0];
            source = "lastEventId";
        }
        if (id == null || id.isEmpty()) {
            return null;
        }
        // Ids this server hands out are at most this long; anything longer did not come from it.
        if (id.length() > SseEvent.MAX_ID_LENGTH) {
            throw new HttpError(400, source + " must be at most " + SseEvent.MAX_ID_LENGTH
                    + " characters, was " + id.length());
        }
        return id;
    }

    // ---- POST: publish ---------------------------------------------------------------------------

    private void publish(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        SseRegistry r = registry;
        Settings s = settings;
        if (r == null) {
            throw new HttpError(503, "the servlet is not initialized", "5");
        }
        Json.requireJsonContentType(request);
        String room = singleParameter(request, "room");
        String type = singleParameter(request, "event");
        String toText = singleParameter(request, "to");
        UUID to = toText == null ? null : uuid("to", toText);
        if (room != null && to != null) {
            throw new HttpError(400, "room and to cannot be combined: an event goes to a room or to one connection");
        }
        checkNames(room == null ? List.of() : List.of(room), type == null ? List.of() : List.of(type));
        if (!s.authorizer().publish(request, room, type, to)) {
            throw new HttpError(403, "not allowed to publish");
        }
        String data = Json.compact(Json.readBody(request, s.maxBodyBytes()));
        PublishResult result;
        try {
            SseEvent event = type == null ? SseEvent.of(data) : SseEvent.of(type, data);
            if (to != null) {
                // With a relay the connection may be open on another server; only it can tell.
                if (!r.isRelayed() && r.connection(to).isEmpty()) {
                    throw new HttpError(404, "no open connection " + to);
                }
                result = r.send(to, event);
            } else if (room != null) {
                result = r.publish(room, event);
            } else {
                result = r.broadcast(event);
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        } catch (RelayUnavailableException e) {
            LOG.log(System.Logger.Level.WARNING, "publishing failed: {0}", e.getMessage());
            throw new HttpError(503, "events cannot be published now; try again later", jitteredRetryAfter());
        } catch (IllegalStateException e) {
            throw shuttingDown();
        }
        ObjectNode answer = Json.mapper().createObjectNode();
        answer.put("id", result.id());
        answer.put("queued", result.queued());
        if (r.isRelayed()) {
            answer.put("relayed", true); // handed to every server; queued counts this one's streams
        }
        Json.write(response, HttpServletResponse.SC_OK, answer);
    }

    // ---- POST /subscriptions ---------------------------------------------------------------------

    private void subscriptions(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        SseRegistry r = registry;
        Settings s = settings;
        if (r == null) {
            throw new HttpError(503, "the servlet is not initialized", "5");
        }
        Json.requireJsonContentType(request);
        JsonNode body = Json.tree(Json.readBody(request, s.maxBodyBytes()));
        if (!body.isObject()) {
            throw new HttpError(400, "body must be a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!SUBSCRIPTION_FIELDS.contains(field)) {
                throw new HttpError(400, "unknown field \"" + Json.shorten(field) + "\"; expected connectionId, join, leave, events");
            }
        }
        JsonNode idNode = body.get("connectionId");
        if (idNode == null || !idNode.isTextual()) {
            throw new HttpError(400, "connectionId must be a string");
        }
        UUID id = uuid("connectionId", idNode.textValue());
        List<String> join = stringArray(body, "join");
        List<String> leave = stringArray(body, "leave");
        List<String> events = stringArray(body, "events");

        String owner = owner(request, s);
        SseConnection c = r.connection(id).orElseThrow(() -> new HttpError(404, "no open connection " + id));
        if (!s.authorizer().manage(request, owner, c)) {
            throw new HttpError(403, "only the owner of a connection may change its subscriptions");
        }
        List<String> allRooms = new ArrayList<>(join == null ? List.of() : join);
        if (leave != null) {
            allRooms.addAll(leave);
        }
        checkNames(allRooms, events == null ? List.of() : events);
        authorizeSubscriptions(request, owner, s, join == null ? List.of() : join, events == null ? List.of() : events);

        apply(c, join, leave, events);
        if (!c.isOpen()) {
            throw new HttpError(404, "no open connection " + id);
        }
        ObjectNode answer = Json.mapper().createObjectNode();
        answer.put("connectionId", id.toString());
        ArrayNode roomsNode = answer.putArray("rooms");
        c.rooms().forEach(roomsNode::add);
        ArrayNode eventsNode = answer.putArray("events");
        c.eventTypes().forEach(eventsNode::add);
        Json.write(response, HttpServletResponse.SC_OK, answer);
    }

    /** Changes event types, then leaves, then joins; undoes it all if the registry refuses a step. */
    private static void apply(SseConnection c, List<String> join, List<String> leave, List<String> events)
            throws HttpError {
        Set<String> previousTypes = c.eventTypes();
        List<String> left = new ArrayList<>();
        List<String> joined = new ArrayList<>();
        try {
            if (events != null) {
                c.eventTypes(events);
            }
            if (leave != null) {
                for (String room : leave) {
                    if (c.leave(room)) {
                        left.add(room);
                    }
                }
            }
            if (join != null) {
                for (String room : join) {
                    if (c.join(room)) {
                        joined.add(room);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            joined.forEach(c::leave);
            left.forEach(c::join);
            c.eventTypes(previousTypes);
            throw new HttpError(400, e.getMessage());
        }
    }

    private static List<String> stringArray(JsonNode body, String field) throws HttpError {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new HttpError(400, field + " must be an array of strings");
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new HttpError(400, field + " must be an array of strings");
            }
            values.add(item.textValue());
        }
        return values;
    }

    // ---- GET /presence ----------------------------------------------------------------------------

    private void presence(HttpServletRequest request, HttpServletResponse response) throws IOException, HttpError {
        SseRegistry r = registry;
        Settings s = settings;
        if (r == null) {
            throw new HttpError(503, "the servlet is not initialized", "5");
        }
        PresenceEndpoint.answer(request, response, r, s.authorizer(), owner(request, s));
    }

    // ---- shared checks -------------------------------------------------------------------------

    private static String owner(HttpServletRequest request, Settings s) throws HttpError {
        String owner = s.ownerResolver().owner(request);
        if (owner == null || owner.isEmpty()) {
            throw new HttpError(403, "no owner could be established for this request");
        }
        return owner;
    }

    private static void authorizeSubscriptions(HttpServletRequest request, String owner, Settings s,
            Iterable<String> rooms, Iterable<String> types) throws HttpError {
        for (String room : rooms) {
            if (!s.authorizer().join(request, owner, room)) {
                throw new HttpError(403, "not allowed to join room \"" + room + "\"");
            }
        }
        for (String type : types) {
            if (!s.authorizer().receive(request, owner, type)) {
                throw new HttpError(403, "not allowed to receive event type \"" + type + "\"");
            }
        }
    }

    /**
     * Checks room names and event types by the registry's own rules, so that an authorizer only ever
     * sees names the registry would accept, and a published type is one a client can subscribe to.
     */
    private static void checkNames(List<String> rooms, List<String> types) throws HttpError {
        try {
            ConnectOptions.builder("-").rooms(rooms).eventTypes(types).build();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    private static UUID uuid(String name, String text) throws HttpError {
        if (!UUID_TEXT.matcher(text).matches()) {
            throw new HttpError(400, name + " must be a connection id (a UUID)");
        }
        return UUID.fromString(text);
    }

    /**
     * Returns a query parameter's values. Containers differ on a malformed query string such as
     * {@code ?%}: Tomcat drops the parameter, Jetty throws its BadMessageException (a runtime
     * exception) from every parameter call, which escaped as the container's own HTML 400 page.
     */
    private static String[] parameterValues(HttpServletRequest request, String name) throws HttpError {
        try {
            return request.getParameterValues(name);
        } catch (RuntimeException e) {
            throw new HttpError(400, "the query string is malformed");
        }
    }

    /** Returns the one value of a query parameter, or {@code null}; bounded. */
    private static String singleParameter(HttpServletRequest request, String name) throws HttpError {
        String[] values = parameterValues(request, name);
        if (values == null || values.length == 0) {
            return null;
        }
        if (values.length > 1) {
            throw new HttpError(400, name + " must be given once");
        }
        return bounded(name, values[0]);
    }

    /** Returns the comma-separated values of a query parameter, which may be repeated; bounded. */
    private static List<String> listParameter(HttpServletRequest request, String name) throws HttpError {
        String[] values = parameterValues(request, name);
        List<String> items = new ArrayList<>();
        if (values == null) {
            return items;
        }
        int total = 0;
        for (String value : values) {
            total += value.length();
            bounded(name, value);
            if (total > MAX_PARAMETER_CHARS) {
                throw new HttpError(400, name + " must be at most " + MAX_PARAMETER_CHARS + " characters");
            }
            if (!value.isEmpty()) {
                items.addAll(List.of(value.split(",", -1)));
            }
        }
        return items;
    }

    private static String bounded(String name, String value) throws HttpError {
        if (value.length() > MAX_PARAMETER_CHARS) {
            throw new HttpError(400, name + " must be at most " + MAX_PARAMETER_CHARS + " characters");
        }
        return value;
    }

    // ---- configuration ---------------------------------------------------------------------------

    /** The servlet's settings, fixed when it is built. */
    private record Settings(
            SseAuthorizer authorizer,
            OwnerResolver ownerResolver,
            int maxConnections,
            int maxConnectionsPerOwner,
            int maxBodyBytes,
            Duration retry,
            Duration maxConnectionAge,
            Duration shutdownGrace,
            SseEvent finalEvent,
            boolean shutdownRegistryOnDestroy) {}

    /**
     * Configures an {@link SseServlet}. Not thread-safe: use one builder from one thread.
     *
     * <p>Defaults: {@link SseAuthorizer#defaults()} (anyone connects, nobody publishes);
     * {@link OwnerResolver#principalOrSession()}; 10,000 streams in total and 64 per owner; request
     * bodies up to 64 KiB; no initial {@code retry}; no maximum connection age; on destroy, a grace
     * of 5 s, no final event, and the registry is shut down only if the servlet built it.
     *
     * @since 1.0
     */
    public static final class Builder {
        static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

        private final SseRegistry registry;
        private SseAuthorizer authorizer = SseAuthorizer.defaults();
        private OwnerResolver ownerResolver = OwnerResolver.principalOrSession();
        private int maxConnections = 10_000;
        private int maxConnectionsPerOwner = 64;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private Duration retry;
        private Duration maxConnectionAge;
        private Duration shutdownGrace = Duration.ofSeconds(5);
        private SseEvent finalEvent;
        private boolean shutdownRegistryOnDestroy;

        private Builder(SseRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Sets who may connect, join, receive, manage and publish. */
        public Builder authorizer(SseAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /** Sets who owns a request's streams. */
        public Builder ownerResolver(OwnerResolver ownerResolver) {
            this.ownerResolver = Objects.requireNonNull(ownerResolver, "ownerResolver");
            return this;
        }

        /** Bounds the streams this servlet keeps open; more are refused with 503 and Retry-After. */
        public Builder maxConnections(int max) {
            this.maxConnections = atLeastOne("maxConnections", max);
            return this;
        }

        /** Bounds the streams one owner keeps open; more are refused with 429 and Retry-After. */
        public Builder maxConnectionsPerOwner(int max) {
            this.maxConnectionsPerOwner = atLeastOne("maxConnectionsPerOwner", max);
            return this;
        }

        /** Bounds request bodies of the JSON endpoints; larger ones are refused with 413. */
        public Builder maxBodyBytes(int max) {
            this.maxBodyBytes = atLeastOne("maxBodyBytes", max);
            return this;
        }

        /** Sends {@code retry:} with this reconnection delay first on every stream; {@code null} for none. */
        public Builder retry(Duration retry) {
            if (retry != null && retry.isNegative()) {
                throw new IllegalArgumentException("retry must not be negative: " + retry);
            }
            this.retry = retry;
            return this;
        }

        /**
         * Ends each stream after at most this long (between 90% and 100% of it, at random, so that
         * clients do not all reconnect at once); the client reconnects and resumes with its last
         * event id. {@code null} or zero: streams live until the client or the server ends them.
         */
        public Builder maxConnectionAge(Duration maxAge) {
            if (maxAge != null && maxAge.isNegative()) {
                throw new IllegalArgumentException("maxConnectionAge must not be negative: " + maxAge);
            }
            this.maxConnectionAge = maxAge == null || maxAge.isZero() ? null : maxAge;
            return this;
        }

        /** Sets how long {@link SseServlet#destroy()} lets streams finish when it shuts the registry down. */
        public Builder shutdownGrace(Duration grace) {
            Objects.requireNonNull(grace, "shutdownGrace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must not be negative: " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * Sets the event every stream receives last when {@link SseServlet#destroy()} shuts the
         * registry down, for example {@code SseEvent.builder().retry(Duration.ofSeconds(10)).build()}
         * to tell browsers when to come back; {@code null} for none.
         */
        public Builder finalEvent(SseEvent finalEvent) {
            this.finalEvent = finalEvent;
            return this;
        }

        /**
         * Makes {@link SseServlet#destroy()} shut the registry down even though the servlet did not
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

        Settings settings() {
            return new Settings(authorizer, ownerResolver, maxConnections, maxConnectionsPerOwner,
                    maxBodyBytes, retry, maxConnectionAge, shutdownGrace, finalEvent, shutdownRegistryOnDestroy);
        }

        private static int atLeastOne(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1: " + value);
            }
            return value;
        }
    }
}
