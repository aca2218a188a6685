/**
 * Implementation details of SSEKit; not API, and may change in any release.
 */
package dev.ssekit.internal;
