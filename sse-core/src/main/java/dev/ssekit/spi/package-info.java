/**
 * Seams that adapters and applications implement: transports and data serializers.
 */
package dev.ssekit.spi;
