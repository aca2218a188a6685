package dev.ssekit.spring.tests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.core.env.Environment;

/** HTTP helpers for the tests: one client, URIs on the running server. */
final class Clients {

    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private Clients() {}

    static URI uri(Environment env, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + env.getRequiredProperty("local.server.port") + pathAndQuery);
    }

    static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The container the build chose for this run: {@code tomcat} or {@code jetty}. */
    static String expectedContainer() {
        return System.getProperty("ssekit.test.container", "tomcat");
    }
}
