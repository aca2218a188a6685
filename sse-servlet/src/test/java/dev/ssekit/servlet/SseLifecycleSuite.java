package dev.ssekit.servlet;

import static dev.ssekit.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import jakarta.servlet.ServletRegistration;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Deploying and undeploying the servlet: registration, shared registries, threads left behind. */
abstract class SseLifecycleSuite extends SseServletSuite {

    // ---- life cycle --------------------------------------------------------------------------------

    @Test
    void undeployShutsTheRegistryDownWithAFinalRetryHint() throws Exception {
        SseServlet servlet = SseServlet.builder(registry)
                .shutdownRegistryOnDestroy(true)
                .finalEvent(SseEvent.builder().retry(Duration.ofSeconds(3)).build())
                .build();
        start(servlet);
        RecordingClient a = connect("");
        RecordingClient b = connect("?rooms=r&events=only");

        server.undeploy();

        assertThat(a.awaitEvent().text()).matches("retry: [0-9]+\n\n").satisfies(f -> assertJitteredRetry(f, 3_000));
        assertThat(b.awaitEvent().text()).matches("retry: [0-9]+\n\n").satisfies(f -> assertJitteredRetry(f, 3_000));
        a.awaitEnd();
        b.awaitEnd();
        assertThat(registry.isClosed()).isTrue();
        assertThat(registry.stats().connections()).isZero();
    }

    @Test
    void undeployClosesOwnStreamsButLeavesASharedRegistryOpen() throws Exception {
        start(new SseServlet(registry));
        RecordingClient a = connect("");

        server.undeploy();

        a.awaitEnd();
        assertThat(registry.isClosed()).isFalse();
        await("the stream to leave the registry", () -> registry.stats().connections() == 0);
    }

    @Test
    void servletFromWebXmlUsesTheRegistryInTheContextAttribute() throws Exception {
        root = server.start(context -> {
            context.setAttribute(SseServlet.REGISTRY_ATTRIBUTE, registry);
            ServletRegistration.Dynamic r = SseServlet.register(context, "/sse", new SseServlet());
            r.setInitParameter("publish", "true");
        });
        sse = root.resolve("/sse");
        RecordingClient stream = connect("");

        HttpResponse<String> published = post("/sse", "application/json", "[1]");

        assertThat(published.statusCode()).isEqualTo(200);
        assertThat(stream.awaitEvent("message").data()).isEqualTo("[1]");
        assertThat(registry.stats().connections()).isEqualTo(1);
    }

    @Test
    void registerMapsThePathAndItsSubpathsAndRejectsMalformedPaths() throws Exception {
        List<String> refused = new ArrayList<>();
        root = server.start(context -> {
            for (String bad : List.of("sse", "/sse/", "/sse/*", "/*")) {
                try {
                    SseServlet.register(context, bad, new SseServlet(registry));
                } catch (IllegalArgumentException e) {
                    refused.add(e.getMessage());
                }
            }
            ServletRegistration.Dynamic r = SseServlet.register(context, "/events", new SseServlet(registry));
            assertThat(r.getMappings()).containsExactlyInAnyOrder("/events", "/events/*");
        });
        sse = root.resolve("/events");

        assertThat(refused).hasSize(4).allSatisfy(m -> assertThat(m).startsWith("path must start with '/'"));
        connect("");
        assertError(get("/events/subscriptions"), 405, "method GET");
    }

    @Test
    void servletWithoutAsyncSupportAnswers500() throws Exception {
        root = server.start(
                context -> context.addServlet("plain", new SseServlet(registry)).addMapping("/sse"));

        assertError(get("/sse"), 500, "asyncSupported=true");
        assertThat(registry.stats().connections()).isZero();
    }

    @Test
    void malformedInitParameterFailsWithoutLeavingARegistryBehind() throws Exception {
        SseServlet servlet = new SseServlet();
        try {
            // Containers that initialize servlets as the context starts fail here ...
            root = server.start(
                    context -> SseServlet.register(context, "/sse", servlet).setInitParameter("maxBodyBytes", "lots"));
            // ... the others at the first request.
            assertThat(get("/sse").statusCode()).isGreaterThanOrEqualTo(500);
        } catch (Exception e) {
            assertThat(e).hasStackTraceContaining("init parameter maxBodyBytes must be a whole number, was \"lots\"");
        }

        assertThat(servlet.registry()).isNull();
        await(
                "the registry built for the failed servlet to stop",
                () -> threadsNamed("ssekit").isEmpty());
    }

    @Test
    void startingAndStoppingServersLeavesNoThreadOrConnection() throws Exception {
        server.stop();
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        for (int i = 0; i < 3; i++) {
            ServerFixture fixture = newServer();
            SseServlet servlet = new SseServlet();
            URI uri = fixture.start(context -> {
                ServletRegistration.Dynamic r = SseServlet.register(context, "/sse", servlet);
                r.setInitParameter("heartbeatSeconds", "1");
                r.setInitParameter("history", "10");
                r.setInitParameter("shutdownGraceSeconds", "2");
            });
            try (RecordingClient stream = RecordingClient.open(client, uri.resolve("/sse"))) {
                stream.awaitEvent("connected");
                SseRegistry owned = servlet.registry();
                assertThat(owned.stats().connections()).isEqualTo(1);
                assertThat(threadsNamed("ssekit")).isNotEmpty();

                fixture.stop();

                stream.awaitEnd();
                assertThat(owned.isClosed()).isTrue();
                await("the owned registry to be empty", () -> owned.stats().connections() == 0);
            }
            await("no ssekit thread", () -> threadsNamed("ssekit").isEmpty());
        }
        await(
                "every container thread to end",
                () -> Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> !before.contains(t))
                        .noneMatch(SseServletSuite::isContainerThread));
    }
}
