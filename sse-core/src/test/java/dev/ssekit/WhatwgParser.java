package dev.ssekit;

import dev.ssekit.testing.EventParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The oracle the encoder's output is checked against, in the vocabulary of sse-core's tests: parses
 * a whole {@code text/event-stream} with the test kit's spec parser, {@link EventParser}, which
 * follows the WHATWG HTML Living Standard's "Interpreting an event stream" literally, and reports it
 * as {@link Result}s that {@link ExpectedParse} can also build. Stateless; results are immutable.
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
     * ID string is {@code lastEventId}: an event that carries no {@code id:} line keeps it.
     */
    static Result parse(byte[] stream, String lastEventId) {
        EventParser.Parse p = EventParser.parse(stream, lastEventId);
        List<Message> messages = p.events().stream()
                .map(e -> new Message(e.type(), e.data(), e.lastEventId()))
                .toList();
        return new Result(
                messages, p.lastEventId(), p.retry().map(Duration::toMillis).orElse(null), p.comments());
    }
}
