/**
 * The SSEKit API: events, their encoding, and the registry that delivers them to connections.
 */
package dev.ssekit;
