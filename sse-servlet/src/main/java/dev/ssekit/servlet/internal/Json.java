package dev.ssekit.servlet.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads JSON request bodies within a size limit and writes small JSON answers.
 *
 * <p>Stateless and thread-safe: the Jackson factory and mapper are shared.
 */
public final class Json {

    /** The content type of every JSON answer. */
    public static final String CONTENT_TYPE = "application/json;charset=UTF-8";

    private static final int MAX_MESSAGE_CHARS = 200;

    // Bodies are untrusted: do not canonicalize (intern) their field names.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();
    private static final ObjectMapper MAPPER =
            new ObjectMapper(FACTORY).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    /** Returns the shared mapper, for building answers as trees. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Checks that the request declares a JSON body: {@code application/json} or
     * {@code application/*+json}, with no charset or UTF-8.
     *
     * @throws HttpError 415 otherwise
     */
    public static void requireJsonContentType(HttpServletRequest request) throws HttpError {
        // The raw header: Jetty's getContentType() throws IllegalCharsetNameException for a charset
        // that is not even a well-formed name ("charset=:"), which would escape as a 500.
        String contentType = request.getHeader("Content-Type");
        if (contentType == null) {
            throw new HttpError(415, "Content-Type must be application/json");
        }
        String[] parts = contentType.split(";");
        String media = parts[0].trim().toLowerCase(Locale.ROOT);
        boolean json =
                media.equals("application/json") || (media.startsWith("application/") && media.endsWith("+json"));
        if (!json) {
            throw new HttpError(415, "Content-Type must be application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String param = parts[i].trim();
            int eq = param.indexOf('=');
            if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("charset")) {
                String charset = param.substring(eq + 1).trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("UTF-8")) {
                    throw new HttpError(415, "JSON must be UTF-8");
                }
            }
        }
    }

    /**
     * Reads the request body, failing as soon as it exceeds {@code maxBytes}: the declared
     * {@code Content-Length} is checked first, and the bytes actually read are counted, so a chunked
     * body or a false length cannot get past the limit.
     *
     * @throws HttpError 413 if the body is larger than {@code maxBytes}
     */
    public static byte[] readBody(HttpServletRequest request, int maxBytes) throws IOException, HttpError {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(declared > 0 ? (int) declared : 512);
        byte[] chunk = new byte[Math.min(8192, maxBytes + 1)];
        InputStream in = request.getInputStream();
        long total = 0;
        for (int n; (n = in.read(chunk)) != -1; ) {
            total += n;
            if (total > maxBytes) {
                throw tooLarge(maxBytes);
            }
            body.write(chunk, 0, n);
        }
        return body.toByteArray();
    }

    /**
     * Reads and drops what is left of a refused request's body, up to {@code maxBytes}, so that an
     * HTTP/1.1 connection can carry the next request; when more is left (or the declared length is
     * larger, or reading fails), asks an HTTP/1.x client to close the connection instead, since the
     * container will not keep it after an unread body.
     */
    public static void discardBody(HttpServletRequest request, HttpServletResponse response, int maxBytes) {
        boolean drained = false;
        if (request.getContentLengthLong() <= maxBytes) {
            try {
                InputStream in = request.getInputStream();
                byte[] skip = new byte[8192];
                long total = 0;
                for (int n; total <= maxBytes && (n = in.read(skip)) != -1; ) {
                    total += n;
                }
                drained = total <= maxBytes;
            } catch (IOException | IllegalStateException e) {
                drained = false; // the client is gone, or the body was read as a Reader: give up on it
            }
        }
        if (!drained && request.getProtocol().startsWith("HTTP/1.")) {
            response.setHeader("Connection", "close");
        }
    }

    private static HttpError tooLarge(int maxBytes) {
        return new HttpError(413, "body must be at most " + maxBytes + " bytes");
    }

    /**
     * Returns {@code body}, one JSON value, re-written compactly: the same tokens in the same
     * order, numbers exactly as received, no whitespace between tokens. The result holds no line
     * break, because JSON strings escape theirs.
     *
     * @throws HttpError 400 if the body is not exactly one valid JSON value
     */
    public static String compact(byte[] body) throws HttpError {
        StringWriter text = new StringWriter(body.length);
        try (JsonParser parser = FACTORY.createParser(utf8(body));
                JsonGenerator generator = FACTORY.createGenerator(text)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new HttpError(400, "body must be a JSON value, was empty");
            }
            int depth = 0;
            do {
                if (token.isNumeric()) {
                    // The parser has validated the number; keep its text (1e3 stays 1e3, 2.50 stays 2.50).
                    generator.writeNumber(parser.getText());
                } else {
                    generator.copyCurrentEvent(parser);
                }
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                }
            } while (depth > 0 && (token = parser.nextToken()) != null);
            if (parser.nextToken() != null) {
                throw new HttpError(400, "body must hold exactly one JSON value");
            }
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to a StringWriter does not fail
        }
        return text.toString();
    }

    /**
     * Parses {@code body} as a JSON tree.
     *
     * @throws HttpError 400 if it is not exactly one valid JSON value
     */
    public static JsonNode tree(byte[] body) throws HttpError {
        try {
            JsonNode node = MAPPER.readTree(utf8(body));
            if (node == null || node.isMissingNode()) {
                throw new HttpError(400, "body must be a JSON value, was empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        }
    }

    /**
     * Decodes a body as strict UTF-8. Given bytes, Jackson guesses the encoding (UTF-16 and UTF-32
     * too) and reports a truncated UTF-32 character as a CharConversionException, an I/O error
     * rather than a parse error, which escaped as a 500; the content type has promised UTF-8.
     *
     * @throws HttpError 400 if the body is not valid UTF-8
     */
    private static String utf8(byte[] body) throws HttpError {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(400, "body is not valid UTF-8");
        }
    }

    private static HttpError malformed(JsonProcessingException e) {
        return new HttpError(400, "body is not valid JSON: " + shorten(e.getOriginalMessage()));
    }

    /** Bounds a message that may quote the client's input. */
    public static String shorten(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS) + "...";
    }

    /** Writes {@code node} as the whole answer, with {@code status}. */
    public static void write(HttpServletResponse response, int status, JsonNode node) throws IOException {
        byte[] bytes = MAPPER.writeValueAsBytes(node);
        response.setStatus(status);
        response.setContentType(CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** Writes {@code {"error":"<message>"}} as the whole answer, with the error's status. */
    public static void writeError(HttpServletResponse response, HttpError error) throws IOException {
        if (error.retryAfter() != null) {
            response.setHeader("Retry-After", error.retryAfter());
        }
        write(response, error.status(), MAPPER.createObjectNode().put("error", shorten(error.getMessage())));
    }
}
