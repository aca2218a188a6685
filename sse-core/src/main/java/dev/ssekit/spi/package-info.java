/**
 * What adapters and relays use and implement: transports and the frames they write, how an adapter
 * opens a connection ({@link dev.ssekit.spi.Connections}), event relays and presence shares, data
 * serializers, and the time and scheduling seams ({@link dev.ssekit.spi.Ticker},
 * {@link dev.ssekit.spi.Scheduler}). Applications need none of it to publish.
 */
package dev.ssekit.spi;
