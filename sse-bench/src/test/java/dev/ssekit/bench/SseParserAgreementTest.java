package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.testing.EventParser;
import dev.ssekit.testing.SseTestEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The load generator's byte-level parser must dispatch the same events, with the same type and
 * data, as the test kit's spec parser, on every stream below, with each line ending, wherever the
 * stream is split between feeds.
 */
class SseParserAgreementTest {

    /** Streams written with LF; each is also tried with CRLF and CR. */
    static final List<String> STREAMS = List.of(
            "data: a\ndata: b\n\n",
            "\uFEFFdata: after a byte order mark\n\n",
            "\uFEFFevent: typed\ndata: x\n\n",
            ":ping\n\n: a comment\ndata: 1\n: between\ndata: 2\n\n",
            "data:no space\ndata:  two spaces\n\n",
            "retry: 1500\n\nretry: 2s\ndata: r\n\n",
            "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\nid\ndata: c\n\n",
            "data\n\ndata\ndata\n\nevent\ndata: d\n\n",
            "event: nothing\n\ndata: x\n\n",
            "event: a\nid: 4\nretry: 10\n\nevent: b\ndata: y\n\n",
            "event:\ndata: empty type\n\nevent: message\ndata: named message\n\n",
            "event: a:b\ndata: c: d\nDATA: upper\nfoo: bar\n\n",
            "data: \u00e9\u4e2d\uD83D\uDE00\n\n",
            "data: complete\n\ndata: cut off");

    static Stream<Arguments> streams() {
        return STREAMS.stream()
                .flatMap(s -> Stream.of("\n", "\r\n", "\r").map(eol -> Arguments.of(s.replace("\n", eol))));
    }

    @ParameterizedTest
    @MethodSource("streams")
    void theFastParserDispatchesWhatTheSpecParserDoes(String stream) throws Exception {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        List<SseTestEvent> spec = EventParser.parse(bytes).events();
        List<String> expected =
                spec.stream().map(e -> e.type() + "=" + e.data()).toList();

        for (int split = 0; split <= bytes.length; split++) {
            assertThat(fast(bytes, split, spec))
                    .as("split at %d of %s", split, stream)
                    .isEqualTo(expected);
        }
    }

    /**
     * Parses with {@link SseParser}, fed in two parts, naming each event's type by the spec parser's
     * event at the same place if the fast parser agrees on it ({@code SseParser} only compares types).
     */
    private static List<String> fast(byte[] bytes, int split, List<SseTestEvent> spec) throws Exception {
        List<String> events = new ArrayList<>();
        SseParser parser = new SseParser(e -> {
            String specType =
                    events.size() < spec.size() ? spec.get(events.size()).type() : "";
            boolean same =
                    e.isUntyped() ? specType.equals("message") : e.isType(specType.getBytes(StandardCharsets.UTF_8));
            events.add((same ? specType : "(another type)") + "="
                    + new String(e.data(), 0, e.dataLength(), StandardCharsets.UTF_8));
        });
        parser.feed(bytes, 0, split);
        parser.feed(bytes, split, bytes.length - split);
        return events;
    }
}
