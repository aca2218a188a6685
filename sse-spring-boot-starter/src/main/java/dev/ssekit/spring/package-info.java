/**
 * Spring Boot auto-configuration for SSEKit: adding {@code sse-spring-boot-starter} to a servlet web
 * application serves the stream at {@code /sse}, configured by the {@code ssekit.*} properties of
 * {@link dev.ssekit.spring.SseKitProperties}.
 */
package dev.ssekit.spring;
