package dev.ssekit.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns run results into Markdown tables and an SVG chart of latency percentiles against the
 * number of streams, each implementation beside the naive baseline.
 *
 * <p>Stateless and thread-safe.
 */
final class Report {

    static final String BEGIN = "<!-- bench-report:begin -->";
    static final String END = "<!-- bench-report:end -->";
    static final String BASELINE = "naive";

    /**
     * Returns the container a result's server label names after an {@code @} ({@code ssekit@tomcat}),
     * or the empty string for the main figures' Jetty.
     */
    static String container(String impl) {
        int at = impl.indexOf('@');
        return at < 0 ? "" : impl.substring(at + 1);
    }

    /** Whether {@code impl} is the baseline, on any container. */
    static boolean isBaseline(String impl) {
        return impl.equals(BASELINE) || impl.startsWith(BASELINE + "@");
    }

    private Report() {}

    // ---- one run ----------------------------------------------------------------------------------

    /** Returns one run's figures as a two-column Markdown table. */
    static String single(RunResult r) {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("workload", r.workload() + (r.smoke() ? " (smoke)" : "")));
        rows.add(row("server", r.impl()));
        rows.add(row(
                "streams",
                r.connections() + (r.stalled() > 0 ? " + " + r.stalled() + " stalled" : "") + ", " + r.connected()
                        + " connected"));
        rows.add(row(
                "time to open all",
                millis(r.openMillis()) + " ms (connect p99 " + millis(r.connectP99Millis()) + " ms)"));
        rows.add(row(
                "connect failures / streams ended by server", r.connectFailures() + " / " + r.streamsEndedByServer()));
        if (!r.workload().equals(Workload.IDLE_MEMORY.command())) {
            rows.add(row(
                    "published",
                    r.eventsInWindow() + " in " + num(r.durationSeconds()) + " s"
                            + (r.eventsTarget() > 0 ? " (target " + r.eventsTarget() + ")" : "")
                            + ", " + num(r.publishedPerSecond()) + "/s, " + r.eventsPublished()
                            + " acknowledged in all, "
                            + r.publishErrors() + " errors"));
            rows.add(row("deliveries/s", num(r.deliveriesPerSecond())));
            rows.add(row(
                    "latency p50 / p90 / p99 / max",
                    millis(r.p50Millis()) + " / " + millis(r.p90Millis()) + " / " + millis(r.p99Millis()) + " / "
                            + millis(r.maxMillis()) + " ms (" + r.latencyCount() + " deliveries)"));
            if (r.publishP50Millis() != null) {
                rows.add(row(
                        "publish answered p50 / p99",
                        millis(r.publishP50Millis()) + " / " + millis(r.publishP99Millis()) + " ms"));
            }
            rows.add(row(
                    "deliveries expected / received / lost / duplicated",
                    r.expected() + " / " + r.received() + " / " + r.lost() + " / " + r.duplicated()));
        }
        RunResult.Storm st = r.storm();
        if (st != null) {
            rows.add(row(
                    "storm: history, streams recorded",
                    st.history() + " events, " + st.recorded() + " of " + st.clients() + " streams read up to their"
                            + " stop event (" + num(st.recordSeconds()) + " s)"));
            rows.add(row(
                    "storm: reconnected / served / caught up",
                    st.reconnected() + " / " + st.served() + " / " + st.caughtUp() + " (requests spread over "
                            + millis(st.spreadMillis()) + " ms; storm over in " + millis(st.stormMillis()) + " ms)"));
            rows.add(row(
                    "storm: first replayed event p50 / p99 / max",
                    millis(st.firstReplayP50Millis()) + " / " + millis(st.firstReplayP99Millis()) + " / "
                            + millis(st.firstReplayMaxMillis()) + " ms"));
            rows.add(row(
                    "storm: caught up p50 / p99 / max",
                    millis(st.caughtUpP50Millis()) + " / " + millis(st.caughtUpP99Millis()) + " / "
                            + millis(st.caughtUpMaxMillis()) + " ms"));
            rows.add(row(
                    "storm: publish answered p50 / p99, before",
                    millis(st.publishBeforeP50Millis()) + " / " + millis(st.publishBeforeP99Millis()) + " ms ("
                            + st.publishesBefore() + " publishes)"));
            rows.add(row(
                    "storm: publish answered p50 / p99 / max, during",
                    millis(st.publishDuringP50Millis()) + " / " + millis(st.publishDuringP99Millis()) + " / "
                            + millis(st.publishDuringMaxMillis()) + " ms (" + st.publishesDuring() + " publishes)"));
            rows.add(row("storm: resets / out of order", st.resets() + " / " + st.outOfOrder()));
        }
        if (r.churnCycles() != null) {
            rows.add(row(
                    "churn cycles",
                    r.churnCycles() + " (" + num(r.churnCyclesPerSecond()) + "/s, target " + num(r.churnRate())
                            + "/s)"));
        }
        if (r.serverHeapBeforeBytes() != null || r.serverRssBeforeBytes() != null) {
            rows.add(row(
                    "server heap after GC, before / after",
                    bytes(r.serverHeapBeforeBytes()) + " / " + bytes(r.serverHeapAfterBytes())));
            rows.add(row(
                    "server RSS, before / after",
                    bytes(r.serverRssBeforeBytes()) + " / " + bytes(r.serverRssAfterBytes())));
            rows.add(row(
                    "per stream: heap / RSS",
                    bytes(r.heapPerConnectionBytes()) + " / " + bytes(r.rssPerConnectionBytes())));
        } else if (r.serverHeapAfterBytes() != null) {
            rows.add(row(
                    "server heap after GC / RSS at the end",
                    bytes(r.serverHeapAfterBytes()) + " / " + bytes(r.serverRssAfterBytes())));
        }
        if (!r.heapSamples().isEmpty()) {
            rows.add(row("server heap after GC over time", samples(r.heapSamples())));
            if (r.heapSamples().stream().anyMatch(h -> h.threads() != null)) {
                rows.add(row("server threads over time", threads(r.heapSamples())));
            }
        }
        rows.add(row(
                "CPU: server / load generator",
                percent(r.serverCpuPercent()) + " / " + percent(r.loadgenCpuPercent())));
        if (r.firstError() != null) {
            rows.add(row("first error", r.firstError()));
        }
        return table(new String[] {"figure", "value"}, rows);
    }

    // ---- many runs --------------------------------------------------------------------------------

    /**
     * Reads every result in {@code results}, writes the tables to {@code markdown} and the chart to
     * {@code svg}, and, if {@code update} is not null, replaces the text between the report markers
     * in that file with the tables. A {@code note}, if any, comes first, in bold: for example to say
     * that the figures are preliminary.
     */
    static void write(Path results, Path markdown, Path svg, Path update, String note) throws IOException {
        List<RunResult> all = read(results);
        String chartLink = update != null && update.toAbsolutePath().getParent() != null
                ? update.toAbsolutePath()
                        .getParent()
                        .relativize(svg.toAbsolutePath())
                        .toString()
                : svg.getFileName().toString();
        String tables = (note == null || note.isBlank() ? "" : "**" + note.strip() + "**\n\n") + tables(all, chartLink);
        Files.createDirectories(markdown.toAbsolutePath().getParent());
        Files.writeString(markdown, tables, StandardCharsets.UTF_8);
        Files.createDirectories(svg.toAbsolutePath().getParent());
        Files.writeString(svg, chart(all, note), StandardCharsets.UTF_8);
        if (update != null) {
            String text = Files.readString(update, StandardCharsets.UTF_8);
            int b = text.indexOf(BEGIN);
            int e = text.indexOf(END);
            if (b < 0 || e < b) {
                throw new IllegalArgumentException("update: " + update + " has no " + BEGIN + " … " + END + " section");
            }
            Files.writeString(
                    update,
                    text.substring(0, b + BEGIN.length()) + "\n" + tables + text.substring(e),
                    StandardCharsets.UTF_8);
        }
    }

    /** Reads the results in {@code dir}, oldest first. */
    static List<RunResult> read(Path dir) throws IOException {
        List<RunResult> all = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                all.add(LoadGenerator.JSON.readValue(f.toFile(), RunResult.class));
            }
        }
        all.sort(Comparator.comparing(RunResult::startedAt));
        return all;
    }

    /** Keeps the latest result of each configuration and implementation. */
    static List<RunResult> latest(List<RunResult> all) {
        Map<String, RunResult> byKey = new LinkedHashMap<>();
        List<RunResult> oldestFirst = new ArrayList<>(all);
        oldestFirst.sort(Comparator.comparing(RunResult::startedAt));
        for (RunResult r : oldestFirst) {
            byKey.put(key(r) + "|" + r.impl(), r);
        }
        return byKey.values().stream()
                .sorted(Comparator.comparing(RunResult::workload)
                        .thenComparingInt(RunResult::connections)
                        .thenComparingInt(RunResult::stalled)
                        .thenComparing(r -> container(r.impl()))
                        .thenComparing(r -> isBaseline(r.impl()) ? 1 : 0))
                .collect(Collectors.toList());
    }

    private static String key(RunResult r) {
        return r.workload() + "|" + r.connections() + "|" + r.stalled() + "|" + r.rate() + "|" + r.eventBytes() + "|"
                + r.churnRate() + "|" + r.smoke();
    }

    private static RunResult baseline(List<RunResult> latest, RunResult r) {
        for (RunResult o : latest) {
            if (isBaseline(o.impl()) && container(o.impl()).equals(container(r.impl())) && key(o).equals(key(r))) {
                return o;
            }
        }
        return null;
    }

    /** Returns the Markdown tables of the latest results, one section per workload. */
    static String tables(List<RunResult> all, String chartLink) {
        List<RunResult> latest = latest(all);
        StringBuilder out = new StringBuilder();
        String dates = all.stream()
                .map(r -> r.startedAt().substring(0, 10))
                .distinct()
                .sorted()
                .collect(Collectors.joining(", "));
        out.append("Results of ")
                .append(latest.size())
                .append(" runs (latest per configuration), measured ")
                .append(dates.isEmpty() ? "never" : dates)
                .append(". Latencies in ms, from publish to delivery.\n\n");
        section(
                out,
                latest,
                Workload.FANOUT,
                "fanout: fixed publish rate",
                new String[] {
                    "Streams",
                    "Server",
                    "Open all (s)",
                    "Published/s (target)",
                    "Deliveries/s",
                    "p50",
                    "p90",
                    "p99",
                    "max",
                    "Lost",
                    "Dup",
                    "p99 ÷ naive"
                },
                (r, b) -> new String[] {
                    num(r.connections()),
                    r.impl(),
                    secs(r.openMillis()),
                    num(r.publishedPerSecond()) + " (" + num(r.rate()) + ")",
                    num(r.deliveriesPerSecond()),
                    millis(r.p50Millis()),
                    millis(r.p90Millis()),
                    millis(r.p99Millis()),
                    millis(r.maxMillis()),
                    num(r.lost()),
                    num(r.duplicated()),
                    ratio(r, b, RunResult::p99Millis)
                });
        if (latest.stream().anyMatch(r -> r.workload().equals(Workload.FANOUT.command()))) {
            out.append("![fanout latency against streams](").append(chartLink).append(")\n\n");
        }
        section(
                out,
                latest,
                Workload.SATURATE,
                "saturate: as fast as delivery allows",
                new String[] {
                    "Streams",
                    "Server",
                    "Window",
                    "Deliveries/s",
                    "× naive",
                    "p50",
                    "p99",
                    "Lost",
                    "Dup",
                    "Server CPU",
                    "Load gen CPU"
                },
                (r, b) -> new String[] {
                    num(r.connections()),
                    r.impl(),
                    num(r.window()),
                    num(r.deliveriesPerSecond()),
                    ratio(r, b, RunResult::deliveriesPerSecond),
                    millis(r.p50Millis()),
                    millis(r.p99Millis()),
                    num(r.lost()),
                    num(r.duplicated()),
                    percent(r.serverCpuPercent()),
                    percent(r.loadgenCpuPercent())
                });
        section(
                out,
                latest,
                Workload.IDLE_MEMORY,
                "idle-memory: memory per idle stream",
                new String[] {
                    "Streams",
                    "Server",
                    "Open all (s)",
                    "Heap before → after GC",
                    "Heap/stream",
                    "RSS/stream",
                    "Heap/stream − naive"
                },
                (r, b) -> new String[] {
                    num(r.connections()),
                    r.impl(),
                    secs(r.openMillis()),
                    bytes(r.serverHeapBeforeBytes()) + " → " + bytes(r.serverHeapAfterBytes()),
                    bytes(r.heapPerConnectionBytes()),
                    bytes(r.rssPerConnectionBytes()),
                    b == null || b == r || r.heapPerConnectionBytes() == null || b.heapPerConnectionBytes() == null
                            ? "–"
                            : bytes(r.heapPerConnectionBytes() - b.heapPerConnectionBytes())
                });
        section(
                out,
                latest,
                Workload.SLOW_CONSUMERS,
                "slow-consumers: normal streams beside stalled ones",
                new String[] {
                    "Streams",
                    "Stalled",
                    "Server",
                    "Published (target)",
                    "p50",
                    "p99",
                    "max",
                    "p99 ÷ same without stalled",
                    "Lost",
                    "Heap after GC over time"
                },
                (r, b) -> new String[] {
                    num(r.connections()),
                    num(r.stalled()),
                    r.impl(),
                    num(r.eventsInWindow()) + " (" + num(r.eventsTarget()) + ")",
                    millis(r.p50Millis()),
                    millis(r.p99Millis()),
                    millis(r.maxMillis()),
                    unstalledRatio(latest, r),
                    num(r.lost()),
                    samples(r.heapSamples())
                });
        section(
                out,
                latest,
                Workload.CHURN,
                "churn: streams coming and going while publishing",
                new String[] {"Steady", "New/s", "Server", "Cycles/s", "Connect p99", "p50", "p99", "Lost", "Dup"},
                (r, b) -> new String[] {
                    num(r.connections()),
                    num(r.churnRate()),
                    r.impl(),
                    num(r.churnCyclesPerSecond()),
                    millis(r.connectP99Millis()),
                    millis(r.p50Millis()),
                    millis(r.p99Millis()),
                    num(r.lost()),
                    num(r.duplicated())
                });
        section(
                out,
                latest,
                Workload.SOAK,
                "soak: a long run with churn",
                new String[] {
                    "Steady",
                    "Rate",
                    "New/s",
                    "Server",
                    "Seconds",
                    "Cycles",
                    "p99",
                    "Lost",
                    "Errors",
                    "Heap over time",
                    "Threads over time"
                },
                (r, b) -> new String[] {
                    num(r.connections()),
                    num(r.rate()),
                    num(r.churnRate()),
                    r.impl(),
                    num(r.durationSeconds()),
                    r.churnCycles() == null ? "–" : num(r.churnCycles()),
                    millis(r.p99Millis()),
                    num(r.lost()),
                    num(r.publishErrors() + r.connectFailures() + r.streamsEndedByServer()),
                    samples(r.heapSamples()),
                    threads(r.heapSamples())
                });
        section(
                out,
                latest,
                Workload.RECONNECT_STORM,
                "reconnect-storm: every stream reconnecting at once with Last-Event-ID",
                new String[] {
                    "Streams",
                    "History",
                    "Server",
                    "Served",
                    "First replayed p50",
                    "p99",
                    "Caught up p99",
                    "Publish p50 / p99 before",
                    "during",
                    "Lost",
                    "Dup",
                    "Resets"
                },
                (r, b) -> {
                    RunResult.Storm st = r.storm();
                    if (st == null) {
                        return new String[] {
                            num(r.connections()), "–", r.impl(), "–", "–", "–", "–", "–", "–", "–", "–", "–"
                        };
                    }
                    return new String[] {
                        num(st.reconnected()),
                        num(st.history()),
                        r.impl(),
                        num(st.served()),
                        millis(st.firstReplayP50Millis()),
                        millis(st.firstReplayP99Millis()),
                        millis(st.caughtUpP99Millis()),
                        millis(st.publishBeforeP50Millis()) + " / " + millis(st.publishBeforeP99Millis()),
                        millis(st.publishDuringP50Millis()) + " / " + millis(st.publishDuringP99Millis()),
                        num(r.lost()),
                        num(r.duplicated()),
                        num(st.resets())
                    };
                });
        return out.toString();
    }

    private static String threads(List<RunResult.HeapSample> samples) {
        if (samples.isEmpty() || samples.stream().allMatch(h -> h.threads() == null)) {
            return "–";
        }
        return samples.stream()
                .map(h -> h.threads() == null ? "?" : h.threads().toString())
                .collect(Collectors.joining(", "));
    }

    private interface Row {
        String[] cells(RunResult r, RunResult baseline);
    }

    private static void section(
            StringBuilder out, List<RunResult> latest, Workload w, String title, String[] header, Row row) {
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : latest) {
            if (r.workload().equals(w.command())) {
                rows.add(row.cells(r, baseline(latest, r)));
            }
        }
        if (!rows.isEmpty()) {
            out.append("#### ")
                    .append(title)
                    .append("\n\n")
                    .append(table(header, rows))
                    .append('\n');
        }
    }

    private static String unstalledRatio(List<RunResult> latest, RunResult r) {
        if (r.stalled() == 0) {
            return "–";
        }
        for (RunResult o : latest) {
            if (o.workload().equals(r.workload())
                    && o.impl().equals(r.impl())
                    && o.stalled() == 0
                    && o.connections() == r.connections()
                    && o.smoke() == r.smoke()
                    && o.p99Millis() > 0) {
                return String.format(Locale.ROOT, "%.2f", r.p99Millis() / o.p99Millis());
            }
        }
        return "–";
    }

    private static String ratio(RunResult r, RunResult b, Function<RunResult, Double> figure) {
        if (b == null || b == r || figure.apply(b) == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f", figure.apply(r) / figure.apply(b));
    }

    // ---- the chart --------------------------------------------------------------------------------

    private static final int W = 720;
    private static final int H = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 170;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    /** Returns an SVG chart of fanout latency percentiles against streams, one line per server and percentile. */
    static String chart(List<RunResult> all) {
        return chart(all, null);
    }

    /**
     * Returns the chart, with the dates of the runs and, if {@code note} is given, its headline (up to
     * its first colon or full stop) at the foot.
     */
    static String chart(List<RunResult> all, String note) {
        List<RunResult> fanout = latest(all).stream()
                .filter(r -> r.workload().equals(Workload.FANOUT.command()) && r.latencyCount() > 0)
                .collect(Collectors.toList());
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(W)
                .append("\" height=\"")
                .append(H)
                .append("\" viewBox=\"0 0 ")
                .append(W)
                .append(' ')
                .append(H)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"")
                .append(W / 2)
                .append("\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">")
                .append("fanout: delivery latency against streams</text>\n");
        if (fanout.isEmpty()) {
            s.append("<text x=\"")
                    .append(W / 2)
                    .append("\" y=\"")
                    .append(H / 2)
                    .append("\" text-anchor=\"middle\">no fanout results yet</text>\n</svg>\n");
            return s.toString();
        }
        String rates = fanout.stream().map(r -> num(r.rate())).distinct().collect(Collectors.joining(", "));
        String dates = fanout.stream()
                .map(r -> r.startedAt().substring(0, 10))
                .distinct()
                .sorted()
                .collect(Collectors.joining(", "));
        s.append("<text x=\"")
                .append(W / 2)
                .append("\" y=\"36\" text-anchor=\"middle\" fill=\"#555\">")
                .append("one publisher at ")
                .append(rates)
                .append(" events/s; measured ")
                .append(dates)
                .append("; lower is better</text>\n");
        if (note != null && !note.isBlank()) {
            s.append("<text x=\"")
                    .append(LEFT)
                    .append("\" y=\"")
                    .append(H - 2)
                    .append("\" font-style=\"italic\" fill=\"#b00\">")
                    .append(escape(note.strip().split("[:.]", 2)[0]))
                    .append("</text>\n");
        }
        TreeSet<Integer> counts = new TreeSet<>();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (RunResult r : fanout) {
            counts.add(r.connections());
            for (double v : new double[] {r.p50Millis(), r.p90Millis(), r.p99Millis()}) {
                lo = Math.min(lo, Math.max(v, 0.01));
                hi = Math.max(hi, Math.max(v, 0.01));
            }
        }
        int yLo = (int) Math.floor(Math.log10(lo));
        int yHi = Math.max(yLo + 1, (int) Math.ceil(Math.log10(hi)));
        double xLo = Math.log10(counts.first());
        double xHi = Math.log10(counts.last());
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        Function<Integer, Double> x =
                n -> xHi == xLo ? LEFT + plotW / 2.0 : LEFT + 20 + (plotW - 40) * (Math.log10(n) - xLo) / (xHi - xLo);
        Function<Double, Double> y = v -> TOP + plotH - plotH * (Math.log10(Math.max(v, 0.01)) - yLo) / (yHi - yLo);

        s.append("<rect x=\"")
                .append(LEFT)
                .append("\" y=\"")
                .append(TOP)
                .append("\" width=\"")
                .append(plotW)
                .append("\" height=\"")
                .append(plotH)
                .append("\" fill=\"none\" stroke=\"#888\"/>\n");
        for (int d = yLo; d <= yHi; d++) {
            double v = Math.pow(10, d);
            double py = y.apply(v);
            s.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT,
                    py,
                    LEFT + plotW,
                    py));
            s.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 6,
                    py + 4,
                    d < 0 ? String.format(Locale.ROOT, "%." + (-d) + "f", v) : Long.toString((long) v)));
        }
        for (int n : counts) {
            double px = x.apply(n);
            s.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>%n",
                    px,
                    TOP,
                    px,
                    TOP + plotH));
            s.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    px,
                    TOP + plotH + 18,
                    num(n)));
        }
        s.append("<text x=\"")
                .append(LEFT + plotW / 2)
                .append("\" y=\"")
                .append(H - 16)
                .append("\" text-anchor=\"middle\">open streams (log scale)</text>\n");
        s.append("<text transform=\"translate(18,")
                .append(TOP + plotH / 2)
                .append(") rotate(-90)\" text-anchor=\"middle\">latency, ms (log scale)</text>\n");

        List<String> impls = fanout.stream()
                .map(RunResult::impl)
                .distinct()
                .sorted(Comparator.comparing((String i) -> isBaseline(i) ? 1 : 0)
                        .thenComparing(i -> i))
                .collect(Collectors.toList());
        String[] percentiles = {"p50", "p90", "p99"};
        String[] dashes = {"2,3", "7,4", ""};
        double[] widths = {1.5, 1.5, 2.5};
        int legendY = TOP + 10;
        for (String impl : impls) {
            String color = color(impl);
            List<RunResult> points = fanout.stream()
                    .filter(r -> r.impl().equals(impl))
                    .sorted(Comparator.comparingInt(RunResult::connections))
                    .collect(Collectors.toList());
            for (int p = 0; p < percentiles.length; p++) {
                final int pi = p;
                Function<RunResult, Double> value =
                        r -> pi == 0 ? r.p50Millis() : pi == 1 ? r.p90Millis() : r.p99Millis();
                String path = points.stream()
                        .map(r -> String.format(
                                Locale.ROOT, "%.1f,%.1f", x.apply(r.connections()), y.apply(value.apply(r))))
                        .collect(Collectors.joining(" "));
                s.append("<polyline fill=\"none\" stroke=\"")
                        .append(color)
                        .append("\" stroke-width=\"")
                        .append(widths[p])
                        .append('"')
                        .append(dashes[p].isEmpty() ? "" : " stroke-dasharray=\"" + dashes[p] + "\"")
                        .append(" points=\"")
                        .append(path)
                        .append("\"/>\n");
                for (RunResult r : points) {
                    s.append(String.format(
                            Locale.ROOT,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s %s, %s streams: %s ms</title></circle>%n",
                            x.apply(r.connections()),
                            y.apply(value.apply(r)),
                            color,
                            escape(impl),
                            percentiles[p],
                            num(r.connections()),
                            millis(value.apply(r))));
                }
                int lx = LEFT + plotW + 14;
                s.append("<line x1=\"")
                        .append(lx)
                        .append("\" y1=\"")
                        .append(legendY)
                        .append("\" x2=\"")
                        .append(lx + 28)
                        .append("\" y2=\"")
                        .append(legendY)
                        .append("\" stroke=\"")
                        .append(color)
                        .append("\" stroke-width=\"")
                        .append(widths[p])
                        .append('"')
                        .append(dashes[p].isEmpty() ? "" : " stroke-dasharray=\"" + dashes[p] + "\"")
                        .append("/>\n");
                s.append("<text x=\"")
                        .append(lx + 34)
                        .append("\" y=\"")
                        .append(legendY + 4)
                        .append("\">")
                        .append(escape(impl))
                        .append(' ')
                        .append(percentiles[p])
                        .append("</text>\n");
                legendY += 18;
            }
            legendY += 8;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String color(String impl) {
        return switch (impl) {
            case "ssekit" -> "#1f5fbf";
            case BASELINE -> "#d2452d";
            default -> "#6b6b6b";
        };
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    // ---- formatting -------------------------------------------------------------------------------

    private static String[] row(String a, String b) {
        return new String[] {a, b};
    }

    static String table(String[] header, List<String[]> rows) {
        StringBuilder s = new StringBuilder();
        s.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.length; i++) {
            boolean text = i == 0 || header[i].equals("Server") || header[i].equals("value");
            s.append(text ? " --- |" : " ---: |");
        }
        s.append('\n');
        for (String[] r : rows) {
            s.append("| ");
            for (int i = 0; i < r.length; i++) {
                s.append(i > 0 ? " | " : "").append(Objects.toString(r[i], "–").replace("|", "\\|"));
            }
            s.append(" |\n");
        }
        return s.toString();
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String num(Double v) {
        return v == null ? "–" : num(v.doubleValue());
    }

    private static String millis(Double ms) {
        return ms == null ? "–" : millis(ms.doubleValue());
    }

    static String millis(double ms) {
        if (ms < 0) {
            return "–";
        }
        return ms >= 100
                ? String.format(Locale.ROOT, "%,.0f", ms)
                : ms >= 10 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%.2f", ms);
    }

    private static String secs(double ms) {
        return ms < 0 ? "–" : String.format(Locale.ROOT, "%.2f", ms / 1000);
    }

    private static String percent(Double p) {
        return p == null ? "–" : String.format(Locale.ROOT, "%.0f%%", p);
    }

    static String bytes(Number n) {
        if (n == null) {
            return "–";
        }
        double b = n.doubleValue();
        double a = Math.abs(b);
        if (a >= 1 << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (1 << 30));
        }
        if (a >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
        }
        if (a >= 1 << 10) {
            return String.format(Locale.ROOT, "%.2f KiB", b / (1 << 10));
        }
        return String.format(Locale.ROOT, "%.0f B", b);
    }

    private static String samples(List<RunResult.HeapSample> samples) {
        if (samples.isEmpty()) {
            return "–";
        }
        return samples.stream()
                        .map(h -> String.format(
                                Locale.ROOT,
                                h.seconds() < 10 ? "%.1fs: %s" : "%.0fs: %s",
                                h.seconds(),
                                h.heapBytes() == null
                                        ? "?"
                                        : String.format(Locale.ROOT, "%.1f", h.heapBytes() / 1048576.0)))
                        .collect(Collectors.joining(", "))
                + " MiB";
    }
}
