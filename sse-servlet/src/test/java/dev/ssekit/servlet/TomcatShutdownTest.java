package dev.ssekit.servlet;

import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Shutdown on Tomcat, which pauses its connectors, destroys the servlets and only then closes the
 * connectors: a full server stop delivers the final event with no help from the application.
 */
class TomcatShutdownTest {

    private final TomcatFixture fixture = new TomcatFixture();
    private final SseRegistry registry =
            SseServletSuite.registry(SseRegistry.builder().history(10));
    private final HttpClient client = HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private boolean stopped; // Tomcat cannot be stopped twice

    @AfterEach
    void tearDown() throws Exception {
        if (!stopped) {
            stopped = true;
            fixture.stop();
        }
        registry.close();
    }

    @Test
    void aFullServerStopDeliversTheFinalEventThroughDestroyAlone() throws Exception {
        SseServlet servlet = SseServlet.builder(registry)
                .shutdownRegistryOnDestroy(true)
                .finalEvent(SseEvent.builder().retry(Duration.ofSeconds(3)).build())
                .build();
        URI root = fixture.start(context -> SseServlet.register(context, "/sse", servlet));
        try (RecordingClient c = RecordingClient.open(client, root.resolve("/sse"))) {
            c.awaitEvent("connected");

            stopped = true;
            fixture.stop();

            SseServletSuite.assertJitteredRetry(c.awaitEvent().text(), 3_000);
            c.awaitEnd();
        }
    }
}
