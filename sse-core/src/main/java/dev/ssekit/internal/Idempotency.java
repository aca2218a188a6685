package dev.ssekit.internal;

import dev.ssekit.PublishResult;
import dev.ssekit.spi.Ticker;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Publishes an event with an idempotency key once per window, on one server without a relay: a
 * repeat within the window answers what the first publish answered, and delivers nothing.
 *
 * <p>Thread-safe. Keys are kept in the order they were first seen, which is also the order they
 * expire in; beyond {@code maxKeys} the oldest is forgotten early.
 */
public final class Idempotency {

    private final long windowMillis;
    private final int maxKeys;
    private final Ticker ticker;
    // Guarded by itself.
    private final LinkedHashMap<String, Entry> keys = new LinkedHashMap<>();

    private record Entry(long expiresAt, CompletableFuture<PublishResult> result) {}

    public Idempotency(long windowMillis, int maxKeys, Ticker ticker) {
        this.windowMillis = windowMillis;
        this.maxKeys = maxKeys;
        this.ticker = ticker;
    }

    /**
     * Runs {@code publish} unless {@code key} was published within the window, and returns its
     * result, or the first publish's. A concurrent repeat waits for the first; a publish that threw
     * leaves the key free for the next attempt.
     */
    public PublishResult once(String key, Supplier<PublishResult> publish) {
        CompletableFuture<PublishResult> mine = new CompletableFuture<>();
        CompletableFuture<PublishResult> first;
        synchronized (keys) {
            long now = ticker.read() / 1_000_000; // monotonic: the window is an interval
            expire(now);
            Entry known = keys.get(key);
            if (known == null) {
                keys.put(key, new Entry(now + windowMillis, mine));
                if (keys.size() > maxKeys) {
                    Iterator<Map.Entry<String, Entry>> oldest = keys.entrySet().iterator();
                    oldest.next();
                    oldest.remove();
                }
                first = null;
            } else {
                first = known.result();
            }
        }
        if (first != null) {
            return awaitFirst(key, first, publish);
        }
        try {
            PublishResult result = publish.get();
            mine.complete(result);
            return result;
        } catch (RuntimeException | Error e) {
            synchronized (keys) {
                Entry e2 = keys.get(key);
                if (e2 != null && e2.result() == mine) {
                    keys.remove(key);
                }
            }
            mine.completeExceptionally(e);
            throw e;
        }
    }

    private PublishResult awaitFirst(
            String key, CompletableFuture<PublishResult> first, Supplier<PublishResult> publish) {
        try {
            return first.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the first publish of this key ran", e);
        } catch (ExecutionException e) {
            return once(key, publish); // the first failed and delivered nothing: this one tries
        }
    }

    private void expire(long now) {
        Iterator<Entry> it = keys.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.expiresAt() > now) {
                return;
            }
            it.remove();
        }
    }
}
