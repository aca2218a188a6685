package dev.ssekit.spring.tests;

import dev.ssekit.servlet.SseAuthorizer;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * An application with the starter and no SSEKit code but one authorizer bean, as a user's would be;
 * with Spring Security, which lets anyone in and knows two users by HTTP Basic.
 */
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

    /** Anyone may connect; a request with a known user's credentials is that user. */
    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                .httpBasic(Customizer.withDefaults())
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice")
                        .password("{noop}alice-password")
                        .roles("USER")
                        .build(),
                User.withUsername("bob")
                        .password("{noop}bob-password")
                        .roles("USER")
                        .build());
    }

    /** Data an application publishes; the application's Jackson configuration names its fields. */
    public record Greeting(String text, int wordCount) {}
}
