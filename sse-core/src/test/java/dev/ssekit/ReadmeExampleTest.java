package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.ssekit.WhatwgParser.Message;
import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the sse-core example of the README, and checks that the README still shows exactly this
 * code, so that the two cannot drift apart.
 */
class ReadmeExampleTest {

    private static final String BEGIN = "// README example: begin";
    private static final String END = "// README example: end";
    private static final String INDENT = " ".repeat(8);

    @Test
    void readmeExampleRuns() {
        RecordingTransport transport = new RecordingTransport(); // what an adapter would supply

        // README example: begin
        SseRegistry registry = SseRegistry.builder()
                .heartbeat(Duration.ofSeconds(15))
                .history(1_000)
                .build();

        // An adapter (such as sse-servlet) opens one connection per client, on its transport.
        SseConnection connection = Connections.open(registry, transport, ConnectOptions.builder("alice")
                .rooms("prices", "ticker")
                .announce(true)           // first event: connected, with the connection's id
                .build());
        connection.onClose(reason -> System.out.println(connection.id() + " closed: " + reason));

        // Any thread may publish: each event is encoded once, then queued for every recipient.
        registry.publish("prices", registry.event("tick", Map.of("EURUSD", 1.0842)));   // JSON, recorded
        registry.publish(SseEvent.of("notice", "Deploying at 17:00"));                   // text, to everyone
        registry.publish("ticker", registry.event("tick", 42).withRecorded(false));      // only for those here now
        registry.send(connection.id(), SseEvent.of("hello", "just you"));               // one connection

        // Lets every stream write what is queued (up to 5 s), then closes it with CloseReason.SHUTDOWN.
        registry.shutdown(null, Duration.ofSeconds(5));
        // README example: end

        List<Message> messages = transport.messages();
        assertThat(messages)
                .extracting(Message::type, Message::data)
                .containsExactly(
                        tuple("connected", "{\"connectionId\":\"" + connection.id() + "\"}"),
                        tuple("tick", "{\"EURUSD\":1.0842}"),
                        tuple("notice", "Deploying at 17:00"),
                        tuple("tick", "42"),
                        tuple("hello", "just you"));
        // With history, the connected event gives the client its position (nothing published yet),
        // recorded events get ids, and the unrecorded one and the direct message have none, so the
        // id stays.
        assertThat(messages)
                .extracting(Message::lastEventId)
                .satisfiesExactly(
                        id -> assertThat(id).matches("[0-9a-z]+-0"),
                        id -> assertThat(id).matches("[0-9a-z]+-1"),
                        id -> assertThat(id).matches("[0-9a-z]+-2"),
                        id -> assertThat(id).matches("[0-9a-z]+-2"),
                        id -> assertThat(id).matches("[0-9a-z]+-2"));
        assertThat(connection.closeReason()).isEqualTo(CloseReason.SHUTDOWN);
        assertThat(transport.isClosed()).isTrue();
        assertThat(transport.violations()).isEmpty();
    }

    @Test
    void readmeShowsExactlyTheCodeThatRuns() throws IOException {
        // Surefire runs in the module's directory; the README is the repository's.
        String source =
                Files.readString(Path.of("src/test/java/dev/ssekit/ReadmeExampleTest.java"), StandardCharsets.UTF_8);
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);

        List<String> lines = new ArrayList<>();
        boolean inside = false;
        for (String line : source.split("\n", -1)) {
            if (line.strip().equals(BEGIN)) {
                inside = true;
            } else if (line.strip().equals(END)) {
                inside = false;
            } else if (inside) {
                assertThat(line.isEmpty() || line.startsWith(INDENT))
                        .as("indented line: %s", line)
                        .isTrue();
                lines.add(line.isEmpty() ? line : line.substring(INDENT.length()));
            }
        }
        String snippet = String.join("\n", lines) + "\n";

        assertThat(lines).hasSizeGreaterThan(10);
        assertThat(readme).contains("## Using sse-core directly").contains("```java\n" + snippet + "```\n");
    }
}
