package dev.ssekit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A parser of {@code text/event-stream}, written line by line from the WHATWG HTML Living Standard,
 * section 9.2.6 "Interpreting an event stream", and the "dispatch the event" steps for web
 * browsers. It is the oracle the encoder's output is checked against, so it follows the spec
 * literally and favours clarity over speed.
 *
 * <p>One call parses one whole stream, from its first byte to end of file, as one
 * {@code EventSource} connection would see it. Immutable results; the class has no state.
 */
final class WhatwgParser {

    /**
     * One {@code MessageEvent} a browser would dispatch.
     *
     * @param type the event's type: the event type buffer, or {@code "message"} if it was empty
     * @param data the data buffer, without its last LF
     * @param lastEventId the event source's last event ID string at dispatch
     */
    record Message(String type, String data, String lastEventId) {}

    /**
     * What a stream did to an event source.
     *
     * @param messages the events dispatched, in order
     * @param lastEventId the last event ID string after the stream ended
     * @param reconnectionTime the reconnection time last set by a valid {@code retry} field, or
     *     {@code null} if none set it
     * @param comments the text after the colon of every comment line; the spec ignores comments,
     *     they are collected only so that tests can check what the encoder wrote
     */
    record Result(List<Message> messages, String lastEventId, Long reconnectionTime, List<String> comments) {}

    private WhatwgParser() {}

    /** Parses a stream given as text, as if it had been received as UTF-8. */
    static Result parse(String stream) {
        return parse(stream.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a whole stream of bytes. */
    static Result parse(byte[] stream) {
        return parse(stream, "");
    }

    /**
     * Parses a whole stream of bytes received on a reconnection by an event source whose last event
     * ID string is {@code lastEventId}. That string belongs to the event source and survives the
     * reconnection: browsers start the new stream's last event ID buffer at it, so an event that
     * carries no {@code id:} line keeps it rather than clearing it.
     */
    static Result parse(byte[] stream, String lastEventId) {
        // "Streams must be decoded using the UTF-8 decode algorithm": invalid sequences become
        // U+FFFD, and one leading byte order mark is stripped.
        String text = new String(stream, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }

        List<Message> messages = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        StringBuilder dataBuffer = new StringBuilder();
        String eventTypeBuffer = "";
        String lastEventIdBuffer = lastEventId;
        Long reconnectionTime = null;

        int n = text.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c != '\r' && c != '\n') {
                continue;
            }
            // A line ends with CRLF, with LF not preceded by CR, or with CR not followed by LF.
            String line = text.substring(start, i);
            if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                i++;
            }
            start = i + 1;

            if (line.isEmpty()) {
                // Dispatch the event.
                lastEventId = lastEventIdBuffer;
                if (dataBuffer.length() == 0) {
                    eventTypeBuffer = "";
                    continue;
                }
                String data = dataBuffer.toString();
                if (data.endsWith("\n")) {
                    data = data.substring(0, data.length() - 1);
                }
                String type = eventTypeBuffer.isEmpty() ? "message" : eventTypeBuffer;
                messages.add(new Message(type, data, lastEventId));
                dataBuffer.setLength(0);
                eventTypeBuffer = "";
                continue;
            }
            if (line.charAt(0) == ':') {
                comments.add(line.substring(1));
                continue;
            }
            String field;
            String value;
            int colon = line.indexOf(':');
            if (colon >= 0) {
                field = line.substring(0, colon);
                value = line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
            } else {
                field = line;
                value = "";
            }
            switch (field) {
                case "event" -> eventTypeBuffer = value;
                case "data" -> dataBuffer.append(value).append('\n');
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        lastEventIdBuffer = value;
                    }
                }
                case "retry" -> {
                    if (!value.isEmpty() && value.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                        reconnectionTime = Long.parseLong(value);
                    }
                }
                default -> {
                    // "Otherwise: the field is ignored."
                }
            }
        }
        // "Once the end of the file is reached, any pending data must be discarded": an
        // unterminated line and an event without its blank line are never dispatched.
        return new Result(List.copyOf(messages), lastEventId, reconnectionTime, List.copyOf(comments));
    }
}
