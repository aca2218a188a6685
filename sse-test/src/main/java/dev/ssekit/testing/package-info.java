/**
 * A test kit for Server-Sent Events: {@link dev.ssekit.testing.SseTestClient} tests any running SSE
 * server as a browser would use it, and {@link dev.ssekit.testing.Await} waits on a condition with a
 * deadline instead of a fixed pause. {@link dev.ssekit.testing.EventStream} is SSEKit's own tests'
 * lighter reader. Both read through {@link dev.ssekit.testing.EventParser}, the WHATWG event-stream
 * interpretation, which also parses a whole stream of bytes for a test of an encoder.
 */
package dev.ssekit.testing;
