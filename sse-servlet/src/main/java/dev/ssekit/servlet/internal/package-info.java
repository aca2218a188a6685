/**
 * The servlet adapter's machinery: the non-blocking transport, JSON bodies and limits. Not API:
 * anything here may change in any release.
 */
package dev.ssekit.servlet.internal;
