/**
 * The Jakarta Servlet 6 adapter: {@link dev.ssekit.servlet.SseServlet} streams a
 * {@link dev.ssekit.SseRegistry}'s events to browsers and hosts the small JSON control endpoints.
 */
package dev.ssekit.servlet;
