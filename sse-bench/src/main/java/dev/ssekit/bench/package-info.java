/**
 * The load generator, its workloads and the report they write; benchmarks are not API.
 */
package dev.ssekit.bench;
