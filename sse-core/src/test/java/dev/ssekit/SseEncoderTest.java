package dev.ssekit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.spi.SseFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The encoder against the WHATWG "Server-sent events" parsing rules: every case states the exact
 * bytes on the wire, and the test-only {@link WhatwgParser} must read them back as the event that
 * was encoded.
 */
class SseEncoderTest {

    /**
     * One row of the table: events, in order on one stream, and the exact text of their frames.
     */
    record Case(String name, List<SseEvent> events, String wire) {
        Case(String name, SseEvent event, String wire) {
            this(name, List.of(event), wire);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<String> lineTerminators() {
        return Stream.of("\n", "\r", "\r\n");
    }

    private static String visible(String eol) {
        return eol.replace("\r", "CR").replace("\n", "LF");
    }

    /** Multi-line data and comments, once for each of LF, CR and CRLF in the input. */
    static Stream<Case> multiLineCases() {
        return lineTerminators().flatMap(eol -> {
            String t = visible(eol);
            return Stream.of(
                    new Case("\"a" + t + "b\" is two data lines", SseEvent.of("a" + eol + "b"), """
                            data: a
                            data: b

                            """),
                    new Case("\"x" + t + "\" keeps its empty last line", SseEvent.of("x" + eol), """
                            data: x
                            data:\s

                            """),
                    new Case("\"" + t + t + "x\" keeps its empty first lines", SseEvent.of(eol + eol + "x"), """
                            data:\s
                            data:\s
                            data: x

                            """),
                    new Case("\"" + t + "\" alone is two empty data lines", SseEvent.of(eol), """
                            data:\s
                            data:\s

                            """),
                    new Case(
                            "\"a" + t + t + "b\" keeps the blank line between",
                            SseEvent.of("tick", "a" + eol + eol + "b"),
                            """
                            event: tick
                            data: a
                            data:\s
                            data: b

                            """),
                    new Case(
                            "comment \"a" + t + "b\" puts a colon before every line",
                            SseEvent.ofComment("a" + eol + "b"),
                            """
                            :a
                            :b

                            """),
                    new Case("comment \"x" + t + "\" keeps its empty last line", SseEvent.ofComment("x" + eol), """
                            :x
                            :

                            """),
                    new Case(
                            "comment and data both multi-line",
                            SseEvent.builder()
                                    .comment("c1" + eol + "c2")
                                    .data("d1" + eol + "d2")
                                    .build(),
                            """
                            :c1
                            :c2
                            data: d1
                            data: d2

                            """));
        });
    }

    static Stream<Case> edgeCases() {
        return Stream.of(
                new Case("data only", SseEvent.of("hello"), """
                        data: hello

                        """),
                new Case("empty data is still dispatched", SseEvent.of(""), """
                        data:\s

                        """),
                new Case(
                        "no data: an id alone dispatches nothing but sets the last id",
                        SseEvent.builder().id("7").build(),
                        """
                        id: 7

                        """),
                new Case(
                        "no data: a type alone dispatches nothing",
                        SseEvent.builder().type("tick").build(),
                        """
                        event: tick

                        """),
                new Case(
                        "empty id resets the last event id",
                        List.of(
                                SseEvent.builder().id("7").data("a").build(),
                                SseEvent.builder().id("").data("b").build()),
                        """
                        id: 7
                        data: a

                        id:\s
                        data: b

                        """),
                new Case(
                        "no id keeps the last event id",
                        List.of(SseEvent.builder().id("7").data("a").build(), SseEvent.of("b")),
                        """
                        id: 7
                        data: a

                        data: b

                        """),
                new Case(
                        "leading and trailing spaces are kept in every field",
                        SseEvent.builder()
                                .comment(" c ")
                                .id("  1 ")
                                .type(" t ")
                                .data("  two  ")
                                .build(),
                        """
                        : c\s
                        id:   1\s
                        event:  t\s
                        data:   two \s

                        """),
                new Case(
                        "fields in order comment, id, event, retry, data",
                        SseEvent.builder()
                                .data("{}")
                                .retry(Duration.ofMillis(2500))
                                .type("update")
                                .id("42")
                                .comment("note")
                                .build(),
                        """
                        :note
                        id: 42
                        event: update
                        retry: 2500
                        data: {}

                        """),
                new Case(
                        "retry in whole milliseconds",
                        SseEvent.builder().retry(Duration.ofSeconds(3)).build(),
                        """
                        retry: 3000

                        """),
                new Case("retry zero", SseEvent.builder().retry(Duration.ZERO).build(), """
                        retry: 0

                        """),
                new Case(
                        "retry below a millisecond is truncated to whole milliseconds",
                        SseEvent.builder().retry(Duration.ofNanos(1_999_999)).build(),
                        """
                        retry: 1

                        """),
                new Case(
                        "retry of a year is plain digits",
                        SseEvent.builder().retry(Duration.ofDays(365)).build(),
                        """
                        retry: 31536000000

                        """),
                new Case("two- and three-byte UTF-8", SseEvent.of("héllo wörld € 中文"), """
                        data: héllo wörld € 中文

                        """),
                new Case(
                        "four-byte UTF-8 from surrogate pairs",
                        SseEvent.builder().id("\uD83D\uDE00").data("😀 🎉").build(),
                        """
                        id: 😀
                        data: 😀 🎉

                        """),
                new Case("unpaired high surrogate is written as ?", SseEvent.of("a\uD800b"), """
                        data: a?b

                        """),
                new Case("unpaired low surrogate is written as ?", SseEvent.of("\uDC00x"), """
                        data: ?x

                        """),
                new Case("high surrogate before a line break is unpaired", SseEvent.of("x\uD83D\ny\uD83D"), """
                        data: x?
                        data: y?

                        """),
                new Case("reversed surrogate pair is two ?", SseEvent.of("\uDE00\uD83D"), """
                        data: ??

                        """),
                new Case("data that looks like fields stays data", SseEvent.of("id: 5\nevent: x\n: c\n"), """
                        data: id: 5
                        data: event: x
                        data: : c
                        data:\s

                        """),
                new Case("colons in type and data", SseEvent.of("a:b", "k: v"), """
                        event: a:b
                        data: k: v

                        """),
                new Case("NUL in type and data is written as is", SseEvent.of("t\0", "a\0b"), """
                        event: t\0
                        data: a\0b

                        """),
                new Case("empty comment", SseEvent.ofComment(""), """
                        :

                        """),
                new Case("U+2028 and NEL are not line terminators", SseEvent.of("a\u2028b\u0085c"), """
                        data: a\u2028b\u0085c

                        """),
                new Case("byte order mark in data is kept", SseEvent.of("\uFEFFx"), """
                        data: \uFEFFx

                        """),
                new Case("CRLF then lone CR then trailing LF", SseEvent.of("a\r\n\rb\n"), """
                        data: a
                        data:\s
                        data: b
                        data:\s

                        """),
                new Case("LF then CR is two line breaks, not one", SseEvent.of("a\n\rb"), """
                        data: a
                        data:\s
                        data: b

                        """),
                new Case("CR then CRLF is two line breaks", SseEvent.of("\r\r\n"), """
                        data:\s
                        data:\s
                        data:\s

                        """),
                new Case("trailing CR keeps an empty last line", SseEvent.of("x\r"), """
                        data: x
                        data:\s

                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("multiLineCases")
    void everyLineTerminatorStartsANewLine(Case c) {
        assertWireAndRoundTrip(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edgeCases")
    void encodesSpecEdgeCasesExactly(Case c) {
        assertWireAndRoundTrip(c);
    }

    private static void assertWireAndRoundTrip(Case c) {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        StringBuilder text = new StringBuilder();
        for (SseEvent event : c.events()) {
            SseFrame frame = SseFrame.encode(event);
            text.append(frame);
            stream.writeBytes(frame.toByteArray());
        }
        assertThat(text.toString()).as("wire text").isEqualTo(c.wire());
        assertThat(stream.toByteArray()).as("wire bytes").isEqualTo(c.wire().getBytes(UTF_8));
        assertThat(WhatwgParser.parse(stream.toByteArray())).as("parsed back").isEqualTo(ExpectedParse.of(c.events()));
    }

    @Test
    void commentHelperWritesOneCommentLine() {
        assertThat(SseFrame.encode(SseEvent.ofComment("ping")).toString()).isEqualTo(":ping\n\n");
    }

    @Test
    void frameIsUtf8WithoutByteOrderMark() {
        byte[] bytes = SseFrame.encode(SseEvent.of("é😀")).toByteArray();

        assertThat(bytes).startsWith('d', 'a', 't', 'a', ':', ' ');
        assertThat(bytes)
                .endsWith(
                        (byte) 0xC3,
                        (byte) 0xA9,
                        (byte) 0xF0,
                        (byte) 0x9F,
                        (byte) 0x98,
                        (byte) 0x80,
                        (byte) '\n',
                        (byte) '\n');
    }

    @Test
    void frameEndsWithExactlyOneBlankLine() {
        String wire = SseFrame.encode(SseEvent.of("x\n")).toString();

        assertThat(wire).endsWith("\n\n").doesNotEndWith("\n\n\n").doesNotContain("\r");
    }

    @Test
    void frameGivesItsBytesWithoutLettingThemChange() throws IOException {
        SseFrame frame = SseFrame.encode(SseEvent.of("tick", "42"));
        String wire = "event: tick\ndata: 42\n\n";

        byte[] copy = frame.toByteArray();
        copy[0] = 'X';
        assertThat(frame.toString()).isEqualTo(wire);
        assertThat(frame.size()).isEqualTo(wire.length());

        ByteBuffer buffer = frame.asByteBuffer();
        assertThat(buffer.isReadOnly()).isTrue();
        assertThat(buffer.position()).isZero();
        assertThat(buffer.remaining()).isEqualTo(frame.size());
        assertThatThrownBy(() -> buffer.put(0, (byte) 'X')).isInstanceOf(ReadOnlyBufferException.class);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frame.writeTo(out);
        assertThat(out.toString(UTF_8)).isEqualTo(wire);
    }

    @Test
    void sameEventEncodesToEqualFrames() {
        SseEvent event = SseEvent.builder().id("1").type("t").data("a\nb").build();

        assertThat(SseFrame.encode(event))
                .isEqualTo(SseFrame.encode(event))
                .hasSameHashCodeAs(SseFrame.encode(event))
                .isNotEqualTo(SseFrame.encode(event.withId("2")));
    }

    // ---- validation --------------------------------------------------------------------------

    /** An event that must not be built, and how its error message must start. */
    record Invalid(String name, Supplier<SseEvent> build, String messageStart) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Invalid> invalidEvents() {
        return Stream.of(
                new Invalid(
                        "LF in id",
                        () -> SseEvent.builder().id("a\nb").data("x").build(),
                        "id must not contain CR or LF: \"a\\nb\""),
                new Invalid(
                        "CR in id",
                        () -> SseEvent.builder().id("a\rb").data("x").build(),
                        "id must not contain CR or LF: \"a\\rb\""),
                new Invalid(
                        "CRLF at the end of id",
                        () -> SseEvent.builder().id("7\r\n").build(),
                        "id must not contain CR or LF"),
                new Invalid(
                        "NUL in id",
                        () -> SseEvent.builder().id("1\0").data("x").build(),
                        "id must not contain NUL: \"1\\0\""),
                new Invalid(
                        "id longer than the limit",
                        () -> SseEvent.builder()
                                .id("1".repeat(SseEvent.MAX_ID_LENGTH + 1))
                                .build(),
                        "id must be at most " + SseEvent.MAX_ID_LENGTH),
                new Invalid("LF in type", () -> SseEvent.of("a\nb", "x"), "type must not contain CR or LF"),
                new Invalid(
                        "CR in type",
                        () -> SseEvent.builder().type("\r").data("x").build(),
                        "type must not contain CR or LF"),
                new Invalid("empty type", () -> SseEvent.of("", "x"), "type must not be empty"),
                new Invalid(
                        "negative retry",
                        () -> SseEvent.builder().retry(Duration.ofMillis(-1)).build(),
                        "retry must not be negative"),
                new Invalid(
                        "retry too large for milliseconds",
                        () -> SseEvent.builder()
                                .retry(Duration.ofSeconds(Long.MAX_VALUE))
                                .build(),
                        "retry is too large"),
                new Invalid(
                        "every field null",
                        () -> SseEvent.builder().build(),
                        "an event needs at least one of id, type, data, retry, comment"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidEvents")
    void invalidEventFailsWhenBuiltNamingTheField(Invalid invalid) {
        assertThatThrownBy(invalid.build()::get)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(invalid.messageStart());
    }

    @Test
    void errorMessageBoundsAHugeBadValue() {
        assertThatThrownBy(() -> SseEvent.builder().id("\n" + "x".repeat(200)).build())
                .hasMessageEndingWith("...\"")
                .message()
                .hasSizeLessThan(120);
    }

    @Test
    void factoriesRejectNullNamingTheArgument() {
        assertThatThrownBy(() -> SseEvent.of(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("data");
        assertThatThrownBy(() -> SseEvent.of(null, "x"))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("type");
        assertThatThrownBy(() -> SseEvent.ofComment(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("comment");
        assertThatThrownBy(() -> SseFrame.encode(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("event");
    }

    @Test
    void nulInTypeIsAllowedBecauseTheSpecOnlyRejectsItInIds() {
        assertThat(SseEvent.of("a\0", "x").type()).isEqualTo("a\0");
    }

    @Test
    void effectiveTypeDefaultsToMessage() {
        assertThat(SseEvent.of("x").effectiveType()).isEqualTo("message");
        assertThat(SseEvent.of("tick", "x").effectiveType()).isEqualTo("tick");
    }
}
