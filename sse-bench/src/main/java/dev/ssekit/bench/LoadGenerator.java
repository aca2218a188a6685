package dev.ssekit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The load generator's command line: runs one workload against a server on this machine, prints
 * its figures as Markdown and writes them as JSON; or turns a directory of such files into the
 * report.
 *
 * <pre>
 * java -cp sse-bench/target/sse-bench.jar dev.ssekit.bench.LoadGenerator fanout --port 8081 --pid 1234
 * java -cp sse-bench/target/sse-bench.jar dev.ssekit.bench.LoadGenerator report --results bench-results
 * </pre>
 *
 * <p>Not instantiable; {@link #main} is the entry point.
 */
public final class LoadGenerator {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final String USAGE = """
            usage: LoadGenerator <workload> [options]
                   LoadGenerator report [--results DIR] [--markdown FILE] [--svg FILE] [--update FILE] [--note TEXT]

            workloads:
              fanout          N streams at a fixed publish rate        (1,000 streams, 20 events/s, 20 s)
              saturate        publish as fast as delivery allows        (1,000 streams, window 32, 15 s)
              idle-memory     N idle streams: memory per stream         (10,000 streams, held 5 s)
              slow-consumers  normal streams beside stalled ones        (100 + 5 stalled, 8 KiB at 50/s, 30 s)
              churn           steady streams while others come and go   (500 steady, 100 new/s living 1 s, 20 s)
              soak            a long run with churn                     (2,000 steady, 50 events/s, 10 new/s, 10 min)
              reconnect-storm streams reconnect at once with Last-Event-ID (5,000 streams, 10,000-event history,
                              20 events/s, reconnecting within 1 s); needs a server with a history at
                              least that long: the library's (BenchServer --impl ssekit --history 10000),
                              not the naive baseline, which has none

            options (defaults depend on the workload; durations as 500ms, 20s or 2m):
              --host H               server address, loopback only       (127.0.0.1)
              --port P               server port; the publishers' with --stream-ports (8080)
              --stream-ports P,Q     open the streams on these ports in turn: servers sharing
                                     events (BenchServer --redis), so each event crosses servers
              --pid PID              server process, for heap (jcmd) and RSS (/proc)
              --label NAME           implementation name in the report   (the server's X-Bench-Impl header)
              --connections N        steady streams
              --stalled N            streams that stop reading after their connected event
              --rate R               events per second; 0 = as fast as the window allows
              --window K             events in flight end to end when rate is 0
              --publishers P         keep-alive POST connections, one request in flight each
              --event-bytes B        size of each event's JSON data
              --warmup D             publish this long before measuring (reconnect-storm:
                                     before the storm)
              --duration D           measure this long (reconnect-storm: the longest the
                                     storm may take)
              --churn-rate C         short-lived streams opened per second (churn)
              --lifetime D           how long each short-lived stream stays (churn)
              --hold D               how long idle streams stay before measuring memory (idle-memory)
              --drain D              how long streams may take to receive what they are owed
              --open-timeout D       how long opening every stream may take
              --connect-concurrency N  streams being opened at once
              --sample-every D       sample the server's heap this often while publishing
              --history H            events published before the storm (reconnect-storm)
              --spread D             the storm's reconnections are spread over this (reconnect-storm)
              --out DIR              where to write the JSON result   (bench-results)
              --smoke                small sizes, for tests
            """;

    private LoadGenerator() {}

    /**
     * Runs the command line; exits with 2 on a usage error, and with 1 when a stream failed to open
     * or, except in slow-consumers, an event was lost or duplicated, or, in a reconnect storm, a
     * stream was not served its replay, or received a reset or an event out of order.
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            return;
        }
        try {
            int status = run(args, System.out);
            if (status != 0) {
                System.exit(status);
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
    }

    /** Runs the command line, printing to {@code out}; returns the exit status. */
    static int run(String[] args, PrintStream out) throws IOException {
        Map<String, String> options = parse(args);
        if (args[0].equals("report")) {
            Path results = Path.of(options.getOrDefault("results", "bench-results"));
            Path markdown = Path.of(options.getOrDefault(
                    "markdown", results.resolve("report.md").toString()));
            Path svg = Path.of(options.getOrDefault(
                    "svg", results.resolve("latency-vs-connections.svg").toString()));
            String update = options.get("update");
            Report.write(results, markdown, svg, update == null ? null : Path.of(update), options.get("note"));
            out.println("wrote " + markdown + " and " + svg + (update == null ? "" : ", updated " + update));
            return 0;
        }
        WorkloadParams params = params(args[0], options);
        RunResult result = WorkloadRunner.run(params, ports("stream-ports", options.get("stream-ports")));
        Path dir = Path.of(options.getOrDefault("out", "bench-results"));
        Files.createDirectories(dir);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path file = dir.resolve(result.workload() + "-" + result.impl() + "-" + result.connections()
                + (result.stalled() > 0 ? "+" + result.stalled() : "") + "-" + stamp + ".json");
        JSON.writeValue(file.toFile(), result);
        out.print(Report.single(result));
        out.println();
        out.println("wrote " + file);
        if (result.connected() < params.connections() + params.stalled()) {
            System.err.println("only " + result.connected() + " of " + (params.connections() + params.stalled())
                    + " streams opened" + (result.firstError() == null ? "" : ": " + result.firstError()));
            return 1;
        }
        boolean clean = result.lost() == 0 && result.duplicated() == 0;
        RunResult.Storm storm = result.storm();
        if (params.workload() == Workload.RECONNECT_STORM
                && (storm == null
                        || storm.served() < params.connections()
                        || storm.resets() > 0
                        || storm.outOfOrder() > 0)) {
            System.err.println(
                    storm == null
                            ? "the storm did not start"
                            : storm.served() + " of " + params.connections() + " reconnected streams served, "
                                    + storm.resets() + " resets, " + storm.outOfOrder() + " events out of order");
            return 1;
        }
        return clean || params.workload() == Workload.SLOW_CONSUMERS ? 0 : 1;
    }

    /** Builds the parameters of {@code workload} from its defaults and the options given. */
    static WorkloadParams params(String workload, Map<String, String> o) {
        boolean smoke = o.containsKey("smoke");
        WorkloadParams p = Workload.of(workload).defaults(smoke);
        for (Map.Entry<String, String> e : o.entrySet()) {
            String v = e.getValue();
            p = switch (e.getKey()) {
                case "host" -> p.withHost(v);
                case "port" -> p.withPort(integer("port", v));
                case "pid" -> p.withPid(Long.parseLong(v));
                case "label" -> p.withLabel(v);
                case "connections" -> p.withConnections(integer("connections", v));
                case "stalled" -> p.withStalled(integer("stalled", v));
                case "rate" -> p.withRate(number("rate", v));
                case "window" -> p.withWindow(integer("window", v));
                case "publishers" -> p.withPublishers(integer("publishers", v));
                case "event-bytes" -> p.withEventBytes(integer("event-bytes", v));
                case "warmup" -> p.withWarmup(duration("warmup", v));
                case "duration" -> p.withDuration(duration("duration", v));
                case "churn-rate" -> p.withChurnRate(number("churn-rate", v));
                case "lifetime" -> p.withLifetime(duration("lifetime", v));
                case "hold" -> p.withHold(duration("hold", v));
                case "drain" -> p.withDrain(duration("drain", v));
                case "open-timeout" -> p.withOpenTimeout(duration("open-timeout", v));
                case "connect-concurrency" -> p.withConnectConcurrency(integer("connect-concurrency", v));
                case "sample-every" -> p.withSampleEvery(duration("sample-every", v));
                case "history" -> p.withHistory(integer("history", v));
                case "spread" -> p.withSpread(duration("spread", v));
                case "out", "smoke", "stream-ports" -> p;
                default -> throw new IllegalArgumentException("unknown option: --" + e.getKey());
            };
        }
        return p;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String key = a.substring(2);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                options.put(key.substring(0, eq), key.substring(eq + 1));
            } else if (key.equals("smoke")) {
                options.put(key, "true");
            } else if (i + 1 < rest.size()) {
                options.put(key, rest.get(++i));
            } else {
                throw new IllegalArgumentException("option --" + key + " needs a value");
            }
        }
        return options;
    }

    private static List<Integer> ports(String name, String v) {
        if (v == null) {
            return List.of();
        }
        List<Integer> ports = new ArrayList<>();
        for (String part : v.split(",")) {
            int port = integer(name, part.trim());
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException(name + " must be ports from 1 to 65535: " + v);
            }
            ports.add(port);
        }
        return ports;
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer: " + v);
        }
    }

    private static double number(String name, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number: " + v);
        }
    }

    /** Parses {@code 500ms}, {@code 20s}, {@code 2m}, or a number of seconds. */
    static Duration duration(String name, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a duration such as 500ms, 20s or 2m: " + v);
        }
    }
}
