package dev.ssekit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventParserTest {

    private final List<SseTestEvent> events = new ArrayList<>();
    private final EventParser parser = new EventParser("", events::add);

    private void feed(String... lines) {
        for (String line : lines) {
            parser.line(line);
        }
    }

    @Test
    void dispatchesOnABlankLineWithTypeDataAndTheCarriedLastEventId() {
        feed("\uFEFFid: 1", "event: greeting", "data: a", "data:b", "", ": a comment", "data: c", "");

        assertThat(events)
                .containsExactly(
                        new SseTestEvent("greeting", "a\nb", "1", "1"), new SseTestEvent("message", "c", null, "1"));
    }

    @Test
    void anIdWithNulIsIgnoredAndAnEmptyIdResetsIt() {
        feed("id: 7", "data: x", "", "id: bad\0id", "data: y", "", "id", "data: z", "");

        assertThat(events).extracting(SseTestEvent::lastEventId).containsExactly("7", "7", "");
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndRetryTakesDigitsOnly() {
        feed("event: nothing", "", "retry: 1500", "retry: 12x", "data:", "");

        assertThat(events).containsExactly(new SseTestEvent("message", "", null, ""));
        assertThat(parser.retry()).contains(Duration.ofMillis(1500));
    }

    @Test
    void anEventCutOffByTheEndOfTheStreamIsNotDispatched() {
        feed("data: half");
        parser.end();
        feed("data: whole", "");

        assertThat(events).extracting(SseTestEvent::data).containsExactly("whole");
    }

    @Test
    void anIdTakesEffectOnlyWhenItsEventIsDispatched() {
        feed("id: 1", "data: a", "", "id: 2", "data: cut off");

        assertThat(parser.lastEventId()).as("before the blank line").isEqualTo("1");
        parser.end();
        assertThat(parser.lastEventId()).as("after the end of the stream").isEqualTo("1");
    }
}
