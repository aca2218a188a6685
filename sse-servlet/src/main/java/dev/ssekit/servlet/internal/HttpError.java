package dev.ssekit.servlet.internal;

/**
 * A refusal to answer with an HTTP error status and a short message for the client.
 *
 * <p>Immutable. Thrown inside the servlet's handlers and turned into a JSON body
 * {@code {"error":"..."}} in one place; never escapes the servlet.
 */
public final class HttpError extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String retryAfter;

    /** Creates an error answered with {@code status} and {@code message}. */
    public HttpError(int status, String message) {
        this(status, message, null);
    }

    /** Creates an error that also carries a {@code Retry-After} value in seconds. */
    public HttpError(int status, String message, String retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** Returns the HTTP status. */
    public int status() {
        return status;
    }

    /** Returns the {@code Retry-After} header value, or {@code null}. */
    public String retryAfter() {
        return retryAfter;
    }
}
