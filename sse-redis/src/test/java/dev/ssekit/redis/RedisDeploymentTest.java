package dev.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssekit.SseRegistry;
import dev.ssekit.SseStats;
import dev.ssekit.testing.Await;
import dev.ssekit.testing.EventStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The relay against Redis as teams deploy it: a password for an ACL user, TLS, and Cluster refused. */
class RedisDeploymentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RedisProcess redis;
    private final List<Node> nodes = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        streams.forEach(EventStream::close);
        for (Node n : nodes) {
            n.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void anAclUserWithAPasswordInTheUri() throws Exception {
        redis = RedisProcess.start(
                List.of("--user", "default", "off", "--user", "relay", "on", ">s3cret-pass", "~*", "&*", "+@all"));
        String uri = "redis://relay:s3cret-pass@127.0.0.1:" + redis.port();
        nodes.add(Node.start(uri, "acl:", 100));
        nodes.add(Node.start(uri, "acl:", 100));
        awaitUp();
        EventStream s = open(1);
        JsonNode published = publish(0, "{\"acl\":true}");
        assertThat(s.next())
                .isEqualTo(new EventStream.Event(published.get("id").asText(), "message", "{\"acl\":true}"));

        // A wrong password: the relay is down, says why, and never shows the password.
        SseRegistry wrong = SseRegistry.builder()
                .history(100)
                .relay(Node.relay("redis://relay:not-the-pass@127.0.0.1:" + redis.port(), "acl:", 100)
                        .build())
                .build();
        try {
            SseStats.Relay health = wrong.stats().relay();
            assertThat(health.up()).isFalse();
            assertThat(health.reason()).contains("127.0.0.1:" + redis.port()).doesNotContain("not-the-pass");
        } finally {
            wrong.close();
        }
    }

    @Test
    void overTlsWithACertificateTheTestMade() throws Exception {
        Assumptions.assumeTrue(skipUnless(
                RedisBinary.system().isPresent(),
                "TLS needs the system's redis-server (a build with TLS); none is on the PATH"));
        Assumptions.assumeTrue(skipUnless(
                runs("openssl", "version"), "making the test's certificate needs openssl; none is on the PATH"));
        Path dir = Files.createTempDirectory("ssekit-tls");
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "1",
                "-subj",
                "/CN=SSEKit test CA");
        openssl(
                dir,
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1");
        Files.writeString(dir.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1\n");
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "1",
                "-extfile",
                "san.cnf");
        int tlsPort = RedisProcess.freePort();
        redis = RedisProcess.start(List.of(
                "--tls-port",
                Integer.toString(tlsPort),
                "--tls-cert-file",
                dir.resolve("server.crt").toString(),
                "--tls-key-file",
                dir.resolve("server.key").toString(),
                "--tls-ca-cert-file",
                dir.resolve("ca.crt").toString(),
                "--tls-auth-clients",
                "no"));
        String uri = "rediss://127.0.0.1:" + tlsPort;
        for (int i = 0; i < 2; i++) {
            nodes.add(Node.start(Node.relay(uri, "tls:", 100).trustedCertificates(dir.resolve("ca.crt")), 100));
        }
        awaitUp();
        EventStream s = open(1);
        JsonNode published = publish(0, "{\"tls\":true}");
        assertThat(s.next())
                .isEqualTo(new EventStream.Event(published.get("id").asText(), "message", "{\"tls\":true}"));

        // Without the test's CA, the server's certificate is not trusted: the relay stays down.
        SseRegistry untrusting = SseRegistry.builder()
                .history(100)
                .relay(Node.relay(uri, "tls:", 100).build())
                .build();
        try {
            assertThat(untrusting.stats().relay().up()).isFalse();
        } finally {
            untrusting.close();
        }
    }

    @Test
    void redisClusterIsRefusedWithAClearMessage() throws Exception {
        assertThatThrownBy(() -> RedisRelay.builder().uri("redis-cluster://127.0.0.1:7000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uri: Redis Cluster is not supported");
        redis = RedisProcess.start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"));
        assertThatThrownBy(() -> SseRegistry.builder()
                        .history(10)
                        .relay(Node.relay("redis://127.0.0.1:" + redis.port(), "cluster:", 10)
                                .build())
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Redis Cluster is not supported")
                .hasMessageContaining("127.0.0.1:" + redis.port() + ": it is a cluster node");
    }

    @Test
    void presenceRefusesARedisClusterUriAsTheRelayDoes() {
        for (String uri : List.of("redis-cluster://127.0.0.1:7000", "rediss-cluster://127.0.0.1:7000")) {
            assertThatThrownBy(() -> RedisPresence.builder().uri(uri))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("uri: Redis Cluster is not supported")
                    .hasMessageEndingWith("a cluster URI");
        }
    }

    private static boolean skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("[redis tests] skipped: " + reason);
        }
        return condition;
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** Waits until every server's relay is up: a TLS handshake may outlast the first attempt. */
    private void awaitUp() {
        for (Node n : nodes) {
            Await.await("the relay to be up", () -> n.registry.stats().relay().up());
        }
    }

    private EventStream open(int node) throws Exception {
        EventStream s = EventStream.open(HTTP, nodes.get(node).uri);
        assertThat(s.next().type()).isEqualTo("connected");
        streams.add(s);
        return s;
    }

    private JsonNode publish(int node, String json) throws Exception {
        URI uri = nodes.get(node).uri;
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
