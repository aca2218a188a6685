package dev.ssekit;

import java.time.Duration;
import java.util.Objects;

/**
 * One Server-Sent Event: an optional id, type, retry hint and comment, and optional data.
 *
 * <p>Instances are immutable and thread-safe. Every field is validated when the event is built, so
 * an event that exists can always be written to a stream without adding lines the caller did not
 * mean:
 *
 * <ul>
 *   <li>{@code id} is written as the {@code id:} field. {@code null} means "no id line" (the
 *       browser keeps its last event id); the empty string writes an empty {@code id:} line, which
 *       <em>resets</em> the browser's last event id. It must not contain CR, LF or NUL.
 *   <li>{@code type} is written as the {@code event:} field; browsers dispatch the event under this
 *       name. {@code null} means the default type, {@code "message"}. It must not be empty and must
 *       not contain CR or LF.
 *   <li>{@code data} is written as one {@code data:} line per line of text; CRLF, CR and LF all
 *       separate lines, and every line is kept, including empty and trailing ones. {@code null}
 *       means "no data": browsers then dispatch nothing, though an {@code id} or {@code retry} on
 *       the event still takes effect. The empty string is data and is dispatched as an empty
 *       message.
 *   <li>{@code retry} is written as the {@code retry:} field in whole milliseconds; it must not be
 *       negative.
 *   <li>{@code comment} is written as one {@code :} line per line; browsers ignore it.
 * </ul>
 *
 * <p>An event must carry at least one of these fields.
 *
 * <p>An event may also carry an {@code idempotencyKey}, which is never written to a stream: a
 * publish repeated with the same key within the registry's (or its relay's) idempotency window is
 * delivered once and answers the same id both times, so a publisher may safely retry one whose
 * outcome it did not learn. At most {@value #MAX_IDEMPOTENCY_KEY_LENGTH} characters, none of them a
 * control character.
 *
 * <p>And it says whether it is {@code recorded}, also never written: a recorded event (the default)
 * gets an id from a registry that keeps history and is replayed to clients that resume; an event
 * that is not recorded ({@code withRecorded(false)}) reaches only the connections open when it is
 * published, for what only the present care about (a ticker, live stats), so that it does not push
 * what matters out of the history. A direct message ({@link SseRegistry#send}) is never recorded,
 * whatever this says.
 *
 * @param id the event id, or {@code null} for none
 * @param type the event type, or {@code null} for the default {@code "message"}
 * @param data the data, or {@code null} for none
 * @param retry the reconnection delay to suggest, or {@code null} for none
 * @param comment a comment, or {@code null} for none
 * @param idempotencyKey the key that makes publishing this event again harmless, or {@code null};
 *     not written to the stream
 * @param recorded whether a registry with history records the event for replay; not written to
 *     the stream
 * @since 1.0
 */
public record SseEvent(
        String id, String type, String data, Duration retry, String comment, String idempotencyKey, boolean recorded) {

    /** Longest id accepted, in characters: ids travel back in every reconnect's header. */
    public static final int MAX_ID_LENGTH = 256;

    /** Longest idempotency key accepted, in characters. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 256;

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming the field, if a field holds a value that would break
     *     the stream
     */
    public SseEvent {
        if (id != null) {
            if (id.length() > MAX_ID_LENGTH) {
                throw new IllegalArgumentException(
                        "id must be at most " + MAX_ID_LENGTH + " characters, was " + id.length());
            }
            checkSingleLine("id", id, true);
        }
        if (type != null) {
            if (type.isEmpty()) {
                throw new IllegalArgumentException("type must not be empty; use null for the default type \"message\"");
            }
            checkSingleLine("type", type, false);
        }
        if (retry != null && retry.isNegative()) {
            throw new IllegalArgumentException("retry must not be negative: " + retry);
        }
        if (retry != null) {
            try {
                retry.toMillis();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("retry is too large: " + retry, e);
            }
        }
        if (id == null && type == null && data == null && retry == null && comment == null) {
            throw new IllegalArgumentException("an event needs at least one of id, type, data, retry, comment");
        }
        if (idempotencyKey != null) {
            checkIdempotencyKey(idempotencyKey);
        }
    }

    /**
     * A recorded event without an idempotency key.
     *
     * @throws IllegalArgumentException naming the field, if a field holds a value that would break
     *     the stream
     */
    public SseEvent(String id, String type, String data, Duration retry, String comment) {
        this(id, type, data, retry, comment, null, true);
    }

    private static void checkIdempotencyKey(String key) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("idempotencyKey must not be empty; use null for none");
        }
        if (key.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw new IllegalArgumentException("idempotencyKey must be at most " + MAX_IDEMPOTENCY_KEY_LENGTH
                    + " characters, was " + key.length());
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                throw new IllegalArgumentException("idempotencyKey must not contain control characters: " + quote(key));
            }
        }
    }

    /** Returns a message event (type {@code "message"}) carrying {@code data}. */
    public static SseEvent of(String data) {
        return new SseEvent(null, null, Objects.requireNonNull(data, "data"), null, null);
    }

    /** Returns an event of {@code type} carrying {@code data}. */
    public static SseEvent of(String type, String data) {
        return new SseEvent(
                null, Objects.requireNonNull(type, "type"), Objects.requireNonNull(data, "data"), null, null);
    }

    /** Returns an event that is only a comment; browsers ignore it, proxies see traffic. */
    public static SseEvent ofComment(String comment) {
        return new SseEvent(null, null, null, null, Objects.requireNonNull(comment, "comment"));
    }

    /** Returns a builder for events with several optional fields. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a copy of this event with {@code id} in place of its own. */
    public SseEvent withId(String id) {
        return new SseEvent(id, type, data, retry, comment, idempotencyKey, recorded);
    }

    /** Returns a copy of this event with {@code idempotencyKey} (may be {@code null}) in place of its own. */
    public SseEvent withIdempotencyKey(String idempotencyKey) {
        return new SseEvent(id, type, data, retry, comment, idempotencyKey, recorded);
    }

    /**
     * Returns a copy of this event that is recorded for replay, or not: {@code withRecorded(false)}
     * reaches only the connections open when it is published.
     */
    public SseEvent withRecorded(boolean recorded) {
        return recorded == this.recorded
                ? this
                : new SseEvent(id, type, data, retry, comment, idempotencyKey, recorded);
    }

    /** Returns the type browsers dispatch this event under: {@link #type()}, or {@code "message"}. */
    public String effectiveType() {
        return type == null ? "message" : type;
    }

    private static void checkSingleLine(String field, String value, boolean rejectNul) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                throw new IllegalArgumentException(field + " must not contain CR or LF: " + quote(value));
            }
            if (c == '\0' && rejectNul) {
                throw new IllegalArgumentException(field + " must not contain NUL: " + quote(value));
            }
        }
    }

    /** Quotes a bad value for an error message, with control characters visible and length bounded. */
    static String quote(String value) {
        StringBuilder sb = new StringBuilder("\"");
        int limit = Math.min(value.length(), 64);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\0' -> sb.append("\\0");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> sb.append(c);
            }
        }
        if (limit < value.length()) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }

    /**
     * Builds an {@link SseEvent} field by field.
     *
     * <p>Not thread-safe: use one builder from one thread. Validation happens in {@link #build()}.
     */
    public static final class Builder {
        private String id;
        private String type;
        private String data;
        private Duration retry;
        private String comment;
        private String idempotencyKey;
        private boolean recorded = true;

        private Builder() {}

        /** Sets the id; {@code ""} resets the browser's last event id. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** Sets the type, written as the {@code event:} field. */
        public Builder type(String type) {
            this.type = type;
            return this;
        }

        /** Sets the data; may span several lines. */
        public Builder data(String data) {
            this.data = data;
            return this;
        }

        /** Sets the reconnection delay browsers should use. */
        public Builder retry(Duration retry) {
            this.retry = retry;
            return this;
        }

        /** Sets a comment; may span several lines. */
        public Builder comment(String comment) {
            this.comment = comment;
            return this;
        }

        /**
         * Sets the key that makes publishing the event again within the idempotency window
         * harmless; not written to the stream.
         */
        public Builder idempotencyKey(String idempotencyKey) {
            this.idempotencyKey = idempotencyKey;
            return this;
        }

        /**
         * Sets whether a registry with history records the event for replay; {@code true} by
         * default. Not written to the stream.
         */
        public Builder recorded(boolean recorded) {
            this.recorded = recorded;
            return this;
        }

        /**
         * Returns the event.
         *
         * @throws IllegalArgumentException naming the field, if a field is invalid
         */
        public SseEvent build() {
            return new SseEvent(id, type, data, retry, comment, idempotencyKey, recorded);
        }
    }
}
