package dev.ssekit.redis;

import dev.ssekit.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} ({@link RedisBinary}) on a free loopback port, without persistence, started and stopped
 * by a test. Stopping and starting it again on the same port acts out a Redis restart that loses
 * everything. Public for the Spring Boot tests, which take it from this module's test jar.
 * Confined to the test that starts it.
 */
public final class RedisProcess implements AutoCloseable {

    private final int port;
    private final Path dir;
    private final List<String> extra;
    private Process process;

    private RedisProcess(int port, Path dir, List<String> extra) {
        this.port = port;
        this.dir = dir;
        this.extra = extra;
    }

    /** Starts a server on a free loopback port and waits until it answers PING. */
    public static RedisProcess start() throws IOException {
        return start(List.of());
    }

    /** Starts a server with {@code extra} arguments (configuration lines) after the usual ones. */
    static RedisProcess start(List<String> extra) throws IOException {
        RedisProcess redis = new RedisProcess(freePort(), Files.createTempDirectory("ssekit-redis"), extra);
        redis.startAgain();
        return redis;
    }

    /** A loopback port free now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    /** The server's {@code redis://} URI. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server (again) on its port, and waits until it answers PING. */
    void startAgain() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                RedisBinary.executable().toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString()));
        command.addAll(extra);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        Await.await("redis-server on port " + port + " to answer PING", Duration.ofSeconds(10), () -> {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "redis-server exited with " + process.exitValue() + "; see " + dir.resolve("redis.log"));
            }
            return ping();
        });
    }

    /** Stops the server at once, as a crash would, and waits until it is gone. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("redis-server did not stop");
            }
        }
    }

    private boolean ping() {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(1_000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = new byte[7];
            int n = in.readNBytes(answer, 0, 7);
            String line = new String(answer, 0, n, StandardCharsets.US_ASCII);
            // A server that wants a password first is up as well.
            return line.equals("+PONG\r\n") || line.startsWith("-NOAUTH");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
