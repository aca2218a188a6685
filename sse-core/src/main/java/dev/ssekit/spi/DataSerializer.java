package dev.ssekit.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * Turns an application object into the text of an event's {@code data} field.
 *
 * <p>Implementations must be thread-safe: the registry calls them from publishing threads. The
 * result may span several lines; the encoder writes one {@code data:} line for each.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface DataSerializer {

    /**
     * Returns the text for {@code data}.
     *
     * @throws IllegalArgumentException if {@code data} cannot be serialized
     */
    String serialize(Object data);

    /** Returns a serializer that writes JSON with {@code mapper}. */
    static DataSerializer jackson(ObjectMapper mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return data -> {
            try {
                return mapper.writeValueAsString(data);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("data could not be written as JSON: " + e.getOriginalMessage(), e);
            }
        };
    }

    /** Returns a serializer that writes JSON with a default {@link ObjectMapper}. */
    static DataSerializer jackson() {
        return jackson(new ObjectMapper().findAndRegisterModules());
    }
}
