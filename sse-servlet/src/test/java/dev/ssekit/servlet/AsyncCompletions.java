package dev.ssekit.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A filter in front of the servlet that counts, per request (named by its X-Client header), how
 * often the application called {@link AsyncContext#complete()} and how often the container reported
 * the async cycle complete: a stream's resources are released once when each is at most, and the
 * second exactly, one. It sees the application's calls by handing it a wrapped request whose
 * {@code startAsync} returns a counting view of the container's context.
 *
 * <p>Thread-safe.
 */
final class AsyncCompletions implements Filter {

    /** The counts of one request. */
    static final class Counts {
        final AtomicInteger completeCalls = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();

        @Override
        public String toString() {
            return "complete() calls=" + completeCalls + ", onComplete=" + completed + ", onError=" + errors;
        }
    }

    final Map<String, Counts> byClient = new ConcurrentHashMap<>();

    /** Registers this filter in front of every path of {@code context}. */
    void register(ServletContext context) {
        FilterRegistration.Dynamic registration = context.addFilter("async-completions", this);
        registration.setAsyncSupported(true);
        registration.addMappingForUrlPatterns(null, false, "/*");
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        String client = http.getHeader("X-Client");
        if (client == null) {
            chain.doFilter(request, response);
            return;
        }
        Counts counts = byClient.computeIfAbsent(client, c -> new Counts());
        chain.doFilter(
                new HttpServletRequestWrapper(http) {
                    @Override
                    public AsyncContext startAsync(ServletRequest req, ServletResponse res) {
                        AsyncContext context = super.startAsync(req, res);
                        context.addListener(new AsyncListener() {
                            @Override
                            public void onComplete(AsyncEvent event) {
                                counts.completed.incrementAndGet();
                            }

                            @Override
                            public void onTimeout(AsyncEvent event) {}

                            @Override
                            public void onError(AsyncEvent event) {
                                counts.errors.incrementAndGet();
                            }

                            @Override
                            public void onStartAsync(AsyncEvent event) {}
                        });
                        return new CountingContext(context, counts);
                    }
                },
                response);
    }

    /** The container's context, with complete() counted. */
    private record CountingContext(AsyncContext delegate, Counts counts) implements AsyncContext {

        @Override
        public void complete() {
            counts.completeCalls.incrementAndGet();
            delegate.complete();
        }

        @Override
        public ServletRequest getRequest() {
            return delegate.getRequest();
        }

        @Override
        public ServletResponse getResponse() {
            return delegate.getResponse();
        }

        @Override
        public boolean hasOriginalRequestAndResponse() {
            return delegate.hasOriginalRequestAndResponse();
        }

        @Override
        public void dispatch() {
            delegate.dispatch();
        }

        @Override
        public void dispatch(String path) {
            delegate.dispatch(path);
        }

        @Override
        public void dispatch(ServletContext context, String path) {
            delegate.dispatch(context, path);
        }

        @Override
        public void start(Runnable run) {
            delegate.start(run);
        }

        @Override
        public void addListener(AsyncListener listener) {
            delegate.addListener(listener);
        }

        @Override
        public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
            delegate.addListener(listener, request, response);
        }

        @Override
        public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
            return delegate.createListener(clazz);
        }

        @Override
        public void setTimeout(long timeout) {
            delegate.setTimeout(timeout);
        }

        @Override
        public long getTimeout() {
            return delegate.getTimeout();
        }
    }
}
