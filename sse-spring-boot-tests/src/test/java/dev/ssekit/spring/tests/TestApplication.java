package dev.ssekit.spring.tests;

import dev.ssekit.servlet.SseAuthorizer;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** An application with the starter and no SSEKit code but one authorizer bean, as a user's would be. */
@SpringBootApplication
public class TestApplication {

    /** The application's own authorizer, which the starter must use instead of its default. */
    @Bean
    SseAuthorizer adminRoomsAreClosed() {
        return new SseAuthorizer() {
            @Override
            public boolean join(HttpServletRequest request, String owner, String room) {
                return !room.startsWith("admin.");
            }
        };
    }

    /** Data an application publishes; the application's Jackson configuration names its fields. */
    public record Greeting(String text, int wordCount) {}
}
