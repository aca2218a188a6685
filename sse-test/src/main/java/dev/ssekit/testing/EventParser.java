package dev.ssekit.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Interprets a {@code text/event-stream} as the WHATWG HTML standard's "Interpreting an event
 * stream" and "dispatch the event" steps do for a browser's {@code EventSource}: fields, comments,
 * a blank line dispatching the event when it has data, the last event id carried over from event
 * to event (and from the connection before), {@code retry}, and one leading byte order mark. It
 * follows the spec literally and favours clarity over speed; it is the one spec parser SSEKit's
 * tests measure servers and the encoder by.
 *
 * <p>Fed line by line ({@link #line}, then {@link #end} when the stream ends), or given a whole
 * stream at once ({@link #parse(byte[], String)}):
 *
 * <pre>{@code
 * EventParser.Parse p = EventParser.parse("id: 1\ndata: hello\n\n");
 * p.events();       // [SseTestEvent[type=message, data=hello, id=1, lastEventId=1]]
 * }</pre>
 *
 * <p>Confined: one thread feeds an instance; {@link #lastEventId()} and {@link #retry()} may be
 * read from any thread. The static {@link #parse} is thread-safe and its result is immutable.
 *
 * @since 1.0
 */
public final class EventParser {

    /**
     * What one whole stream did to an event source. Immutable.
     *
     * @param events the events dispatched, in order
     * @param lastEventId the event source's last event id after the stream ended
     * @param retry the reconnection time last set by a valid {@code retry} field, if any was
     * @param comments the text after the colon of every comment line, in order; the spec ignores
     *     comments, they are kept so that a test can check what a server wrote (heartbeats)
     */
    public record Parse(
            List<SseTestEvent> events, String lastEventId, Optional<Duration> retry, List<String> comments) {
        public Parse {
            events = List.copyOf(events);
            comments = List.copyOf(comments);
            Objects.requireNonNull(lastEventId, "lastEventId");
            Objects.requireNonNull(retry, "retry");
        }
    }

    private final Consumer<SseTestEvent> dispatch;
    private final Consumer<String> comments;
    private volatile String lastEventId; // the event source's; written by the feeding thread only
    private volatile long retryMillis = -1;
    private String idBuffer; // the stream's last event id buffer: takes effect on dispatch
    private String type;
    private StringBuilder data;
    private String ownId;
    private boolean first = true;

    /**
     * Creates a parser for one connection of an event source whose last event id is
     * {@code lastEventId} ({@code ""} for a first connection), handing each dispatched event to
     * {@code dispatch} on the feeding thread.
     */
    public EventParser(String lastEventId, Consumer<SseTestEvent> dispatch) {
        this(lastEventId, dispatch, comment -> {});
    }

    /** As {@link #EventParser(String, Consumer)}, and hands the text after the colon of each comment line to {@code comments}. */
    public EventParser(String lastEventId, Consumer<SseTestEvent> dispatch, Consumer<String> comments) {
        this.lastEventId = Objects.requireNonNull(lastEventId, "lastEventId");
        this.idBuffer = lastEventId;
        this.dispatch = Objects.requireNonNull(dispatch, "dispatch");
        this.comments = Objects.requireNonNull(comments, "comments");
    }

    /**
     * Parses a whole stream received as bytes on a first connection: decoded as UTF-8 (an invalid
     * sequence becomes U+FFFD), lines ending with CRLF, LF or CR; an unterminated last line and an
     * event without its blank line are discarded, as at the end of a stream.
     */
    public static Parse parse(byte[] stream) {
        return parse(stream, "");
    }

    /** As {@link #parse(byte[])}, for a stream given as text. */
    public static Parse parse(String stream) {
        return parse(stream.getBytes(StandardCharsets.UTF_8), "");
    }

    /**
     * As {@link #parse(byte[])}, for a reconnection by an event source whose last event id is
     * {@code lastEventId}: an event that carries no {@code id} keeps it, as browsers do.
     */
    public static Parse parse(byte[] stream, String lastEventId) {
        List<SseTestEvent> events = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        EventParser parser = new EventParser(lastEventId, events::add, comments::add);
        String text = new String(stream, StandardCharsets.UTF_8);
        int n = text.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c != '\r' && c != '\n') {
                continue;
            }
            String line = text.substring(start, i);
            if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                i++;
            }
            start = i + 1;
            parser.line(line);
        }
        parser.end();
        return new Parse(events, parser.lastEventId(), parser.retry(), comments);
    }

    /**
     * Takes one line, without its terminator (CR, LF or CRLF). A reader that also hands over an
     * unterminated last line (as {@link java.io.BufferedReader#readLine} does) loses nothing by it,
     * since {@link #end} then discards the event it belonged to, except that a {@code retry} on such
     * a line is taken.
     */
    public void line(String line) {
        if (first) {
            first = false;
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
        }
        if (line.isEmpty()) {
            dispatch();
            return;
        }
        if (line.charAt(0) == ':') {
            comments.accept(line.substring(1));
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> type = value;
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder();
                }
                data.append(value).append('\n');
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    idBuffer = value;
                    ownId = value;
                }
            }
            case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    try {
                        retryMillis = Long.parseLong(value);
                    } catch (NumberFormatException tooLong) {
                        // ignored, as a browser ignores a value it cannot hold
                    }
                }
            }
            default -> {} // "Otherwise: the field is ignored."
        }
    }

    /**
     * The end of the stream: "any pending data must be discarded", so an event without its blank
     * line is not dispatched and an {@code id} in it does not change the last event id.
     */
    public void end() {
        type = null;
        data = null;
        ownId = null;
        idBuffer = lastEventId;
    }

    /** Returns the event source's last event id: the id of the last event dispatched (with or without data). */
    public String lastEventId() {
        return lastEventId;
    }

    /** Returns the reconnection time the stream last set with a valid {@code retry} field, if it set one. */
    public Optional<Duration> retry() {
        long millis = retryMillis;
        return millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
    }

    private void dispatch() {
        lastEventId = idBuffer;
        if (data != null) {
            String text = data.substring(0, data.length() - 1);
            dispatch.accept(
                    new SseTestEvent(type == null || type.isEmpty() ? "message" : type, text, ownId, lastEventId));
        }
        type = null;
        data = null;
        ownId = null;
    }
}
