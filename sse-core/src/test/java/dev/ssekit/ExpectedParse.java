package dev.ssekit;

import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.WhatwgParser.Result;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a spec-conforming client must make of a sequence of events, computed from the events
 * themselves rather than from their bytes: the other side of every round-trip assertion.
 */
final class ExpectedParse {

    private ExpectedParse() {}

    /**
     * Returns {@code text} as a client receives it: each CRLF, CR and LF becomes LF (the spec splits
     * lines on all three and joins data lines with LF), and each unpaired UTF-16 surrogate becomes
     * {@code ?} (the encoder writes them so, like {@link String#getBytes}).
     */
    static String asReceived(String text) {
        String utf8 = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        return utf8.replace("\r\n", "\n").replace('\r', '\n');
    }

    /** Returns what a parser must report after reading the frames of {@code events} in order. */
    static Result of(SseEvent... events) {
        return of(Arrays.asList(events));
    }

    /** Returns what a parser must report after reading the frames of {@code events} in order. */
    static Result of(List<SseEvent> events) {
        List<Message> messages = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        String lastEventId = "";
        Long reconnectionTime = null;
        for (SseEvent e : events) {
            if (e.comment() != null) {
                comments.addAll(Arrays.asList(asReceived(e.comment()).split("\n", -1)));
            }
            if (e.id() != null) {
                lastEventId = asReceived(e.id());
            }
            if (e.retry() != null) {
                reconnectionTime = e.retry().toMillis();
            }
            if (e.data() != null) {
                messages.add(new Message(asReceived(e.effectiveType()), asReceived(e.data()), lastEventId));
            }
        }
        return new Result(List.copyOf(messages), lastEventId, reconnectionTime, List.copyOf(comments));
    }
}
