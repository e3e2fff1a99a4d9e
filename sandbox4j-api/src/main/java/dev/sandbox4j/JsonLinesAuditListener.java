package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Json;
import dev.sandbox4j.policy.Violation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each event as one JSON object per line (snake_case fields, an {@code "event"} discriminator). Never writes
 * code, stdin or output. Thread-safe. A {@code run_finished} line names and writes {@code status}, {@code exit_code},
 * {@code duration_ms} and {@code kill_reason} as the {@link ResultView} of the run's result does.
 *
 * <pre>{@code
 * {"event":"policy_decision","time":"2026-11-23T10:00:00Z","session_id":"3f2a...","principal":"alice",
 *  "language":"python","code_sha256":"9b71...","code_length":42,"policy":"production","allowed":false,
 *  "threshold":"medium","violations":[{"rule":"module:python:subprocess","severity":"high","line":1,"column":1,...}]}
 * }</pre>
 *
 * @since 0.1
 */
public final class JsonLinesAuditListener extends SandboxEventListener {
    private static final Logger AUDIT = LoggerFactory.getLogger("dev.sandbox4j.audit");

    private final Consumer<String> sink;

    private JsonLinesAuditListener(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Lines go to the SLF4J logger {@code dev.sandbox4j.audit} at INFO (the client's default listener). */
    public static JsonLinesAuditListener toLogger() {
        return new JsonLinesAuditListener(AUDIT::info);
    }

    /** Lines are appended to a file (created with its directories), flushed after each event. */
    public static JsonLinesAuditListener toFile(Path file) {
        requireNonNull(file, "file");
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of audit log " + file, e);
        }
        return new JsonLinesAuditListener(line -> {
            synchronized (JsonLinesAuditListener.class) {
                try {
                    Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                } catch (IOException e) {
                    AUDIT.warn("cannot write audit log {}: {}", file, e.toString());
                }
            }
        });
    }

    /** Lines go to a writer (flushed after each event). */
    public static JsonLinesAuditListener toWriter(Writer writer) {
        requireNonNull(writer, "writer");
        return new JsonLinesAuditListener(line -> {
            synchronized (writer) {
                try {
                    writer.write(line);
                    writer.write('\n');
                    writer.flush();
                } catch (IOException e) {
                    AUDIT.warn("cannot write audit line: {}", e.toString());
                }
            }
        });
    }

    @Override
    public void sessionOpened(SessionEvent e) {
        sink.accept(Json.write(session("session_opened", e)));
    }

    @Override
    public void sessionClosed(SessionEvent e) {
        sink.accept(Json.write(session("session_closed", e)));
    }

    private static Map<String, Object> session(String kind, SessionEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", kind);
        m.put("time", e.time().toString());
        m.put("session_id", e.sessionId());
        m.put("principal", e.principal());
        m.put("language", e.language());
        m.put("image", e.image());
        if (e.reason() != null) {
            m.put("reason", e.reason());
        }
        return m;
    }

    @Override
    public void policyDecision(PolicyDecisionEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "policy_decision");
        m.put("time", e.time().toString());
        m.put("session_id", e.sessionId());
        m.put("principal", e.principal());
        m.put("language", e.language());
        m.put("code_sha256", e.codeSha256());
        m.put("code_length", e.codeLength());
        m.put("policy", e.verdict().policy());
        m.put("allowed", e.verdict().allowed());
        m.put("threshold", e.verdict().threshold().wireName());
        m.put("violations", ResultView.violations(e.verdict().violations()));
        sink.accept(Json.write(m));
    }

    /**
     * Violations as JSON-ready maps.
     *
     * @deprecated use {@link ResultView#violations(List)}, the view every front door shares
     */
    @Deprecated(since = "0.2", forRemoval = true)
    public static List<Map<String, Object>> violations(List<Violation> violations) {
        return ResultView.violations(violations);
    }

    @Override
    public void runFinished(RunEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "run_finished");
        m.put("time", e.time().toString());
        m.put("session_id", e.sessionId());
        m.put("principal", e.principal());
        m.put("language", e.language());
        m.put("kind", e.kind());
        m.put("code_sha256", e.codeSha256());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("memory_bytes", e.limits().memory().bytes());
        limits.put("cpus", e.limits().cpus());
        limits.put("pids", e.limits().pids());
        limits.put("timeout_ms", e.timeout().toMillis());
        m.put("limits", limits);
        m.put("status", e.status().wireName());
        m.put("exit_code", e.exitCode());
        m.put("duration_ms", e.duration().toMillis());
        m.put("kill_reason", e.killReason());
        m.put("redactions", e.redactions());
        sink.accept(Json.write(m));
    }
}
