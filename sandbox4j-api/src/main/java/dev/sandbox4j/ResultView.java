package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.text.Texts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON view of an {@link ExecutionResult} that every front door returns: the HTTP API's result object, the CLI's
 * {@code run --json}, MCP's {@code structuredContent} and the tool adapters' structured results. Fields are
 * snake_case, in this order:
 *
 * <pre>{@code
 * {"status": "ok", "exit_code": 0, "stdout": "42\n", "stderr": "", "duration_ms": 31, "timed_out": false,
 *  "kill_reason": null, "stdout_truncated": false, "stderr_truncated": false,
 *  "violations": [{"rule", "severity", "line", "column", "description", "snippet"}],
 *  "artifacts": [{"name", "mime_type", "size", "content_base64"}],
 *  "redactions": [{"kind", "count"}],
 *  "resource_usage": {"cpu_user_ms", "cpu_system_ms", "peak_memory_bytes"},
 *  "phases_ms": {"queue", "acquire", "policy", "install", "compile", "run", "teardown", "artifacts"},
 *  "cell": {"execution_count", "value", "displays", "error": {"name", "value", "traceback"}, "kernel_restarted"}}
 * }</pre>
 *
 * {@code cell} is there only for runs in a stateful session. The audit log's {@code run_finished} lines
 * ({@link JsonLinesAuditListener}) name and write {@code status}, {@code exit_code}, {@code duration_ms} and
 * {@code kill_reason} the same way, and its {@code policy_decision} lines write violations as {@link #violations}
 * does.
 *
 * <p>Maps are ordered ({@link LinkedHashMap}), hold only strings, numbers, booleans, {@code null}, lists and maps, and
 * may be written with any JSON library (or {@link dev.sandbox4j.text.Json}). A front door adds its own context next to
 * them (the CLI the language and image, the HTTP API and the tools the session).
 *
 * @since 0.2
 */
public final class ResultView {
    private ResultView() {}

    /**
     * How much of a result a view carries. {@link #FULL} is everything; tool adapters, whose results go into a
     * model's context, cut long output and leave binary content out (images travel as image content there).
     *
     * @param maxOutputChars stdout and stderr longer than this are cut in the middle ({@link Texts#elide}) and marked
     *     truncated; 0 for no cut
     * @param binaryContent whether artifacts carry {@code content_base64} and a cell's MIME bundles their
     *     {@code image/*} entries; without it {@code content_base64} is {@code null} and those entries are left out
     */
    public record Options(int maxOutputChars, boolean binaryContent) {
        /** Everything, as the HTTP API and the CLI return it. */
        public static final Options FULL = new Options(0, true);

        /** @throws IllegalArgumentException if {@code maxOutputChars} is negative */
        public Options {
            if (maxOutputChars < 0) {
                throw new IllegalArgumentException("maxOutputChars (" + maxOutputChars + ") must not be negative");
            }
        }

        /** Output cut past {@code maxOutputChars}, no binary content: what tool results carry. */
        public static Options forModels(int maxOutputChars) {
            return new Options(maxOutputChars, false);
        }
    }

    /** The whole result ({@link Options#FULL}). */
    public static Map<String, Object> of(ExecutionResult r) {
        return of(r, Options.FULL);
    }

    /** The result as {@code options} allow. */
    public static Map<String, Object> of(ExecutionResult r, Options options) {
        requireNonNull(r, "r");
        requireNonNull(options, "options");
        int max = options.maxOutputChars();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.status().wireName());
        m.put("exit_code", r.exitCode());
        m.put("stdout", max > 0 ? Texts.elide(r.stdout(), max) : r.stdout());
        m.put("stderr", max > 0 ? Texts.elide(r.stderr(), max) : r.stderr());
        m.put("duration_ms", r.duration().toMillis());
        m.put("timed_out", r.status() == ExecutionStatus.TIMED_OUT);
        m.put("kill_reason", r.killReason());
        m.put("stdout_truncated", r.stdoutTruncated() || (max > 0 && r.stdout().length() > max));
        m.put("stderr_truncated", r.stderrTruncated() || (max > 0 && r.stderr().length() > max));
        m.put("violations", violations(r.violations()));
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (Artifact a : r.artifacts()) {
            artifacts.add(artifact(a, options.binaryContent()));
        }
        m.put("artifacts", artifacts);
        m.put("redactions", redactions(r.redactions()));
        m.put("resource_usage", r.resourceUsage() == null ? null : resourceUsage(r.resourceUsage()));
        m.put("phases_ms", phases(r.phases()));
        if (r.cell() != null) {
            m.put("cell", cell(r.cell(), options.binaryContent()));
        }
        return m;
    }

    /** Policy findings: {@code rule}, {@code severity}, {@code line}, {@code column}, {@code description}, {@code snippet}. */
    public static List<Map<String, Object>> violations(List<Violation> violations) {
        List<Map<String, Object>> out = new ArrayList<>(violations.size());
        for (Violation v : violations) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("rule", v.rule());
            x.put("severity", v.severity().wireName());
            x.put("line", v.line());
            x.put("column", v.column());
            x.put("description", v.description());
            x.put("snippet", v.snippet());
            out.add(x);
        }
        return out;
    }

    /**
     * What the run's program used: {@code cpu_user_ms}, {@code cpu_system_ms}, {@code peak_memory_bytes} (or
     * {@code null}).
     */
    public static Map<String, Object> resourceUsage(ResourceUsage u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_user_ms", u.cpuUser().toMillis());
        m.put("cpu_system_ms", u.cpuSystem().toMillis());
        m.put("peak_memory_bytes", u.peakMemory() == null ? null : u.peakMemory().bytes());
        return m;
    }

    /**
     * Where the run's time went: the measured phases only ({@link PhaseTimings.Phase#wireName()}, in the order they
     * happen), each in milliseconds to the microsecond ({@code 0.412}); empty when nothing was measured.
     *
     * @since 0.2
     */
    public static Map<String, Object> phases(PhaseTimings phases) {
        Map<String, Object> m = new LinkedHashMap<>();
        phases.durations().forEach((p, d) -> m.put(p.wireName(), Math.round(d.toNanos() / 1000.0) / 1000.0));
        return m;
    }

    /** What the sanitiser removed: {@code kind}, {@code count}. */
    public static List<Map<String, Object>> redactions(List<Redaction> redactions) {
        List<Map<String, Object>> out = new ArrayList<>(redactions.size());
        for (Redaction x : redactions) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", x.kind());
            m.put("count", x.count());
            out.add(m);
        }
        return out;
    }

    /** A file of the run: {@code name}, {@code mime_type}, {@code size}, {@code content_base64} (or null). */
    public static Map<String, Object> artifact(Artifact a, boolean withContent) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("name", a.name());
        x.put("mime_type", a.mimeType());
        x.put("size", a.size());
        x.put("content_base64", withContent ? a.base64() : null);
        return x;
    }

    /**
     * A stateful run's cell: {@code execution_count}, {@code value}, {@code displays}, {@code error} (or null) and
     * {@code kernel_restarted}.
     */
    public static Map<String, Object> cell(CellOutput c, boolean binaryContent) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("execution_count", c.executionCount());
        m.put("value", bundle(c.value(), binaryContent));
        m.put("displays", c.displays().stream().map(d -> bundle(d, binaryContent)).toList());
        if (c.error() != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", c.error().name());
            e.put("value", c.error().value());
            e.put("traceback", c.error().traceback());
            m.put("error", e);
        } else {
            m.put("error", null);
        }
        m.put("kernel_restarted", c.kernelRestarted());
        return m;
    }

    private static Map<String, String> bundle(Map<String, String> bundle, boolean binaryContent) {
        Map<String, String> out = new LinkedHashMap<>(); // MIME types in order: the same text for the same cell
        new java.util.TreeMap<>(bundle).forEach((type, value) -> {
            if (binaryContent || !type.startsWith("image/")) {
                out.put(type, value);
            }
        });
        return out;
    }
}
