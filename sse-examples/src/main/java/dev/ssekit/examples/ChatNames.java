package dev.ssekit.examples;

import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.OwnerResolver;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The names visitors chose for the chat, by owner key (derived from their owner cookie or session), so that the chat room
 * can show who is in it: the registry's {@linkplain SseRegistry.Builder#describeOwners owner
 * describer} looks names up here, and the page sets its name with {@code POST name} (a form field
 * {@code name}). The cookie and session id themselves never leave the server.
 *
 * <p>A demo keeps the most recent {@value #MAX_VISITORS} names in memory; an application would
 * describe its users from its own accounts. Thread-safe.
 *
 * @since 1.0
 */
public final class ChatNames {

    /** The rooms whose members hear who arrives and leaves: every room but the feeds'. */
    public static final Pattern CHAT_ROOMS =
            Pattern.compile("(?!(" + LiveFeeds.TICKER_ROOM + "|" + LiveFeeds.STATS_ROOM + ")$).+");

    static final int MAX_VISITORS = 10_000;
    static final int MAX_NAME_CHARS = 40;

    private final Map<String, String> byOwner = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_VISITORS;
        }
    };

    /** Returns the name the owner chose, or {@code null}: then it is counted, not listed. */
    public String describe(String owner) {
        synchronized (byOwner) {
            return byOwner.get(owner);
        }
    }

    /** Returns the servlet that takes a visitor's name; map it at {@code /name}. */
    public HttpServlet servlet() {
        return new NameServlet(this);
    }

    private void set(String owner, String name) {
        synchronized (byOwner) {
            byOwner.put(owner, name);
        }
    }

    /** {@code POST name} with the form field {@code name}: 204, or 400 with a JSON error. */
    private static final class NameServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient ChatNames names;

        NameServlet(ChatNames names) {
            this.names = names;
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String name = request.getParameter("name");
            name = name == null ? "" : name.strip();
            if (name.isEmpty() || name.length() > MAX_NAME_CHARS || name.chars().anyMatch(Character::isISOControl)) {
                response.setStatus(400);
                response.setContentType("application/json;charset=UTF-8");
                response.getOutputStream()
                        .write(("{\"error\":\"name must be 1 to " + MAX_NAME_CHARS
                                        + " characters, without control characters\"}")
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            // The same owner key the SSE servlet gives this visitor's streams (its default resolver).
            String owner = OwnerResolver.principalSessionOrCookie().owner(request);
            if (owner == null) {
                response.setStatus(400);
                response.setContentType("application/json;charset=UTF-8");
                response.getOutputStream()
                        .write("{\"error\":\"owner: this visitor has none yet; open a stream first\"}"
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            names.set(owner, name);
            response.setStatus(204);
        }
    }
}
