package dev.ssekit.bench;

import java.util.List;

/**
 * What one run of a workload measured, as written to its JSON file and read back by the report.
 * Immutable. Times are in milliseconds, sizes in bytes; a figure that was not measured (no pid, or
 * not part of the workload) is {@code null}.
 *
 * @param workload the workload's command name
 * @param impl the server implementation, such as {@code naive} or {@code ssekit}
 * @param startedAt when the run started, ISO-8601
 * @param smoke whether the run used the small test sizes
 * @param connections steady streams asked for
 * @param stalled streams that stopped reading
 * @param rate target publish rate, events per second; 0 for as fast as possible
 * @param window end-to-end window when publishing as fast as possible
 * @param eventBytes size of each event's JSON data
 * @param durationSeconds measured publishing time
 * @param churnRate short-lived streams opened per second
 * @param connected initial streams (steady and stalled) that received their {@code connected} event
 * @param openMillis from the first connect to the last initial {@code connected} event
 * @param connectP99Millis 99th percentile of connect-to-{@code connected} time, every stream included
 * @param connectFailures streams that failed before their {@code connected} event
 * @param streamsEndedByServer streams the server ended before the client left
 * @param eventsPublished events acknowledged by the server during the whole run
 * @param eventsInWindow events sent during the measured time
 * @param eventsTarget events the rate asked for during the measured time; 0 with no fixed rate
 * @param publishedPerSecond events sent per second of measured time
 * @param publishErrors publishes that failed or were refused
 * @param maxPublishLagMillis the longest a publish waited past its scheduled time for a free connection
 * @param deliveriesPerSecond measured deliveries per second, from the start of measuring to the last one
 * @param latencyCount measured deliveries
 * @param p50Millis median publish-to-delivery latency
 * @param p90Millis 90th percentile latency
 * @param p99Millis 99th percentile latency
 * @param maxMillis highest latency
 * @param publishP50Millis median time from writing a measured publish request to reading its
 *     answer, or {@code null} if none was answered (and in results written before it was measured)
 * @param publishP99Millis 99th percentile of that time
 * @param expected deliveries owed to the streams
 * @param received distinct deliveries received (owed or not)
 * @param lost owed deliveries that did not arrive
 * @param duplicated deliveries received more than once on the same stream
 * @param churnCycles short-lived streams that connected, received what they were owed and left
 * @param churnCyclesPerSecond churn cycles per second of churning
 * @param serverHeapBeforeBytes the server's heap after a full GC, before the streams opened
 * @param serverHeapAfterBytes the server's heap after a full GC, with every stream still open
 * @param serverRssBeforeBytes the server's resident set before the streams opened
 * @param serverRssAfterBytes the server's resident set with every stream open
 * @param heapPerConnectionBytes heap growth divided by the streams open
 * @param rssPerConnectionBytes resident set growth divided by the streams open
 * @param heapSamples the server's heap after a full GC, sampled while publishing
 * @param serverCpuPercent the server's CPU use while publishing, 100 being one core
 * @param loadgenCpuPercent the load generator's CPU use while publishing, 100 being one core
 * @param java the load generator's Java runtime
 * @param firstError the first error seen, or {@code null}
 * @param storm what a reconnect storm measured, or {@code null} for the other workloads (and in
 *     results written before it existed)
 */
public record RunResult(
        String workload,
        String impl,
        String startedAt,
        boolean smoke,
        int connections,
        int stalled,
        double rate,
        int window,
        int eventBytes,
        double durationSeconds,
        double churnRate,
        int connected,
        double openMillis,
        double connectP99Millis,
        int connectFailures,
        int streamsEndedByServer,
        long eventsPublished,
        long eventsInWindow,
        long eventsTarget,
        double publishedPerSecond,
        long publishErrors,
        double maxPublishLagMillis,
        double deliveriesPerSecond,
        long latencyCount,
        double p50Millis,
        double p90Millis,
        double p99Millis,
        double maxMillis,
        Double publishP50Millis,
        Double publishP99Millis,
        long expected,
        long received,
        long lost,
        long duplicated,
        Long churnCycles,
        Double churnCyclesPerSecond,
        Long serverHeapBeforeBytes,
        Long serverHeapAfterBytes,
        Long serverRssBeforeBytes,
        Long serverRssAfterBytes,
        Double heapPerConnectionBytes,
        Double rssPerConnectionBytes,
        List<HeapSample> heapSamples,
        Double serverCpuPercent,
        double loadgenCpuPercent,
        String java,
        String firstError,
        Storm storm) {

    /** Copies the list of samples. */
    public RunResult {
        heapSamples = heapSamples == null ? List.of() : List.copyOf(heapSamples);
    }

    /**
     * What a reconnect storm measured. Immutable. Times are from writing a stream's request; a
     * percentile of nothing is {@code null}.
     *
     * @param history events published first, so that the server's history was full
     * @param clients streams opened to read up to their stop events
     * @param recorded those that read their stop event and kept its id
     * @param reconnected streams reconnected in the storm with that id as {@code Last-Event-ID}
     * @param served reconnected streams that received their first replayed event
     * @param caughtUp reconnected streams that received every event published before they asked
     * @param resets {@code reset} events received: ids the server did not know or had forgotten
     * @param outOfOrder events received after a later one on the same stream
     * @param recordSeconds the first phase: opening the streams, publishing the history and every
     *     stream reading up to its stop event
     * @param spreadMillis from the first reconnection request written to the last
     * @param stormMillis from the storm's start until every stream caught up or ended; -1 if it
     *     did not end in time
     * @param firstReplayP50Millis median time to the first replayed event
     * @param firstReplayP99Millis 99th percentile of that time
     * @param firstReplayMaxMillis longest such time
     * @param caughtUpP50Millis median time to the last event published before the request
     * @param caughtUpP99Millis 99th percentile of that time
     * @param caughtUpMaxMillis longest such time
     * @param publishesBefore publishes answered before the storm, at the same rate
     * @param publishBeforeP50Millis their median answer time
     * @param publishBeforeP99Millis their 99th percentile answer time
     * @param publishesDuring publishes answered during the storm
     * @param publishDuringP50Millis their median answer time
     * @param publishDuringP99Millis their 99th percentile answer time
     * @param publishDuringMaxMillis their longest answer time
     */
    public record Storm(
            int history,
            int clients,
            int recorded,
            int reconnected,
            int served,
            int caughtUp,
            long resets,
            long outOfOrder,
            double recordSeconds,
            double spreadMillis,
            double stormMillis,
            Double firstReplayP50Millis,
            Double firstReplayP99Millis,
            Double firstReplayMaxMillis,
            Double caughtUpP50Millis,
            Double caughtUpP99Millis,
            Double caughtUpMaxMillis,
            long publishesBefore,
            Double publishBeforeP50Millis,
            Double publishBeforeP99Millis,
            long publishesDuring,
            Double publishDuringP50Millis,
            Double publishDuringP99Millis,
            Double publishDuringMaxMillis) {}

    /**
     * One sample of the server's memory while publishing. Immutable.
     *
     * @param seconds time since publishing started
     * @param heapBytes heap in use after a full GC
     * @param rssBytes resident set size
     * @param threads the server's live threads, or {@code null} if not sampled
     */
    public record HeapSample(double seconds, Long heapBytes, Long rssBytes, Integer threads) {

        /** A sample without a thread count. */
        public HeapSample(double seconds, Long heapBytes, Long rssBytes) {
            this(seconds, heapBytes, rssBytes, null);
        }
    }
}
