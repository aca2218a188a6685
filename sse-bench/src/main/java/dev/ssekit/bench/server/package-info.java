/**
 * The server side of the benchmarks: an embedded Jetty serving SSEKit or the naive baseline.
 */
package dev.ssekit.bench.server;
