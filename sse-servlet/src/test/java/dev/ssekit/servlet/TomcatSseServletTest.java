package dev.ssekit.servlet;

import org.junit.jupiter.api.Nested;

/** The servlet suites on Tomcat 10.1 (and, from the test jar, on Tomcat 11 in its own module). */
class TomcatSseServletTest {

    static ServerFixture server() {
        return new TomcatFixture();
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
