package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.testing.Await;
import jakarta.servlet.http.HttpServletRequest;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Shutdown on Jetty 12, whose {@code Server.stop()} closes the connectors before it destroys the
 * servlets: what clients see with and without the application calling {@link SseServlet#shutdown()}
 * first, and that no connection outlives the servlet.
 */
class JettyShutdownTest {

    private final JettyFixture fixture = new JettyFixture(false);
    private final SseRegistry registry =
            SseServletSuite.registry(SseRegistry.builder().history(10));
    private final HttpClient client = HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @AfterEach
    void tearDown() throws Exception {
        fixture.stop();
        registry.close();
    }

    private SseServlet finalEventServlet() {
        return SseServlet.builder(registry)
                .shutdownRegistryOnDestroy(true)
                .finalEvent(SseEvent.builder().retry(Duration.ofSeconds(3)).build())
                .build();
    }

    @Test
    void aFullServerStopDeliversTheFinalEventWhenTheServletShutsDownAsTheServerBeginsToStop() throws Exception {
        SseServlet servlet = finalEventServlet();
        URI root = fixture.start(context -> SseServlet.register(context, "/sse", servlet));
        fixture.server().addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                servlet.shutdown();
            }
        });
        try (RecordingClient c = RecordingClient.open(client, root.resolve("/sse"))) {
            c.awaitEvent("connected");

            fixture.stop();

            assertThat(c.awaitEvent().text())
                    .matches("retry: [0-9]+\n\n")
                    .satisfies(f -> SseServletSuite.assertJitteredRetry(f, 3_000));
            c.awaitEnd();
            assertThat(registry.isClosed()).isTrue();
        }
    }

    @Test
    void aFullServerStopWithoutThatHookCutsClientsOffBeforeTheServletIsDestroyed() throws Exception {
        SseServlet servlet = finalEventServlet();
        URI root = fixture.start(context -> SseServlet.register(context, "/sse", servlet));
        try (RecordingClient c = RecordingClient.open(client, root.resolve("/sse"))) {
            c.awaitEvent("connected");

            fixture.stop();

            c.awaitEnd();
            c.assertNoMoreEvents(); // no final event: the connector was closed before destroy() ran
            assertThat(registry.isClosed()).isTrue(); // destroy() still ran, after the connectors
        }
    }

    @Test
    void aConnectionCheckedWhileTheServletShutsDownIsRefusedNotLeftOpen() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SseServlet servlet = SseServlet.builder(registry)
                .authorizer(new SseAuthorizer() {
                    @Override
                    public ConnectDecision connect(HttpServletRequest request, String owner) {
                        entered.countDown();
                        try {
                            release.await(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return ConnectDecision.ALLOW;
                    }
                })
                .build(); // the registry is shared: the servlet closes what it opened and leaves it open
        URI root = fixture.start(context -> SseServlet.register(context, "/sse", servlet));
        CompletableFuture<HttpResponse<String>> late = client.sendAsync(
                HttpRequest.newBuilder(root.resolve("/sse")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();

        servlet.shutdown(); // what destroy() does; the request above has passed the stopping check
        release.countDown();

        HttpResponse<String> response = late.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        SseServletSuite.assertError(response, 503, "shutting down");
        assertThat(registry.stats().connections()).isZero();
        assertThat(registry.isClosed()).isFalse();
    }
}
