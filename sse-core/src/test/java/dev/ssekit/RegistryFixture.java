package dev.ssekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.spi.ConnectOptions;
import dev.ssekit.spi.Connections;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The registries a core test builds, the {@link RecordingTransport}s it opens on them, and the
 * check every such test ends with: after each test the fixture closes every registry it built (in
 * the order built), then runs what the test handed it to close (schedulers, pools), then asserts
 * that every transport it opened saw the registry keep the SPI's contract.
 *
 * <p>Register it per test instance: {@code @RegisterExtension final RegistryFixture fixture = new
 * RegistryFixture();}. Thread-safe: a test may open connections from several threads.
 */
final class RegistryFixture implements AfterEachCallback {

    private final List<SseRegistry> registries = Collections.synchronizedList(new ArrayList<>());
    private final List<Runnable> closers = Collections.synchronizedList(new ArrayList<>());
    private final Map<SseConnection, RecordingTransport> transports =
            Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<RecordingTransport> unbound = Collections.synchronizedList(new ArrayList<>());

    /** A builder with what a unit test wants off: no heartbeat, no write timeout. */
    SseRegistry.Builder builder() {
        return SseRegistry.builder().heartbeat(null).writeTimeout(null);
    }

    /** Builds {@code builder}'s registry and closes it after the test. */
    SseRegistry build(SseRegistry.Builder builder) {
        SseRegistry registry = builder.build();
        registries.add(registry);
        return registry;
    }

    /** Returns {@code resource} and hands it to {@code closer} after the test, once the registries are closed. */
    <T> T closeAfter(T resource, Consumer<? super T> closer) {
        closers.add(() -> closer.accept(resource));
        return resource;
    }

    /** Opens a connection on {@code registry} over a new ready transport, checked after the test. */
    SseConnection open(SseRegistry registry, ConnectOptions options) {
        return open(registry, new RecordingTransport(), options);
    }

    /** Opens a connection on {@code registry} over {@code transport}, checked after the test. */
    SseConnection open(SseRegistry registry, RecordingTransport transport, ConnectOptions options) {
        unbound.add(transport); // checked even if open throws after the registry started it
        SseConnection c = Connections.open(registry, transport, options);
        unbound.remove(transport);
        transports.put(c, transport);
        return c;
    }

    /** Returns the transport {@code c} was opened over. */
    RecordingTransport transportOf(SseConnection c) {
        RecordingTransport t = transports.get(c);
        if (t == null) {
            throw new IllegalArgumentException("connection was not opened through the fixture: " + c);
        }
        return t;
    }

    /** Checks {@code transport} after the test as well, for a test that opens connections itself. */
    RecordingTransport track(RecordingTransport transport) {
        unbound.add(transport);
        return transport;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List.copyOf(registries).forEach(SseRegistry::close);
        List.copyOf(closers).forEach(Runnable::run);
        Map<SseConnection, RecordingTransport> opened;
        synchronized (transports) {
            opened = new LinkedHashMap<>(transports);
        }
        opened.forEach(
                (c, t) -> assertThat(t.violations()).as("SPI contract on %s", c).isEmpty());
        List.copyOf(unbound)
                .forEach(t -> assertThat(t.violations()).as("SPI contract").isEmpty());
    }
}
