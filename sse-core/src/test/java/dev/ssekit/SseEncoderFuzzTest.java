package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ssekit.spi.SseFrame;
import java.io.ByteArrayOutputStream;
import java.time.Duration;

/**
 * Coverage-guided fuzzing of the encoder (Jazzer). Any event that the builder accepts must encode
 * to a frame that a spec parser reads back as exactly that event; followed by a sentinel event, the
 * two frames must read as exactly the two events, so no input can end a frame early, open another
 * one, or leak a field into the next.
 *
 * <p>{@code mvn verify} runs the seed corpus and the inputs kept in
 * {@code src/test/resources/dev/ssekit/SseEncoderFuzzTestInputs} (regression mode); with the
 * environment variable {@code JAZZER_FUZZ=1} it fuzzes for {@code maxDuration}.
 */
class SseEncoderFuzzTest {

    private static final SseEvent SENTINEL =
            SseEvent.builder().id("sentinel").type("end").data("over").build();

    @FuzzTest(maxDuration = "20s")
    void anyValidEventEncodesToExactlyItself(FuzzedDataProvider in) {
        SseEvent event;
        try {
            SseEvent.Builder b = SseEvent.builder();
            if (in.consumeBoolean()) {
                b.id(in.consumeString(300));
            }
            if (in.consumeBoolean()) {
                b.type(in.consumeString(200));
            }
            if (in.consumeBoolean()) {
                b.retry(Duration.ofMillis(in.consumeLong(-5, Long.MAX_VALUE / 4_000_000)));
            }
            if (in.consumeBoolean()) {
                b.comment(in.consumeString(200));
            }
            if (in.consumeBoolean()) {
                b.data(in.consumeRemainingAsString());
            }
            event = b.build();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank(); // refused, with a message naming the field
            return;
        }
        byte[] frame = SseFrame.encode(event).toByteArray();
        assertThat(WhatwgParser.parse(frame))
                .as("%s encoded as %s", event, SseFrame.encode(event))
                .isEqualTo(ExpectedParse.of(event));
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        two.writeBytes(frame);
        two.writeBytes(SseFrame.encode(SENTINEL).toByteArray());
        assertThat(WhatwgParser.parse(two.toByteArray()))
                .as("%s followed by a sentinel", event)
                .isEqualTo(ExpectedParse.of(event, SENTINEL));
    }
}
