/**
 * JMH micro-benchmarks of the core: encoding events and fanning one event out to many connections.
 */
package dev.ssekit.bench.jmh;
