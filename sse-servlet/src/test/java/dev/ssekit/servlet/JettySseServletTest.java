package dev.ssekit.servlet;

import org.junit.jupiter.api.Nested;

/** The servlet suites on Jetty 12 (ee10), HTTP/1.1. */
class JettySseServletTest {

    static ServerFixture server() {
        return new JettyFixture(false);
    }

    @Nested
    class Stream extends SseStreamSuite {
        @Override
        ServerFixture newServer() {
            return server();
        }
    }

    @Nested
    class Publish extends SsePublishSuite {
        @Override
        ServerFixture newServer() {
            return server();
        }
    }

    @Nested
    class Subscriptions extends SseSubscriptionsSuite {
        @Override
        ServerFixture newServer() {
            return server();
        }
    }

    @Nested
    class Errors extends SseErrorsSuite {
        @Override
        ServerFixture newServer() {
            return server();
        }
    }

    @Nested
    class Lifecycle extends SseLifecycleSuite {
        @Override
        ServerFixture newServer() {
            return server();
        }
    }
}
