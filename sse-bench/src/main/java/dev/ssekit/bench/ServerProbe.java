package dev.ssekit.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a server process's heap after a full collection (through {@code jcmd}), its resident set
 * size and its CPU time (through {@code /proc}).
 *
 * <p>Stateless and thread-safe. Every method answers "unknown" (an empty optional) rather than
 * failing, so a run without a pid or on another OS still reports everything else.
 */
final class ServerProbe {

    private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])");
    private static final long JCMD_TIMEOUT_SECONDS = 30;
    /** Clock ticks per second in /proc/PID/stat; 100 on every Linux this runs on. */
    private static final long CLOCK_TICKS = 100;

    private ServerProbe() {}

    /** Runs a full collection in {@code pid} and returns its heap in use just after it. */
    static OptionalLong heapAfterGc(long pid) {
        if (jcmd(pid, "GC.run") == null) {
            return OptionalLong.empty();
        }
        return heapInUse(pid);
    }

    /** Returns the heap in use in {@code pid} now, garbage included. */
    static OptionalLong heapInUse(long pid) {
        String info = jcmd(pid, "GC.heap_info");
        return info == null ? OptionalLong.empty() : parseHeapInfo(info);
    }

    /**
     * Sums the {@code used} figures of the heap's spaces in the output of {@code GC.heap_info},
     * leaving out the metaspace (G1: one line; Serial and Parallel: one per generation; Z: one).
     */
    static OptionalLong parseHeapInfo(String info) {
        long total = 0;
        boolean found = false;
        for (String line : info.split("\n")) {
            if (line.contains("Metaspace") || line.contains("class space")) {
                continue;
            }
            Matcher m = USED.matcher(line);
            if (m.find()) {
                long value = Long.parseLong(m.group(1));
                total += switch (m.group(2)) {
                    case "K" -> value << 10;
                    case "M" -> value << 20;
                    default -> value << 30;
                };
                found = true;
            }
        }
        return found ? OptionalLong.of(total) : OptionalLong.empty();
    }

    /** Returns the resident set size of {@code pid}, from {@code VmRSS} in /proc/PID/status. */
    static OptionalLong rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** Returns the number of threads of {@code pid}, from {@code Threads} in /proc/PID/status, or null. */
    static Integer threads(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Threads:")) {
                    return Integer.valueOf(line.substring(8).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** Returns the CPU time (user and system) that {@code pid} has used, in nanoseconds. */
    static OptionalLong cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name may hold spaces; the fields after its closing parenthesis do not.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            return OptionalLong.of(ticks * (1_000_000_000L / CLOCK_TICKS));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Returns the output of {@code jcmd pid command}, or {@code null} if it failed. */
    private static String jcmd(long pid, String command) {
        List<String> argv = new ArrayList<>();
        argv.add(jcmdExecutable());
        argv.add(Long.toString(pid));
        argv.add(command);
        Path output = null;
        try {
            // Output goes to a file, so that waiting for the process is bounded even if it hangs.
            output = Files.createTempFile("jcmd", ".txt");
            Process p = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? Files.readString(output, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    private static String jcmdExecutable() {
        Path beside = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Files.isExecutable(beside) ? beside.toString() : "jcmd";
    }
}
