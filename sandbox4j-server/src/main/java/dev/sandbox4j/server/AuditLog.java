package dev.sandbox4j.server;

import dev.sandbox4j.JsonLinesAuditListener;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.text.Json;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one JSON line per HTTP request (who, what, which session and language, HTTP status, run status,
 * policy decision, duration; never code, stdin, output or file contents), plus the library's own events (sessions
 * opened and closed, policy decisions, runs) in the same stream. Goes to a file, or to the SLF4J logger
 * {@code dev.sandbox4j.audit}. Thread-safe: lines never interleave.
 */
final class AuditLog implements AutoCloseable {
    private static final Logger AUDIT = LoggerFactory.getLogger("dev.sandbox4j.audit");

    private final @Nullable Writer writer;
    private final SandboxEventListener libraryListener;

    private AuditLog(@Nullable Writer writer) {
        this.writer = writer;
        this.libraryListener = writer == null ? JsonLinesAuditListener.toLogger()
                : JsonLinesAuditListener.toWriter(writer);
    }

    static AuditLog open(@Nullable Path file) {
        if (file == null) {
            return new AuditLog(null);
        }
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            // a plain FileOutputStream, not a channel: an interrupted request thread (a cancelled run) must not be able
            // to close the audit log, as it would an InterruptibleChannel
            return new AuditLog(new BufferedWriter(new OutputStreamWriter(new FileOutputStream(file.toFile(), true),
                    StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log " + file, e);
        }
    }

    /** Receives the library's audit events (give it to the client). */
    SandboxEventListener libraryListener() {
        return libraryListener;
    }

    /** What one request did; filled in by the handlers, written when the response is done. */
    static final class Entry {
        final Instant time = Instant.now();
        final String requestId;
        @Nullable String tenant;
        @Nullable String keyId;
        @Nullable String sessionId;
        @Nullable String language;
        @Nullable String runStatus;
        /** {@code allowed}, {@code blocked}, or null when no policy screened the request. */
        @Nullable String policy;
        int violations;
        @Nullable String problem;
        boolean streamed;
        boolean cancelled;

        Entry(String requestId) {
            this.requestId = requestId;
        }
    }

    void write(Entry e, String method, String path, int status, long durationMs, String remote) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "http_request");
        m.put("time", e.time.toString());
        m.put("request_id", e.requestId);
        m.put("method", method);
        m.put("path", path);
        m.put("status", status);
        m.put("duration_ms", durationMs);
        m.put("remote", remote);
        m.put("tenant", e.tenant);
        m.put("key_id", e.keyId);
        m.put("session_id", e.sessionId);
        m.put("language", e.language);
        m.put("run_status", e.runStatus);
        m.put("policy", e.policy);
        m.put("violations", e.violations);
        if (e.problem != null) {
            m.put("problem", e.problem);
        }
        if (e.streamed) {
            m.put("streamed", true);
        }
        if (e.cancelled) {
            m.put("cancelled", true);
        }
        String line = Json.write(m);
        if (writer == null) {
            AUDIT.info(line);
            return;
        }
        synchronized (writer) {
            try {
                writer.write(line);
                writer.write('\n');
                writer.flush();
            } catch (IOException ex) {
                AUDIT.warn("cannot write the audit log: {}", ex.toString());
            }
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            synchronized (writer) {
                try {
                    writer.close();
                } catch (IOException e) {
                    AUDIT.warn("cannot close the audit log: {}", e.toString());
                }
            }
        }
    }
}
