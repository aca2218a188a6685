package dev.ssekit.servlet;

import org.junit.jupiter.api.Nested;

/** The servlet suites on Undertow 2.3. */
class UndertowSseServletTest {

    static ServerFixture server() {
        return new UndertowFixture();
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
