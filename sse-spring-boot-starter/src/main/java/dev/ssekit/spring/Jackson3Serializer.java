package dev.ssekit.spring;

import dev.ssekit.spi.DataSerializer;
import org.springframework.beans.factory.ListableBeanFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Serializes event data with the application's Jackson 3 {@link JsonMapper}; loaded only when Jackson 3 is present. */
final class Jackson3Serializer {

    private Jackson3Serializer() {}

    /** Returns a serializer over the context's one {@link JsonMapper}, or {@code null} if it has none or several. */
    static DataSerializer fromContext(ListableBeanFactory beans) {
        JsonMapper mapper = beans.getBeanProvider(JsonMapper.class).getIfUnique();
        return mapper == null ? null : of(mapper);
    }

    static DataSerializer of(JsonMapper mapper) {
        return data -> {
            try {
                return mapper.writeValueAsString(data);
            } catch (JacksonException e) {
                throw new IllegalArgumentException("data could not be written as JSON: " + e.getOriginalMessage(), e);
            }
        };
    }
}
