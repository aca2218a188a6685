package dev.ssekit.servlet.internal;

import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.servlet.SseServlet;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * Reads the init parameters of an {@code SseServlet} made by a container from {@code web.xml}.
 *
 * <p>Immutable; each method reads the parameters afresh.
 */
public final class InitParameters {

    /** The parameters that configure a registry the servlet builds itself. */
    public static final List<String> REGISTRY_PARAMETERS = List.of("heartbeatSeconds", "history", "queueCapacity");

    private final UnaryOperator<String> parameters;

    /** Reads parameters through {@code parameters}, which answers {@code null} for one not set. */
    public InitParameters(UnaryOperator<String> parameters) {
        this.parameters = parameters;
    }

    /**
     * Builds a registry from {@code heartbeatSeconds}, {@code history} and {@code queueCapacity}.
     *
     * @throws IllegalArgumentException naming the parameter, if one is malformed
     */
    public SseRegistry registry() {
        SseRegistry.Builder rb = SseRegistry.builder();
        applyInt("heartbeatSeconds", v -> rb.heartbeat(Duration.ofSeconds(v)));
        applyInt("history", rb::history);
        applyInt("queueCapacity", rb::queueCapacity);
        return rb.build();
    }

    /** Returns the registry parameters that are set, which a registry from elsewhere ignores. */
    public List<String> registryParametersSet() {
        return REGISTRY_PARAMETERS.stream()
                .filter(name -> parameters.apply(name) != null)
                .toList();
    }

    /**
     * Returns a servlet builder for {@code registry} configured from {@code publish},
     * {@code maxBodyBytes}, {@code maxConnections}, {@code maxConnectionsPerOwner},
     * {@code retryMillis}, {@code maxConnectionAgeSeconds} and {@code shutdownGraceSeconds}.
     *
     * @throws IllegalArgumentException naming the parameter, if one is malformed
     */
    public SseServlet.Builder servlet(SseRegistry registry) {
        SseServlet.Builder b = SseServlet.builder(registry);
        String publish = parameters.apply("publish");
        if (publish != null) {
            if (!publish.equals("true") && !publish.equals("false")) {
                throw new IllegalArgumentException(
                        "init parameter publish must be true or false, was \"" + publish + "\"");
            }
            b.authorizer(publish.equals("true") ? SseAuthorizer.allowAll() : SseAuthorizer.defaults());
        }
        applyInt("maxBodyBytes", b::maxBodyBytes);
        applyInt("maxConnections", b::maxConnections);
        applyInt("maxConnectionsPerOwner", b::maxConnectionsPerOwner);
        applyInt("retryMillis", v -> b.retry(Duration.ofMillis(v)));
        applyInt("maxConnectionAgeSeconds", v -> b.maxConnectionAge(Duration.ofSeconds(v)));
        applyInt("shutdownGraceSeconds", v -> b.shutdownGrace(Duration.ofSeconds(v)));
        return b;
    }

    private void applyInt(String name, IntConsumer setter) {
        String text = parameters.apply(name);
        if (text == null) {
            return;
        }
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "init parameter " + name + " must be a whole number, was \"" + text + "\"", e);
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("init parameter " + name + ": " + e.getMessage(), e);
        }
    }
}
