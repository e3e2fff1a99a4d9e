package dev.sandbox4j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ResultView;
import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The JSON wire format: request bodies (records, snake_case, unknown fields refused) and responses (ordered maps).
 */
final class Wire {
    /** Strict reader/writer: snake_case names, no unknown fields, no float-to-int or string-to-number coercion. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private Wire() {}

    /** {@code POST /v1/execute} and {@code POST /v1/sessions/{id}/execute}. */
    record ExecuteRequest(
            @Nullable String language,
            @Nullable String code,
            @Nullable Long timeoutMs,
            @Nullable Integer memoryMb,
            @Nullable List<String> libraries,
            @Nullable Map<String, String> files,
            @Nullable String stdin,
            @Nullable JsonNode policy,
            @Nullable List<String> args,
            @Nullable Boolean captureArtifacts,
            @Nullable Long cpuTimeLimitMs) {}

    /** {@code POST /v1/sessions}. */
    record CreateSessionRequest(
            @Nullable String language,
            @Nullable Boolean stateful,
            @Nullable Long timeoutMs,
            @Nullable Long idleTimeoutS,
            @Nullable Integer memoryMb,
            @Nullable JsonNode policy) {}

    /** {@code POST /v1/sessions/{id}/install}. */
    record InstallRequest(@Nullable List<String> libraries) {}

    /** {@code POST /v1/sessions/{id}/commands}: one command, or several run in sequence. */
    record CommandsRequest(
            @Nullable List<String> command,
            @Nullable List<List<String>> commands,
            @Nullable Long timeoutMs,
            @Nullable String stdin,
            @Nullable String workdir) {}

    /**
     * Parses a request body.
     *
     * @throws ApiException 400 {@code invalid-json} for malformed JSON, {@code invalid-request} for a valid document of
     *     the wrong shape (naming the field)
     */
    static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new ApiException(400, Problem.INVALID_JSON, "the request body is empty; expected a JSON object");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new ApiException(400, Problem.INVALID_JSON, "expected a JSON object but the body is null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.invalidField(path(e), "unknown field '" + Texts.sanitize(e.getPropertyName(), 60)
                    + "'; expected one of " + e.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(Collectors.joining(", ", "[", "]")));
        } catch (MismatchedInputException e) {
            String field = path(e);
            if (field.isEmpty()) {
                throw new ApiException(400, Problem.INVALID_JSON, "expected a JSON object: "
                        + Texts.sanitize(e.getOriginalMessage(), 200));
            }
            throw ApiException.invalidField(field, "field '" + field + "' must be " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            String field = path(e);
            throw ApiException.invalidField(field, (field.isEmpty() ? "" : "field '" + field + "': ")
                    + Texts.sanitize(e.getOriginalMessage(), 200));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new ApiException(400, Problem.INVALID_JSON, "the request body is not valid JSON" + where + ": "
                    + Texts.sanitize(brief(e.getOriginalMessage()), 200));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String expected(@Nullable Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Long.class || type == Integer.class || type == long.class || type == int.class) {
            return "a whole number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        return "of another type";
    }

    /** Jackson's message without its source-location trailer. */
    private static String brief(@Nullable String message) {
        if (message == null) {
            return "malformed";
        }
        int cut = message.indexOf(" (start marker at");
        if (cut < 0) {
            cut = message.indexOf("\n at [Source");
        }
        return cut < 0 ? message : message.substring(0, cut);
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(Texts.sanitize(r.getFieldName(), 60));
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
    }

    static String writeString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
    }

    /** A run's result as the API answers it: {@link ResultView}, the one view every front door returns. */
    static Map<String, Object> result(ExecutionResult r) {
        return ResultView.of(r);
    }

    static Map<String, Object> problem(ApiException e, String instance) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.type.uri());
        m.put("title", e.type.title);
        m.put("status", e.status);
        m.put("detail", e.getMessage());
        m.put("instance", instance);
        e.extensions.forEach(m::putIfAbsent);
        return m;
    }
}
