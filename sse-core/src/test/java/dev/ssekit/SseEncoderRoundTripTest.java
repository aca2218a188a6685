package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import com.launchdarkly.eventsource.CommentEvent;
import com.launchdarkly.eventsource.ConnectStrategy;
import com.launchdarkly.eventsource.ErrorStrategy;
import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import com.launchdarkly.eventsource.StreamClosedByServerException;
import com.launchdarkly.eventsource.StreamEvent;
import com.launchdarkly.logging.LDLogger;
import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.WhatwgParser.Result;
import dev.ssekit.spi.SseFrame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A seeded property test: random events, with random Unicode, line-terminator mixes and empty or
 * missing parts, must survive encoding, and parsing by the spec's rules, unchanged (data and
 * comments with their line endings normalized to LF, as the spec does). The same frames are read
 * by a third-party client, LaunchDarkly's {@code okhttp-eventsource}, which must agree.
 */
class SseEncoderRoundTripTest {

    private static final long SEED = 0x55E_C0DEL;
    private static final int EVENTS = 10_000;

    private static List<SseEvent> events;
    private static byte[] stream;

    @BeforeAll
    static void generate() {
        Random random = new Random(SEED);
        events = new ArrayList<>(EVENTS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < EVENTS; i++) {
            SseEvent event = randomEvent(random);
            events.add(event);
            out.writeBytes(SseFrame.encode(event).toByteArray());
        }
        stream = out.toByteArray();
    }

    @Test
    void everyRandomEventParsesBackToItself() {
        for (int i = 0; i < EVENTS; i++) {
            SseEvent event = events.get(i);
            SseFrame frame = SseFrame.encode(event);
            assertThat(WhatwgParser.parse(frame.toByteArray()))
                    .as("event #%d of seed %x: %s encoded as %s", i, SEED, event, frame)
                    .isEqualTo(ExpectedParse.of(event));
        }
    }

    @Test
    void randomEventsParseBackInOrderFromOneStream() {
        Result parsed = WhatwgParser.parse(stream);
        Result expected = ExpectedParse.of(events);

        assertThat(parsed.messages()).hasSize(expected.messages().size());
        for (int i = 0; i < expected.messages().size(); i++) {
            assertThat(parsed.messages().get(i))
                    .as("message #%d of seed %x", i, SEED)
                    .isEqualTo(expected.messages().get(i));
        }
        assertThat(parsed).isEqualTo(expected);
    }

    @Test
    void thirdPartyClientReadsTheSameEvents() throws Exception {
        Result expected = ExpectedParse.of(events);
        List<Message> messages = new ArrayList<>();
        List<String> comments = new ArrayList<>();

        // The client's ConnectStrategy is its public seam for where a stream comes from, so it
        // reads the frames straight from memory, without HTTP.
        try (EventSource client = new EventSource.Builder(new InMemoryStream(stream))
                .errorStrategy(ErrorStrategy.alwaysThrow())
                .logger(LDLogger.none())
                .build()) {
            client.start();
            for (; ; ) {
                StreamEvent event;
                try {
                    event = client.readAnyEvent();
                } catch (StreamClosedByServerException endOfStream) {
                    break;
                }
                if (event instanceof MessageEvent m) {
                    // The client says null where the spec's last event ID string is still empty.
                    String lastEventId = m.getLastEventId() == null ? "" : m.getLastEventId();
                    messages.add(new Message(m.getEventName(), m.getData(), lastEventId));
                } else if (event instanceof CommentEvent c) {
                    comments.add(c.getText());
                }
            }
            assertThat(client.getBaseRetryDelayMillis()).isEqualTo(expected.reconnectionTime());
        }

        assertThat(messages).hasSize(expected.messages().size());
        for (int i = 0; i < messages.size(); i++) {
            assertThat(messages.get(i))
                    .as("message #%d of seed %x", i, SEED)
                    .isEqualTo(expected.messages().get(i));
        }
        // The spec ignores comments, so their text is not defined; this client reports them as a
        // field with an empty name and, as for every field value, removes one leading space.
        assertThat(comments)
                .isEqualTo(expected.comments().stream()
                        .map(c -> c.startsWith(" ") ? c.substring(1) : c)
                        .toList());
    }

    @Test
    void generatorCoversTheCasesThatMatter() {
        // A property test is only as good as its inputs: make sure the seed produces each case.
        assertThat(events)
                .anyMatch(e -> e.data() == null)
                .anyMatch(e -> "".equals(e.data()))
                .anyMatch(e -> "".equals(e.id()))
                .anyMatch(e -> e.id() == null)
                .anyMatch(e -> e.retry() != null)
                .anyMatch(e -> e.comment() != null && e.comment().contains("\r\n"))
                .anyMatch(e -> e.data() != null && e.data().contains("\r\n"))
                .anyMatch(e -> e.data() != null && e.data().matches("(?s).*[^\n]\r[^\n].*"))
                .anyMatch(e -> e.data() != null && e.data().endsWith("\r"))
                .anyMatch(e -> e.data() != null && e.data().startsWith("\n"))
                .anyMatch(e -> e.data() != null && e.data().codePoints().anyMatch(cp -> cp > 0xFFFF))
                .anyMatch(e -> e.data() != null && hasUnpairedSurrogate(e.data()))
                .anyMatch(e -> e.type() != null && e.type().startsWith(" "));
    }

    private static boolean hasUnpairedSurrogate(String s) {
        return !new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(s);
    }

    // ---- generator ---------------------------------------------------------------------------

    private static SseEvent randomEvent(Random r) {
        SseEvent.Builder b = SseEvent.builder();
        int idKind = r.nextInt(10);
        if (idKind == 0) {
            b.id("");
        } else if (idKind < 5) {
            b.id(randomText(r, 12, false, false));
        }
        if (r.nextBoolean()) {
            String type = randomText(r, 10, false, true);
            b.type(type.isEmpty() ? "t" : type);
        }
        int dataKind = r.nextInt(20);
        if (dataKind == 0 || dataKind == 1) {
            b.data("");
        } else if (dataKind > 4) {
            b.data(randomText(r, 40, true, true));
        }
        int retryKind = r.nextInt(10);
        if (retryKind == 0) {
            b.retry(Duration.ofMillis(r.nextInt(100_000)));
        } else if (retryKind == 1) {
            b.retry(Duration.ofNanos(r.nextLong() & Long.MAX_VALUE));
        }
        int commentKind = r.nextInt(10);
        if (commentKind == 0) {
            b.comment("");
        } else if (commentKind < 3) {
            b.comment(randomText(r, 20, true, true));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException allFieldsMissing) {
            return b.data(randomText(r, 5, true, true)).build();
        }
    }

    /** Random text mixing ASCII, 2-, 3- and 4-byte UTF-8, odd code points, and line breaks. */
    private static String randomText(Random r, int maxPieces, boolean lineBreaks, boolean nul) {
        StringBuilder sb = new StringBuilder();
        int pieces = r.nextInt(maxPieces + 1);
        for (int i = 0; i < pieces; i++) {
            switch (r.nextInt(lineBreaks ? 14 : 11)) {
                case 0, 1, 2 -> sb.append((char) (0x20 + r.nextInt(0x5F))); // printable ASCII
                case 3 -> sb.append(r.nextBoolean() ? ' ' : ':');
                case 4 -> sb.append((char) (0x80 + r.nextInt(0x780))); // two bytes
                case 5 -> sb.append((char) (0x800 + r.nextInt(0xD800 - 0x800))); // three bytes, below surrogates
                case 6 -> sb.append((char) (0xE000 + r.nextInt(0x10000 - 0xE000))); // three bytes, above them
                case 7 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000)); // four bytes: a surrogate pair
                case 8 -> sb.append((char) (0xD800 + r.nextInt(0x800))); // a lone surrogate, high or low
                case 9 -> sb.append("\uFEFF\u2028\u0085\t".charAt(r.nextInt(4)));
                case 10 -> sb.append(nul ? '\0' : 'x');
                case 11 -> sb.append('\n');
                case 12 -> sb.append('\r');
                default -> sb.append("\r\n");
            }
        }
        return sb.toString();
    }

    /** Hands the client one in-memory stream, as if a server had answered with it. */
    private static final class InMemoryStream extends ConnectStrategy {
        private final byte[] body;

        InMemoryStream(byte[] body) {
            this.body = body;
        }

        @Override
        public Client createClient(LDLogger logger) {
            return new Client() {
                @Override
                public Result connect(String lastEventId) {
                    return new Result(new ByteArrayInputStream(body), getOrigin(), () -> {});
                }

                @Override
                public boolean awaitClosed(long timeoutMillis) {
                    return true;
                }

                @Override
                public URI getOrigin() {
                    return URI.create("http://127.0.0.1/events");
                }

                @Override
                public void close() {}
            };
        }
    }
}
