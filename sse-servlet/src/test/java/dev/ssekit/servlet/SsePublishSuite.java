package dev.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssekit.SseEvent;
import dev.ssekit.SseRegistry;
import dev.ssekit.servlet.RecordingClient.Event;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Publishing over HTTP ({@code POST} to the servlet's path). */
abstract class SsePublishSuite extends SseServletSuite {

    // ---- publishing over HTTP ------------------------------------------------------------------------

    @Test
    void publishSendsTheBodyAsCompactJsonAndAnswersWithIdAndCount() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient member = connect("?rooms=r");
        RecordingClient other = connect("");

        HttpResponse<String> broadcast =
                post("/sse", "application/json", "{ \"a\" : [1, 2.50, 1e3, {\"b\": \"x\\ny\"}],\n  \"s\": \"é🎉\" }\n");
        HttpResponse<String> toRoom = post("/sse?room=r&event=chat", "application/json; charset=utf-8", "\"hi\"");

        assertThat(broadcast.statusCode()).isEqualTo(200);
        JsonNode answer = json(broadcast);
        assertThat(answer.path("queued").asInt()).isEqualTo(2);
        String compact = "{\"a\":[1,2.50,1e3,{\"b\":\"x\\ny\"}],\"s\":\"é🎉\"}";
        Event received = member.awaitEvent("message");
        assertThat(received.data()).isEqualTo(compact);
        assertThat(received.id()).isEqualTo(answer.path("id").asText());
        assertThat(other.awaitEvent("message").data()).isEqualTo(compact);

        assertThat(toRoom.statusCode()).isEqualTo(200);
        assertThat(json(toRoom).path("queued").asInt()).isEqualTo(1);
        assertThat(member.awaitEvent("chat").data()).isEqualTo("\"hi\"");
    }

    @Test
    void publishToOneConnectionReachesOnlyIt() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient target = connect("");
        RecordingClient bystander = connect("");

        HttpResponse<String> response =
                post("/sse?connectionId=" + id(target) + "&event=dm", "application/json", "{\"x\":1}");
        registry.publish(SseEvent.of("end", "."));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = json(response);
        assertThat(answer.get("id").isNull()).isTrue();
        assertThat(answer.path("queued").asInt()).isEqualTo(1);
        assertThat(target.awaitEvent("dm").data()).isEqualTo("{\"x\":1}");
        target.awaitEvent("end");
        bystander.awaitEvent("end");
    }

    @Test
    void publishingTheRegistrysOwnEventTypesAnswers400() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient member = connect("?rooms=r");

        for (String type : List.of(SseRegistry.CONNECTED_EVENT, SseRegistry.RESET_EVENT)) {
            assertError(post("/sse?event=" + type, "application/json", "{\"connectionId\":\"x\"}"), 400, "type");
            assertError(post("/sse?room=r&event=" + type, "application/json", "{}"), 400, "reserved");
            assertError(
                    post("/sse?connectionId=" + id(member) + "&event=" + type, "application/json", "{}"),
                    400,
                    "reserved");
        }
        registry.publish(SseEvent.of("end", "."));

        member.awaitEvent("end"); // the next event: none of the refused ones reached the stream
    }

    @Test
    void nothingAClientSendsAddsALineToAStream() throws Exception {
        start(SseServlet.builder(registry).authorizer(SseAuthorizer.allowAll()).build());
        RecordingClient stream = connect("");

        String sneaky = "\"line\\n\\nevent: evil\\ndata: injected\\r\\n\"";
        HttpResponse<String> published = post("/sse", "application/json", sneaky);
        HttpResponse<String> badType = post("/sse?event=" + q("a\ndata: x"), "application/json", "1");
        HttpResponse<String> badRoom = get("/sse?rooms=" + q("a\n\ndata: x"));

        assertThat(published.statusCode()).isEqualTo(200);
        Event received = stream.awaitEvent("message");
        assertThat(received.data()).isEqualTo(sneaky);
        assertThat(received.text()).hasLineCount(3); // id, data, blank
        assertError(badType, 400, "event type must not contain control characters");
        assertError(badRoom, 400, "room must not contain control characters");
    }
}
