package dev.ssekit.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Which {@code redis-server} the tests run: the system's, when there is one on the {@code PATH};
 * otherwise the build for this machine that the embedded-redis test dependency carries in its jar,
 * so that the tests need nothing beyond a JDK and Maven. Thread-safe.
 */
final class RedisBinary {

    private static Path executable;

    private RedisBinary() {}

    /** The system's {@code redis-server} on the {@code PATH}, if there is one. */
    static Optional<Path> system() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        boolean windows = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, windows ? "redis-server.exe" : "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The {@code redis-server} to run: the system's, or the one from the test dependency. */
    static synchronized Path executable() {
        if (executable == null) {
            executable = system().orElseGet(RedisBinary::embedded);
            System.out.println("[redis tests] using redis-server at " + executable);
        }
        return executable;
    }

    private static Path embedded() {
        String resource = resourceForThisMachine();
        try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on the PATH, and the test classpath has no " + resource
                        + " (the com.github.codemonstur:embedded-redis test dependency)");
            }
            Path dir = Files.createTempDirectory("ssekit-redis-bin");
            Path target = dir.resolve(resource);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            if (!target.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + target + " executable");
            }
            target.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("extracting " + resource, e);
        }
    }

    private static String resourceForThisMachine() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        if (os.startsWith("windows")) {
            return "redis-server-5.0.14.1-windows-amd64.exe";
        }
        if (os.startsWith("mac")) {
            return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        }
        if (x64) {
            return "redis-server-6.2.6-v5-linux-amd64";
        }
        return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.7-linux-386";
    }
}
