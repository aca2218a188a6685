package dev.ssekit.servlet;

import org.junit.jupiter.api.Nested;

/** The servlet suites on Jetty with cleartext HTTP/2. */
class JettyH2cSseServletTest {

    static ServerFixture server() {
        return new JettyFixture(true);
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
