package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SseParserTest {

    static Stream<String> lineEndings() {
        return Stream.of("\n", "\r\n", "\r");
    }

    private static List<String> parse(String stream, int split) throws Exception {
        List<String> events = new ArrayList<>();
        SseParser parser = new SseParser(
                e -> events.add((e.isUntyped() ? "message" : e.isType(LoadEngine.CONNECTED) ? "connected" : "other")
                        + "=" + new String(e.data(), 0, e.dataLength(), StandardCharsets.UTF_8)));
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        parser.feed(bytes, 0, split);
        parser.feed(bytes, split, bytes.length - split);
        return events;
    }

    @ParameterizedTest
    @MethodSource("lineEndings")
    void eventsAreTheSameWhereverTheStreamIsSplit(String eol) throws Exception {
        String stream = ":ping" + eol + eol
                + "event: connected" + eol + "data: {\"connectionId\":\"c1\"}" + eol + eol
                + "id: 7" + eol + "data: {\"seq\":1,\"t\":2}" + eol + eol
                + "data:a" + eol + "data:  b" + eol + eol
                + "event: other" + eol + "data: x" + eol + eol;
        for (int split = 0; split <= stream.length(); split++) {
            assertThat(parse(stream, split))
                    .as("split at %d", split)
                    .containsExactly(
                            "connected={\"connectionId\":\"c1\"}",
                            "message={\"seq\":1,\"t\":2}",
                            "message=a\n b",
                            "other=x");
        }
    }

    @Test
    void eventWithoutDataIsNotDispatched() throws Exception {
        assertThat(parse("event: connected\n\nretry: 10\n\n", 3)).isEmpty();
    }

    @Test
    void typeDoesNotLeakIntoTheNextEvent() throws Exception {
        assertThat(parse("event: connected\ndata: 1\n\ndata: 2\n\n", 0)).containsExactly("connected=1", "message=2");
    }

    @Test
    void longAfterReadsTheNumberFollowingTheKey() {
        byte[] data = "{\"seq\":12345,\"t\":1700000000123456,\"pad\":\"xx\"}".getBytes(StandardCharsets.US_ASCII);
        assertThat(SseParser.longAfter(data, data.length, LoadEngine.SEQ_KEY)).isEqualTo(12345);
        assertThat(SseParser.longAfter(data, data.length, LoadEngine.TIME_KEY)).isEqualTo(1700000000123456L);
        assertThat(SseParser.longAfter(data, data.length, "\"pad\":".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(-1);
        assertThat(SseParser.longAfter(data, 5, LoadEngine.SEQ_KEY)).isEqualTo(-1);
    }

    @Test
    void theLastEventIdIsKeptAcrossEventsAndAnIdWithNulIsIgnored() throws Exception {
        List<String> ids = new ArrayList<>();
        SseParser parser = new SseParser(e -> ids.add(e.lastEventId()));
        byte[] bytes = ("data: a\n\nid: 1-5\ndata: b\n\ndata: c\n\nid: 9\0x\ndata: d\n\nid\ndata: e\n\n")
                .getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= bytes.length; split++) {
            ids.clear();
            parser = new SseParser(e -> ids.add(e.lastEventId()));
            parser.feed(bytes, 0, split);
            parser.feed(bytes, split, bytes.length - split);
            assertThat(ids).as("split at %d", split).containsExactly("", "1-5", "1-5", "1-5", "");
        }
    }
}
