/**
 * Fixtures shared by the tests of every SSEKit module; not published, not API.
 */
package dev.ssekit.testing;
