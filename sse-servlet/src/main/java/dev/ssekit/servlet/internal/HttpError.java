package dev.ssekit.servlet.internal;

import java.util.concurrent.ThreadLocalRandom;

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

    /** A 503 for a servlet that is shutting down or not yet initialized, with a jittered Retry-After. */
    public static HttpError shuttingDown() {
        return new HttpError(503, "the server is shutting down", jitteredRetryAfter());
    }

    /** A Retry-After of 5 to 14 seconds, so that refused clients do not all return at once. */
    public static String jitteredRetryAfter() {
        return Integer.toString(5 + ThreadLocalRandom.current().nextInt(10));
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
