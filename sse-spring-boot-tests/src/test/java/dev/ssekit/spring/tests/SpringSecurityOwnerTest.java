package dev.ssekit.spring.tests;

import static dev.ssekit.spring.tests.Owners.as;
import static dev.ssekit.spring.tests.Owners.ownerOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry;
import dev.ssekit.testing.EventStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/** Without an OwnerResolver bean, a connection belongs to Spring Security's user, else to its session. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"ssekit.path=/events", "ssekit.max-connections-per-owner=1"})
class SpringSecurityOwnerTest {

    @Autowired
    SseRegistry registry;

    @Autowired
    Environment env;

    @Test
    void theOwnerIsTheAuthenticatedUserAndTheLimitCountsPerUser() throws Exception {
        try (EventStream alice = EventStream.open(Clients.HTTP, Clients.uri(env, "/events"), as("alice"));
                EventStream bob = EventStream.open(Clients.HTTP, Clients.uri(env, "/events"), as("bob"))) {
            assertThat(ownerOf(registry, alice)).isEqualTo("alice");
            assertThat(ownerOf(registry, bob)).isEqualTo("bob");

            // alice again, from a client with no cookie: the same owner, over its limit of one.
            HttpResponse<String> again = Clients.HTTP.send(
                    HttpRequest.newBuilder(Clients.uri(env, "/events"))
                            .header("Authorization", as("alice").get("Authorization"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).as(again.body()).isEqualTo(429);
        }
    }

    @Test
    void anAnonymousClientIsOwnedByItsOwnerCookieWithoutASession() throws Exception {
        try (EventStream anonymous = EventStream.open(Clients.HTTP, Clients.uri(env, "/events"))) {
            assertThat(ownerOf(registry, anonymous)).matches("client:[A-Za-z0-9_-]{22}");
        }
    }
}
