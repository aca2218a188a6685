package dev.ssekit.spring.tests;

import static dev.ssekit.spring.tests.Owners.as;
import static dev.ssekit.spring.tests.Owners.ownerOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.OwnerResolver;
import dev.ssekit.testing.EventStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** The application's own OwnerResolver bean decides the owner, even for a user Spring Security knows. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        classes = {TestApplication.class, OwnerResolverBeanTest.TeamOwners.class},
        properties = "ssekit.path=/events")
class OwnerResolverBeanTest {

    @Autowired
    SseRegistry registry;

    @Autowired
    Environment env;

    @Test
    void theApplicationsResolverReplacesTheDefault() throws Exception {
        Map<String, String> headers = new HashMap<>(as("alice"));
        headers.put("X-Team", "red");
        try (EventStream stream = EventStream.open(Clients.HTTP, Clients.uri(env, "/events"), headers)) {
            assertThat(ownerOf(registry, stream)).isEqualTo("team:red");
        }
    }

    /**
     * The application's resolver: connections belong to the team a header names. Not a
     * {@code @Configuration}, so that the other tests' component scan leaves it out.
     */
    static class TeamOwners {

        @Bean
        OwnerResolver teamOwners() {
            return request -> {
                String team = request.getHeader("X-Team");
                return team == null ? null : "team:" + team;
            };
        }
    }
}
