package dev.ssekit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the spec parser against the examples of the WHATWG "Server-sent events" section, so that
 * servers and the encoder are measured by a ruler that is itself right.
 */
class EventParserSpecExamplesTest {

    /** An event as the assertions below name it: a browser's {@code MessageEvent}. */
    record Message(String type, String data, String lastEventId) {}

    record Result(List<Message> messages, Long reconnectionTime, List<String> comments) {}

    private static Result parse(byte[] stream) {
        EventParser.Parse p = EventParser.parse(stream);
        return new Result(
                p.events().stream()
                        .map(e -> new Message(e.type(), e.data(), e.lastEventId()))
                        .toList(),
                p.retry().map(Duration::toMillis).orElse(null),
                p.comments());
    }

    private static Result parse(String stream) {
        return parse(stream.getBytes(StandardCharsets.UTF_8));
    }

    static Stream<String> lineTerminators() {
        return Stream.of("\n", "\r", "\r\n");
    }

    /** Writes {@code lfText} with every LF replaced by {@code terminator}. */
    private static String with(String terminator, String lfText) {
        return lfText.replace("\n", terminator);
    }

    @ParameterizedTest
    @MethodSource("lineTerminators")
    void dataLinesJoinWithLineFeed(String eol) {
        Result r = parse(with(eol, """
                data: YHOO
                data: +2
                data: 10

                """));

        assertThat(r.messages()).containsExactly(new Message("message", "YHOO\n+2\n10", ""));
    }

    @ParameterizedTest
    @MethodSource("lineTerminators")
    void idPersistsAndBareIdFieldResetsIt(String eol) {
        Result r = parse(with(eol, """
                : test stream

                data: first event
                id: 1

                data:second event
                id

                data:  third event

                """));

        assertThat(r.messages())
                .containsExactly(
                        new Message("message", "first event", "1"),
                        new Message("message", "second event", ""),
                        new Message("message", " third event", ""));
        assertThat(r.comments()).containsExactly(" test stream");
    }

    @ParameterizedTest
    @MethodSource("lineTerminators")
    void emptyDataDispatchesAndUnterminatedEventIsDiscarded(String eol) {
        Result r = parse(with(eol, """
                data

                data
                data

                data:"""));

        assertThat(r.messages()).containsExactly(new Message("message", "", ""), new Message("message", "\n", ""));
    }

    @Test
    void oneLeadingSpaceIsRemovedAndAtMostOne() {
        Result r = parse("data:test\n\ndata: test\n\ndata:  test\n\n");

        assertThat(r.messages()).extracting(Message::data).containsExactly("test", "test", " test");
    }

    @Test
    void eventWithoutDataIsNotDispatchedAndItsTypeIsForgotten() {
        Result r = parse("event: tick\nid: 4\n\ndata: x\n\n");

        assertThat(r.messages()).containsExactly(new Message("message", "x", "4"));
    }

    @Test
    void idContainingNulIsIgnored() {
        Result r = parse("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n");

        assertThat(r.messages()).extracting(Message::lastEventId).containsExactly("1", "1");
    }

    @Test
    void retryIsTakenOnlyWhenAllAsciiDigits() {
        assertThat(parse("retry: 1500\n\n").reconnectionTime()).isEqualTo(1500L);
        assertThat(parse("retry: 1500\n\nretry: 1.5\n\nretry: -1\n\nretry: 2s\n\nretry:\n\n")
                        .reconnectionTime())
                .isEqualTo(1500L);
        assertThat(parse("retry: \u0661\u0662\n\n").reconnectionTime()).isNull(); // Arabic-Indic digits
    }

    @Test
    void unknownFieldsAndLinesWithoutColonAreIgnored() {
        Result r = parse("foo: bar\nDATA: x\nevent\ndata: y\n\n");

        assertThat(r.messages()).containsExactly(new Message("message", "y", ""));
    }

    @Test
    void fieldNameEndsAtTheFirstColon() {
        Result r = parse("event: a:b\ndata: c: d\n\n");

        assertThat(r.messages()).containsExactly(new Message("a:b", "c: d", ""));
    }

    @Test
    void crFollowedByLfAcrossLinesIsOneTerminatorButLfThenCrIsTwo() {
        assertThat(parse("data: a\r\n\r\n").messages())
                .extracting(Message::data)
                .containsExactly("a");
        // LF then CR: the CR ends an empty line, which dispatches "a" before "b" starts.
        assertThat(parse("data: a\n\rdata: b\n\n").messages())
                .extracting(Message::data)
                .containsExactly("a", "b");
    }

    @Test
    void leadingByteOrderMarkIsStrippedOnlyAtStreamStart() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] rest = "data: \uFEFFx\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] stream = new byte[bom.length + rest.length];
        System.arraycopy(bom, 0, stream, 0, bom.length);
        System.arraycopy(rest, 0, stream, bom.length, rest.length);

        assertThat(parse(stream).messages()).extracting(Message::data).containsExactly("\uFEFFx");
    }

    @Test
    void invalidUtf8BecomesReplacementCharacter() {
        byte[] stream = {'d', 'a', 't', 'a', ':', ' ', (byte) 0xC3, '\n', '\n'};

        assertThat(parse(stream).messages()).extracting(Message::data).containsExactly("\uFFFD");
    }
}
