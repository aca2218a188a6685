package dev.ssekit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportTest {

    private static RunResult result(
            String workload,
            String impl,
            int connections,
            int stalled,
            double p99,
            double deliveriesPerSecond,
            Double heapPerConnection,
            String startedAt) {
        boolean churn = workload.equals("churn");
        return new RunResult(
                workload,
                impl,
                startedAt,
                false,
                connections,
                stalled,
                20,
                32,
                64,
                20,
                churn ? 100 : 0,
                connections + stalled,
                1500,
                3.5,
                0,
                0,
                400,
                400,
                400,
                20,
                0,
                0.2,
                deliveriesPerSecond,
                400L * connections,
                p99 / 4,
                p99 / 2,
                p99,
                p99 * 2,
                null,
                null,
                400L * connections,
                400L * connections,
                0,
                0,
                churn ? 1900L : null,
                churn ? 95.0 : null,
                heapPerConnection == null ? null : 10L << 20,
                heapPerConnection == null ? null : (10L << 20) + (long) (heapPerConnection * connections),
                null,
                null,
                heapPerConnection,
                null,
                stalled > 0
                        ? List.of(
                                new RunResult.HeapSample(0, 20L << 20, 90L << 20),
                                new RunResult.HeapSample(5, 24L << 20, 95L << 20))
                        : List.of(),
                90.0,
                60.0,
                "OpenJDK 64-Bit Server VM 17",
                null,
                null);
    }

    private static List<RunResult> results() {
        return List.of(
                result("fanout", "naive", 1000, 0, 40, 20_000, null, "2026-01-01T10:00:00Z"),
                result("fanout", "ssekit", 1000, 0, 8, 20_000, null, "2026-01-01T10:01:00Z"),
                result("fanout", "naive", 5000, 0, 400, 90_000, null, "2026-01-01T10:02:00Z"),
                result("fanout", "ssekit", 5000, 0, 20, 100_000, null, "2026-01-01T10:03:00Z"),
                // an older run of the same configuration is superseded by the later one
                result("fanout", "ssekit", 5000, 0, 999, 1, null, "2025-12-31T10:03:00Z"),
                result("saturate", "naive", 1000, 0, 30, 90_000, null, "2026-01-01T10:04:00Z"),
                result("saturate", "ssekit", 1000, 0, 10, 300_000, null, "2026-01-01T10:05:00Z"),
                result("idle-memory", "naive", 10000, 0, 0, 0, 6144.0, "2026-01-01T10:06:00Z"),
                result("idle-memory", "ssekit", 10000, 0, 0, 0, 6656.0, "2026-01-01T10:07:00Z"),
                result("slow-consumers", "ssekit", 100, 0, 4, 5000, null, "2026-01-01T10:08:00Z"),
                result("slow-consumers", "ssekit", 100, 5, 5, 5000, null, "2026-01-01T10:09:00Z"),
                result("churn", "ssekit", 500, 0, 6, 10_000, null, "2026-01-01T10:10:00Z"));
    }

    @Test
    void tablesCompareEachFigureWithTheBaselineOfTheSameConfiguration() {
        String md = Report.tables(results(), "chart.svg");

        assertThat(md)
                .contains("#### fanout: fixed publish rate")
                .contains("| 1,000 | ssekit |")
                .contains("| 5,000 | ssekit |")
                .contains("![fanout latency against streams](chart.svg)")
                .contains("measured 2025-12-31, 2026-01-01");
        // p99 ÷ naive at 5,000: 20 / 400
        assertThat(md.lines().filter(l -> l.startsWith("| 5,000 | ssekit |")))
                .singleElement()
                .satisfies(l -> assertThat(l).endsWith("| 0.05 |"));
        // saturate: 300,000 / 90,000 deliveries per second
        assertThat(md).contains("| 1,000 | ssekit | 32 | 300,000 | 3.33 |");
        // idle memory: 6.5 KiB - 6 KiB per stream
        assertThat(md.lines().filter(l -> l.startsWith("| 10,000 | ssekit |")))
                .singleElement()
                .satisfies(l -> assertThat(l).contains("| 6.50 KiB |").endsWith("| 512 B |"));
        // slow consumers: p99 with stalled streams over p99 without: 5 / 4
        assertThat(md.lines().filter(l -> l.startsWith("| 100 | 5 | ssekit |")))
                .singleElement()
                .satisfies(l -> assertThat(l).contains("| 1.25 |").contains("0.0s: 20.0, 5.0s: 24.0 MiB"));
        assertThat(md).contains("| 500 | 100 | ssekit | 95 |");
        assertThat(md).doesNotContain("999");
    }

    @Test
    void resultsOnAnotherContainerStayApartAndAreComparedWithThatContainersBaseline() {
        List<RunResult> all = new ArrayList<>(results());
        // later than the Jetty runs of the same configuration, which must still be shown
        all.add(result("fanout", "naive@tomcat", 5000, 0, 200, 90_000, null, "2026-01-02T10:00:00Z"));
        all.add(result("fanout", "ssekit@tomcat", 5000, 0, 50, 100_000, null, "2026-01-02T10:01:00Z"));

        String md = Report.tables(all, "chart.svg");

        List<String> rows = md.lines().filter(l -> l.startsWith("| 5,000 |")).toList();
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).startsWith("| 5,000 | ssekit |").endsWith("| 0.05 |"); // 20 / 400, Jetty's
        assertThat(rows.get(1)).startsWith("| 5,000 | naive |");
        assertThat(rows.get(2)).startsWith("| 5,000 | ssekit@tomcat |").endsWith("| 0.25 |"); // 50 / 200, Tomcat's
        assertThat(rows.get(3)).startsWith("| 5,000 | naive@tomcat |").endsWith("| – |");
        assertThat(Report.container("ssekit@undertow")).isEqualTo("undertow");
        assertThat(Report.container("ssekit")).isEmpty();
    }

    @Test
    void chartIsWellFormedSvgWithALinePerServerAndPercentile() throws Exception {
        String svg = Report.chart(results());

        Document doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(6);
        assertThat(doc.getElementsByTagName("circle").getLength()).isEqualTo(12);
        assertThat(svg).contains("ssekit p99").contains("naive p50").contains("5,000");
    }

    @Test
    void chartWithoutFanoutResultsSaysSo() throws Exception {
        String svg = Report.chart(List.of());
        DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(svg).contains("no fanout results yet");
    }

    @Test
    void writeReadsTheResultsAndReplacesTheMarkedSectionOfTheDocument(@TempDir Path dir) throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        int i = 0;
        for (RunResult r : results()) {
            LoadGenerator.JSON.writeValue(
                    results.resolve("run-" + i++ + ".json").toFile(), r);
        }
        Path doc = dir.resolve("BENCHMARKS.md");
        Files.writeString(
                doc, "# Benchmarks\n\nbefore\n" + Report.BEGIN + "\nold figures\n" + Report.END + "\nafter\n");

        Report.write(results, results.resolve("report.md"), results.resolve("chart.svg"), doc, "Preliminary.");

        String updated = Files.readString(doc);
        assertThat(updated)
                .startsWith("# Benchmarks\n\nbefore\n" + Report.BEGIN + "\n**Preliminary.**\n\n")
                .endsWith(Report.END + "\nafter\n")
                .doesNotContain("old figures")
                .contains("![fanout latency against streams](results/chart.svg)")
                .contains("#### saturate");
        assertThat(results.resolve("report.md")).content().contains("#### churn");
        assertThat(results.resolve("chart.svg"))
                .content()
                .startsWith("<svg")
                .contains("measured 2026-01-01;") // the chart dates the runs it draws, the latest only
                .contains(">Preliminary</text>");
    }
}
