package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the servlet's builder refuses, before any server runs. */
class SseServletBuilderTest {

    private final SseRegistry registry = SseRegistry.builder().history(10).build();

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void aFinalEventWithAnIdIsRefusedWhenTheServletIsBuiltNotWhenItStops() {
        SseEvent withId =
                SseEvent.builder().id("7").retry(Duration.ofSeconds(3)).build();

        assertThatThrownBy(() -> SseServlet.builder(registry).finalEvent(withId))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("finalEvent: id must be null");
    }
}
