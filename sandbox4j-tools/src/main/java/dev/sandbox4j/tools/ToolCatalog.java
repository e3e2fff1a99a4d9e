package dev.sandbox4j.tools;

import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.text.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The descriptions and JSON schemas of the tools (one place; adapters read them through {@link SandboxTools#specs()}),
 * and {@code list_languages}.
 */
final class ToolCatalog {
    private ToolCatalog() {}

    static List<ToolSpec> specs(List<String> languages, long maxTimeoutSeconds, long maxFileBytes) {
        String langEnum = languages.isEmpty() ? "" : ", \"enum\": " + Json.write(languages);
        String language = "\"language\": {\"type\": \"string\"" + langEnum
                + ", \"description\": \"Programming language, one of " + String.join(", ", languages) + "\"}";
        String sessionId = "\"session_id\": {\"type\": \"string\", \"description\": \"Id of a session from "
                + "create_session\"}";
        String statuses = Json.write(Arrays.stream(ExecutionStatus.values()).map(ExecutionStatus::wireName).toList());
        List<ToolSpec> specs = new ArrayList<>();
        specs.add(new ToolSpec(SandboxTools.EXECUTE_CODE, "Execute code",
                "Runs a program in an isolated sandbox (no network, limited CPU, memory and time) and returns its "
                        + "status, exit code, stdout and stderr. Without session_id the program runs in a fresh "
                        + "sandbox that is thrown away afterwards; with session_id it runs in that session, where "
                        + "files (and, in a stateful session, variables) survive between calls. Plots (matplotlib, "
                        + "R) and images saved to the 'output' directory come back as images. A failing program is "
                        + "a normal result: read its status and stderr.",
                object("""
                        %s,
                        "code": {"type": "string", "description": "Source code of the program"},
                        "libraries": {"type": "array", "items": {"type": "string"}, "description": "Packages to \
                        install before the run (pip, npm, Maven coordinates, Go modules, R packages)"},
                        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": %d, "description": \
                        "Time limit of the run in seconds"},
                        "cpu_time_limit": {"type": "number", "exclusiveMinimum": 0, "maximum": %d, "description": \
                        "CPU time (user + system) the program's processes may use together, in seconds; past it \
                        the run is killed and ends timed_out with a kill reason citing the CPU time used. Unlike \
                        timeout it does not count time spent waiting on a busy machine. Default: none"},
                        %s""".formatted(language, maxTimeoutSeconds, maxTimeoutSeconds, sessionId), "\"code\""),
                object("\"language\": {\"type\": \"string\"}, \"session_id\": {\"type\": [\"string\", \"null\"]}, "
                        + resultProperties(statuses),
                        "\"status\", \"exit_code\", \"duration_ms\", \"stdout\", \"stderr\""),
                false, false, false));
        specs.add(new ToolSpec(SandboxTools.CREATE_SESSION, "Create session",
                "Starts a sandbox session for one language and returns its session_id. Pass the id to "
                        + "execute_code, write_file, read_file, list_files and install_packages; files and installed "
                        + "packages persist in the session, and in a stateful session (the default where the "
                        + "language supports it, e.g. Python) variables persist too. Idle sessions expire; close "
                        + "sessions you no longer need with close_session.",
                object("""
                        %s,
                        "stateful": {"type": "boolean", "description": "Keep variables between runs (a kernel). \
                        Default: true where the language supports it"},
                        "session_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", \
                        "description": "Optional id to give the session; generated when absent"}"""
                        .formatted(language), "\"language\""),
                object(SESSION_PROPERTIES, "\"session_id\", \"language\", \"stateful\""),
                false, false, false));
        specs.add(new ToolSpec(SandboxTools.CLOSE_SESSION, "Close session",
                "Closes a session and deletes its sandbox with all its files.",
                object(sessionId, "\"session_id\""),
                object("\"session_id\": {\"type\": \"string\"}, \"closed\": {\"type\": \"boolean\"}",
                        "\"session_id\", \"closed\""),
                false, true, true));
        specs.add(new ToolSpec(SandboxTools.LIST_SESSIONS, "List sessions",
                "Lists the open sessions of this conversation with their language and when they expire.",
                object("", ""),
                object("\"sessions\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {"
                        + SESSION_PROPERTIES + "}}}, \"max_sessions\": {\"type\": \"integer\"}", "\"sessions\""),
                true, false, true));
        specs.add(new ToolSpec(SandboxTools.WRITE_FILE, "Write file",
                "Writes a file into a session's sandbox (relative paths are under the work directory; parent "
                        + "directories are created). At most " + maxFileBytes + " bytes.",
                object("""
                        %s,
                        "path": {"type": "string", "description": "File path, e.g. data/input.csv"},
                        "content": {"type": "string", "description": "File content: text, or Base64 with \
                        encoding=base64"},
                        "encoding": {"type": "string", "enum": ["text", "base64"], "default": "text"}"""
                        .formatted(sessionId), "\"session_id\", \"path\", \"content\""),
                object("\"session_id\": {\"type\": \"string\"}, \"path\": {\"type\": \"string\"}, "
                        + "\"size\": {\"type\": \"integer\"}", "\"session_id\", \"path\", \"size\""),
                false, false, true));
        specs.add(new ToolSpec(SandboxTools.READ_FILE, "Read file",
                "Reads a file from a session's sandbox, e.g. a result the program wrote. Text comes back as text, "
                        + "binary content as Base64, images also as an image. At most " + maxFileBytes + " bytes.",
                object("""
                        %s,
                        "path": {"type": "string", "description": "File path, e.g. output/result.csv"},
                        "encoding": {"type": "string", "enum": ["auto", "text", "base64"], "default": "auto", \
                        "description": "auto: text when the file is UTF-8 text, Base64 otherwise"}"""
                        .formatted(sessionId), "\"session_id\", \"path\""),
                object("""
                        "session_id": {"type": "string"},
                        "path": {"type": "string"},
                        "size": {"type": "integer"},
                        "mime_type": {"type": "string"},
                        "encoding": {"type": "string", "enum": ["text", "base64"]},
                        "content": {"type": "string"}""", "\"session_id\", \"path\", \"size\", \"encoding\", \"content\""),
                true, false, true));
        specs.add(new ToolSpec(SandboxTools.LIST_FILES, "List files",
                "Lists the entries of a directory in a session's sandbox (not recursive).",
                object("""
                        %s,
                        "path": {"type": "string", "default": ".", "description": "Directory, default: the work \
                        directory"}""".formatted(sessionId), "\"session_id\""),
                object("""
                        "session_id": {"type": "string"},
                        "path": {"type": "string"},
                        "entries": {"type": "array", "items": {"type": "object", "properties": {
                          "name": {"type": "string"}, "path": {"type": "string"},
                          "type": {"type": "string", "enum": ["file", "directory", "symlink", "other"]},
                          "size": {"type": "integer"}}}},
                        "truncated": {"type": "boolean"}""", "\"session_id\", \"path\", \"entries\""),
                true, false, true));
        specs.add(new ToolSpec(SandboxTools.INSTALL_PACKAGES, "Install packages",
                "Installs packages into a session with the language's package manager (pip, npm, Maven, Go "
                        + "modules, R); later runs in the session can use them. The sandbox is online only while "
                        + "installing.",
                object("""
                        %s,
                        "packages": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": \
                        "Package specifications, e.g. [\\"requests==2.32.3\\"]"}""".formatted(sessionId),
                        "\"session_id\", \"packages\""),
                object("""
                        "session_id": {"type": "string"},
                        %s,
                        "installed": {"type": "array", "items": {"type": "string"}}""".formatted(
                        resultProperties(statuses)),
                        "\"session_id\", \"status\", \"installed\""),
                false, false, true));
        specs.add(new ToolSpec(SandboxTools.LIST_LANGUAGES, "List languages",
                "Lists the languages the sandbox can run and whether each one's image is available.",
                object("", ""),
                object("\"languages\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {"
                        + "\"language\": {\"type\": \"string\"}, \"image\": {\"type\": \"string\"}, "
                        + "\"available\": {\"type\": \"boolean\"}}}}", "\"languages\""),
                true, false, true));
        return List.copyOf(specs);
    }

    /** The fields of {@link dev.sandbox4j.ResultView} (output cut for the model, no binary content). */
    private static String resultProperties(String statuses) {
        return """
                "status": {"type": "string", "enum": %s},
                "exit_code": {"type": "integer"},
                "stdout": {"type": "string"},
                "stderr": {"type": "string"},
                "duration_ms": {"type": "integer"},
                "timed_out": {"type": "boolean"},
                "kill_reason": {"type": ["string", "null"]},
                "stdout_truncated": {"type": "boolean"},
                "stderr_truncated": {"type": "boolean"},
                "resource_usage": {"type": ["object", "null"], "properties": {
                  "cpu_user_ms": {"type": "integer"}, "cpu_system_ms": {"type": "integer"},
                  "peak_memory_bytes": {"type": ["integer", "null"]}}},
                "phases_ms": {"type": "object", "additionalProperties": {"type": "number"}},
                "violations": {"type": "array", "items": {"type": "object", "properties": {
                  "rule": {"type": "string"}, "severity": {"type": "string"}, "line": {"type": "integer"},
                  "column": {"type": "integer"}, "description": {"type": "string"}, "snippet": {"type": "string"}}}},
                "artifacts": {"type": "array", "items": {"type": "object", "properties": {
                  "name": {"type": "string"}, "mime_type": {"type": "string"}, "size": {"type": "integer"},
                  "content_base64": {"type": ["string", "null"]}}}},
                "redactions": {"type": "array", "items": {"type": "object", "properties": {
                  "kind": {"type": "string"}, "count": {"type": "integer"}}}},
                "cell": {"type": "object", "properties": {
                  "execution_count": {"type": "integer"},
                  "value": {"type": "object", "additionalProperties": {"type": "string"}},
                  "displays": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "string"}}},
                  "error": {"type": ["object", "null"], "properties": {"name": {"type": "string"},
                    "value": {"type": "string"}, "traceback": {"type": "array", "items": {"type": "string"}}}},
                  "kernel_restarted": {"type": "boolean"}}}""".formatted(statuses).strip();
    }

    private static final String SESSION_PROPERTIES = """
            "session_id": {"type": "string"},
            "language": {"type": "string"},
            "stateful": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "last_used_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"}""";

    private static String object(String properties, String required) {
        String props = Arrays.stream(properties.split("\n")).map(String::strip).collect(Collectors.joining(" "));
        return "{\"type\": \"object\", \"properties\": {" + props + "}"
                + (required.isEmpty() ? "" : ", \"required\": [" + required + "]") + "}";
    }

    /** {@code list_languages}: each language of the client, its image and whether that image is there. */
    static ToolResult languages(SandboxClient client) {
        List<Map<String, Object>> list = new ArrayList<>();
        StringBuilder text = new StringBuilder("Languages:");
        for (String lang : List.copyOf(client.languages())) {
            Map<String, Object> m = new LinkedHashMap<>();
            boolean available = client.imageAvailable(lang);
            m.put("language", lang);
            m.put("image", client.imageFor(lang));
            m.put("available", available);
            list.add(m);
            text.append("\n- ").append(lang).append(available ? "" : " (image missing: not usable)");
        }
        return ToolResult.ok(text.toString(), Map.of("languages", list));
    }
}
