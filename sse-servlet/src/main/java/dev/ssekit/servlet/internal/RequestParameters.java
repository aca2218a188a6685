package dev.ssekit.servlet.internal;

import dev.ssekit.SseEvent;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads the untrusted values of a request: query parameters, the last event id and connection ids,
 * each bounded before use.
 *
 * <p>Stateless and thread-safe.
 */
public final class RequestParameters {

    /** Longest query parameter value read; names within are bounded again by the registry. */
    public static final int MAX_PARAMETER_CHARS = 4096;

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private RequestParameters() {}

    /** Returns the one value of a query parameter, or {@code null}; bounded. */
    public static String single(HttpServletRequest request, String name) throws HttpError {
        String[] values = values(request, name);
        if (values == null || values.length == 0) {
            return null;
        }
        if (values.length > 1) {
            throw new HttpError(400, name + " must be given once");
        }
        return bounded(name, values[0]);
    }

    /** Returns the comma-separated values of a query parameter, which may be repeated; bounded in total. */
    public static List<String> list(HttpServletRequest request, String name) throws HttpError {
        String[] values = values(request, name);
        List<String> items = new ArrayList<>();
        if (values == null) {
            return items;
        }
        int total = 0;
        for (String value : values) {
            total += value.length();
            if (total > MAX_PARAMETER_CHARS) {
                throw tooLong(name);
            }
            if (!value.isEmpty()) {
                items.addAll(List.of(value.split(",", -1)));
            }
        }
        return items;
    }

    /**
     * Returns the client's last event id, from the {@code Last-Event-ID} header or else the
     * {@code lastEventId} query parameter (for clients that cannot set headers); {@code null} for
     * none or an empty one.
     */
    public static String lastEventId(HttpServletRequest request) throws HttpError {
        String id = request.getHeader("Last-Event-ID");
        String source = "Last-Event-ID";
        if (id == null || id.isEmpty()) {
            String[] values = values(request, "lastEventId");
            id = values == null || values.length == 0 ? null : values[0];
            source = "lastEventId";
        }
        if (id == null || id.isEmpty()) {
            return null;
        }
        // Ids this server hands out are at most this long; anything longer did not come from it.
        if (id.length() > SseEvent.MAX_ID_LENGTH) {
            throw new HttpError(
                    400, source + " must be at most " + SseEvent.MAX_ID_LENGTH + " characters, was " + id.length());
        }
        return id;
    }

    /** Parses a connection id, which must be a UUID in its usual text form. */
    public static UUID connectionId(String name, String text) throws HttpError {
        if (text == null || !UUID_TEXT.matcher(text).matches()) {
            throw new HttpError(400, name + " must be a connection id (a UUID)");
        }
        return UUID.fromString(text);
    }

    /**
     * Returns a query parameter's values. Containers differ on a malformed query string such as
     * {@code ?%}: Tomcat drops the parameter, Jetty throws its BadMessageException (a runtime
     * exception) from every parameter call, which would escape as the container's own HTML 400 page.
     */
    private static String[] values(HttpServletRequest request, String name) throws HttpError {
        try {
            return request.getParameterValues(name);
        } catch (RuntimeException e) {
            throw new HttpError(400, "the query string is malformed");
        }
    }

    private static String bounded(String name, String value) throws HttpError {
        if (value.length() > MAX_PARAMETER_CHARS) {
            throw tooLong(name);
        }
        return value;
    }

    private static HttpError tooLong(String name) {
        return new HttpError(400, name + " must be at most " + MAX_PARAMETER_CHARS + " characters");
    }
}
