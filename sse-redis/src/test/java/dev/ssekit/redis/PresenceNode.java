package dev.ssekit.redis;

import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.SseAuthorizer;
import dev.ssekit.servlet.SseServlet;
import dev.ssekit.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Servers of a cluster that shares presence: a {@link Node} whose registry is relayed through
 * Redis and shares presence there. The owner of a request is its {@code X-User}
 * header, and owners are described by their own name, so that tests can see who is counted.
 * {@link #fork} runs one in a JVM of its own, so that a test can kill it.
 */
final class PresenceNode {

    /** How long a server that stops without closing still counts. */
    static final Duration TTL = Duration.ofSeconds(2);
    /** How long a burst of presence changes is gathered. */
    static final Duration EVENT_DELAY = Duration.ofMillis(100);

    private PresenceNode() {}

    /** Starts a server of the cluster, sharing presence through Redis at {@code redisUri}. */
    static Node start(String redisUri, String keyPrefix) throws Exception {
        SseRegistry registry = SseRegistry.builder()
                .heartbeat(Duration.ofMillis(200)) // finds clients that went away
                .relay(RedisRelay.builder()
                        .uri(redisUri)
                        .keyPrefix(keyPrefix)
                        .history(1_000)
                        .timeout(Duration.ofSeconds(2))
                        .readBlock(Duration.ofMillis(500))
                        .build())
                .presenceShare(RedisPresence.builder()
                        .uri(redisUri)
                        .keyPrefix(keyPrefix)
                        .ttl(TTL)
                        .timeout(Duration.ofSeconds(2))
                        .build())
                .presenceEvents(Pattern.compile(".*"))
                .presenceEventDelay(EVENT_DELAY)
                .describeOwners(owner -> owner)
                .build();
        SseServlet servlet = SseServlet.builder(registry)
                .authorizer(SseAuthorizer.allowAll())
                .ownerResolver(request -> request.getHeader("X-User"))
                .build();
        return Node.serve(registry, servlet);
    }

    /** A server in a JVM of its own. */
    record Forked(Process process, URI uri) {
        /** Kills the JVM at once, as a crash would: nothing is withdrawn from Redis. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** Starts a server in a new JVM and waits until it listens. */
    static Forked fork(String redisUri, String keyPrefix) throws IOException {
        Path log = Files.createTempFile("ssekit-presence-node", ".log");
        Process process = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        PresenceNode.class.getName(),
                        redisUri,
                        keyPrefix))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        AtomicReference<URI> uri = new AtomicReference<>();
        Await.await("the forked server to listen (log: " + log + ")", Duration.ofSeconds(90), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the forked server exited with " + process.exitValue() + "; see " + log);
            }
            try {
                Optional<String> line = Files.readAllLines(log).stream()
                        .filter(l -> l.startsWith("LISTENING "))
                        .findFirst();
                line.ifPresent(l -> uri.set(URI.create(l.substring("LISTENING ".length()))));
            } catch (IOException e) {
                return false;
            }
            return uri.get() != null;
        });
        return new Forked(process, uri.get());
    }

    /** The forked server: {@code <redis uri> <key prefix>}; runs until killed. */
    public static void main(String[] args) throws Exception {
        Node node = start(args[0], args[1]);
        System.out.println("LISTENING " + node.uri);
        System.out.flush();
        node.join();
    }
}
