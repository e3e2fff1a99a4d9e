package dev.sandbox4j.wasm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Writes a session's runs as a Jupyter notebook (nbformat 4.5). */
final class Notebook {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Notebook() {}

    static String write(String pythonVersion, List<Map<String, Object>> runs) {
        ObjectNode nb = JSON.createObjectNode();
        ArrayNode cells = nb.putArray("cells");
        int n = 0;
        for (Map<String, Object> run : runs) {
            n++;
            String code = (String) run.get("code");
            ExecutionResult r = (ExecutionResult) run.get("result");
            CellOutput co = r.cell();
            ObjectNode cell = cells.addObject();
            cell.put("cell_type", "code");
            cell.put("execution_count", co != null && co.executionCount() > 0 ? co.executionCount() : n);
            cell.put("id", "cell-" + n);
            cell.putObject("metadata").put("sandbox4j_status", r.status().wireName());
            lines(cell.putArray("source"), code);
            ArrayNode outputs = cell.putArray("outputs");
            stream(outputs, "stdout", r.stdout());
            stream(outputs, "stderr", co != null && co.error() != null ? "" : r.stderr());
            if (co != null && !co.value().isEmpty()) {
                ObjectNode o = outputs.addObject();
                o.put("output_type", "execute_result");
                o.put("execution_count", co.executionCount());
                ObjectNode data = o.putObject("data");
                co.value().forEach(data::put);
                o.putObject("metadata");
            }
            if (co != null && co.error() != null) {
                ObjectNode o = outputs.addObject();
                o.put("output_type", "error");
                o.put("ename", co.error().name());
                o.put("evalue", co.error().value());
                ArrayNode tb = o.putArray("traceback");
                co.error().traceback().forEach(tb::add);
            }
        }
        ObjectNode meta = nb.putObject("metadata");
        ObjectNode kernel = meta.putObject("kernelspec");
        kernel.put("name", "python3");
        kernel.put("display_name", "Python 3 (Pyodide)");
        kernel.put("language", "python");
        ObjectNode lang = meta.putObject("language_info");
        lang.put("name", "python");
        lang.put("version", pythonVersion);
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

    private static void lines(ArrayNode into, String text) {
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? text.length() : nl + 1;
            into.add(text.substring(from, end));
            from = end;
        }
    }
}
