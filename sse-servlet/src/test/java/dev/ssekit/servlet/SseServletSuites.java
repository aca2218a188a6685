package dev.ssekit.servlet;

import org.junit.jupiter.api.Nested;

/**
 * Every servlet suite, on the container a subclass names: each suite runs as a nested class, so a
 * container's results stay under its own test class ({@code JettySseServletTest}, ...).
 */
abstract class SseServletSuites {

    /** A new, unstarted server of this class's container. */
    abstract ServerFixture newServer();

    @Nested
    class Stream extends SseStreamSuite {
        @Override
        ServerFixture newServer() {
            return SseServletSuites.this.newServer();
        }
    }

    @Nested
    class Publish extends SsePublishSuite {
        @Override
        ServerFixture newServer() {
            return SseServletSuites.this.newServer();
        }
    }

    @Nested
    class Subscriptions extends SseSubscriptionsSuite {
        @Override
        ServerFixture newServer() {
            return SseServletSuites.this.newServer();
        }
    }

    @Nested
    class Errors extends SseErrorsSuite {
        @Override
        ServerFixture newServer() {
            return SseServletSuites.this.newServer();
        }
    }

    @Nested
    class Lifecycle extends SseLifecycleSuite {
        @Override
        ServerFixture newServer() {
            return SseServletSuites.this.newServer();
        }
    }
}
