package dev.ssekit.testing;

import java.util.function.Consumer;

/**
 * Interprets event-stream lines as the WHATWG HTML standard's "event stream interpretation" does:
 * fields, comments, blank-line dispatch, the carried-over last event id, and {@code retry}.
 * Fed by one reader thread; the last event id and retry may be read from any thread.
 */
final class EventParser {

    private final Consumer<SseTestEvent> dispatch;
    private volatile String lastEventId; // written by the reader thread, read by tests
    private volatile long retryMillis = -1;
    private String type;
    private StringBuilder data;
    private String ownId;
    private boolean first = true;

    EventParser(String lastEventId, Consumer<SseTestEvent> dispatch) {
        this.lastEventId = lastEventId;
        this.dispatch = dispatch;
    }

    /** Takes one line, without its terminator (CR, LF or CRLF). */
    void line(String line) {
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
                    lastEventId = value;
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
            default -> { } // unknown fields are ignored
        }
    }

    /** The end of the stream: an event without its blank line is not dispatched. */
    void end() {
        type = null;
        data = null;
        ownId = null;
    }

    String lastEventId() {
        return lastEventId;
    }

    long retryMillis() {
        return retryMillis;
    }

    private void dispatch() {
        if (data != null) {
            String text = data.substring(0, data.length() - 1);
            dispatch.accept(new SseTestEvent(type == null || type.isEmpty() ? "message" : type, text, ownId, lastEventId));
        }
        type = null;
        data = null;
        ownId = null;
    }
}
