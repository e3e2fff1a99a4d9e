package dev.sandbox4j.core.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandbox4j.Artifact;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a session's runs as a Jupyter notebook (nbformat 4.5): one code cell per run with its streams, rich values,
 * error and plots. Shared by the core's sessions and other backends' sessions (the WebAssembly one).
 */
public final class Notebooks {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One run: its code and result. */
    public record Cell(String code, ExecutionResult result) {}

    private Notebooks() {}

    /**
     * A notebook of a box's session: kernelspec and language_info for the language, and the session id and image
     * under {@code metadata.sandbox4j}.
     */
    public static String write(String language, String image, String sessionId, List<Cell> cells) {
        return write(cells, meta -> {
            ObjectNode spec = meta.putObject("kernelspec");
            ObjectNode info = meta.putObject("language_info");
            switch (language) {
                case "python" -> {
                    spec.put("name", "python3").put("display_name", "Python 3").put("language", "python");
                    info.put("name", "python").put("file_extension", ".py").put("mimetype", "text/x-python");
                }
                case "javascript" -> {
                    spec.put("name", "javascript")
                            .put("display_name", "JavaScript (Node.js)")
                            .put("language", "javascript");
                    info.put("name", "javascript").put("file_extension", ".js");
                }
                case "r" -> {
                    spec.put("name", "ir").put("display_name", "R").put("language", "R");
                    info.put("name", "R").put("file_extension", ".r");
                }
                default -> {
                    spec.put("name", language).put("display_name", language).put("language", language);
                    info.put("name", language);
                }
            }
            meta.putObject("sandbox4j").put("session", sessionId).put("image", image);
        });
    }

    /**
     * A notebook of {@code cells}; {@code metadata} fills the notebook's top-level metadata object (kernelspec,
     * language_info and whatever else the caller records).
     */
    public static String write(List<Cell> cells, Consumer<ObjectNode> metadata) {
        ObjectNode nb = JSON.createObjectNode();
        ArrayNode out = nb.putArray("cells");
        int n = 0;
        for (Cell c : cells) {
            n++;
            ObjectNode cell = out.addObject();
            cell.put("cell_type", "code");
            CellOutput co = c.result().cell();
            int count = co != null && co.executionCount() > 0 ? co.executionCount() : n;
            cell.put("execution_count", count);
            cell.put("id", "cell-" + n);
            cell.putObject("metadata").put("sandbox4j_status", c.result().status().wireName());
            lines(cell.putArray("source"), c.code());
            ArrayNode outputs = cell.putArray("outputs");
            stream(outputs, "stdout", c.result().stdout());
            stream(outputs, "stderr", co != null && co.error() != null ? "" : c.result().stderr());
            if (co != null) {
                for (Map<String, String> d : co.displays()) {
                    ObjectNode o = outputs.addObject();
                    o.put("output_type", "display_data");
                    data(o.putObject("data"), d);
                    o.putObject("metadata");
                }
                if (!co.value().isEmpty()) {
                    ObjectNode o = outputs.addObject();
                    o.put("output_type", "execute_result");
                    o.put("execution_count", count);
                    data(o.putObject("data"), co.value());
                    o.putObject("metadata");
                }
                if (co.error() != null) {
                    ObjectNode o = outputs.addObject();
                    o.put("output_type", "error");
                    o.put("ename", co.error().name());
                    o.put("evalue", co.error().value());
                    ArrayNode tb = o.putArray("traceback");
                    co.error().traceback().forEach(tb::add);
                }
            } else {
                for (Artifact a : c.result().artifacts()) {
                    if (a.isImage() && !a.mimeType().equals("image/svg+xml")) {
                        ObjectNode o = outputs.addObject();
                        o.put("output_type", "display_data");
                        o.putObject("data").put(a.mimeType(), a.base64()).put("text/plain", a.name());
                        o.putObject("metadata");
                    }
                }
            }
        }
        metadata.accept(nb.putObject("metadata"));
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 5);
        try {
            return JSON.writeValueAsString(nb);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stream(ArrayNode outputs, String name, String text) {
        if (text.isEmpty()) {
            return;
        }
        ObjectNode o = outputs.addObject();
        o.put("output_type", "stream");
        o.put("name", name);
        lines(o.putArray("text"), text);
    }

    private static void data(ObjectNode target, Map<String, String> bundle) {
        bundle.forEach((mime, value) -> {
            if (mime.startsWith("text/") || mime.equals("image/svg+xml")) {
                lines(target.putArray(mime), value);
            } else if (mime.equals("application/json")) {
                try {
                    target.set(mime, JSON.readTree(value));
                } catch (JsonProcessingException e) {
                    target.put("text/plain", value);
                }
            } else {
                target.put(mime, value);
            }
        });
    }

    /** Jupyter's multi-line strings: a list of lines, each but the last ending with a newline. */
    private static void lines(ArrayNode target, String text) {
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            target.add(text.substring(start, end));
            start = end;
        }
    }
}
