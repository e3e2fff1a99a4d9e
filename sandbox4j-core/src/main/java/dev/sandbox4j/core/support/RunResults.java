package dev.sandbox4j.core.support;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.Sanitized;
import dev.sandbox4j.policy.Violation;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Results that every session implementation builds the same way (the core's, the server's policy pre-check, the
 * WebAssembly backend's). Not API: may change without notice.
 */
public final class RunResults {
    private RunResults() {}

    /**
     * The result of a run the policy refused: no process started, every finding attached, and a kill reason that
     * names the policy, how many violations reached its threshold and the first of them.
     */
    public static ExecutionResult blockedByPolicy(PolicyVerdict verdict) {
        return ExecutionResult.blockedByPolicy(verdict);
    }

    /**
     * {@code result} with the policy's findings attached and, given a sanitiser, everything the run returns as text
     * sanitised: stdout, stderr, text artifacts ({@link #isText}) and a stateful cell's text outputs (its value and
     * displays in text MIME types, its error); the redactions of all of them are counted per kind. Binary artifacts
     * and images other than SVG are returned as they are.
     */
    public static ExecutionResult finish(
            ExecutionResult result, List<Violation> findings, @Nullable OutputSanitizer sanitizer) {
        if (sanitizer == null) {
            return findings.isEmpty() ? result : result.with(findings, List.of());
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        String out = sanitize(sanitizer, result.stdout(), counts);
        String err = sanitize(sanitizer, result.stderr(), counts);
        List<Artifact> artifacts = new ArrayList<>(result.artifacts().size());
        for (Artifact a : result.artifacts()) {
            artifacts.add(sanitize(sanitizer, a, counts));
        }
        CellOutput cell = result.cell() == null ? null : sanitize(sanitizer, result.cell(), counts);
        List<Redaction> redactions = counts.entrySet().stream()
                .map(e -> new Redaction(e.getKey(), e.getValue()))
                .toList();
        return new ExecutionResult(out, err, result.exitCode(), result.duration(), result.status(),
                result.killReason(), result.stdoutTruncated(), result.stderrTruncated(), findings, redactions,
                artifacts, cell, result.resourceUsage(), result.phases());
    }

    private static String sanitize(OutputSanitizer sanitizer, String text, Map<String, Integer> counts) {
        Sanitized s = sanitizer.sanitize(text);
        for (Redaction x : s.redactions()) {
            counts.merge(x.kind(), x.count(), Integer::sum);
        }
        return s.text();
    }

    /**
     * A text artifact with its content sanitised (the same artifact when nothing changed). UTF-8 content is decoded
     * as UTF-8; text that is not valid UTF-8 is read byte for byte (ISO-8859-1), so bytes outside the redactions
     * come back unchanged. An artifact of unknown type ({@code application/octet-stream}) counts as text when it is
     * valid UTF-8 without control characters other than tab, line breaks and form feed ({@code .log}, {@code .env},
     * {@code .yaml} files); anything else is returned untouched.
     */
    private static Artifact sanitize(OutputSanitizer sanitizer, Artifact a, Map<String, Integer> counts) {
        byte[] bytes = a.content();
        boolean declaredText = isText(a.mimeType());
        if (!declaredText && !a.mimeType().equals("application/octet-stream")) {
            return a;
        }
        Charset charset = StandardCharsets.UTF_8;
        String text = decodeUtf8(bytes);
        if (text == null || (!declaredText && hasControlCharacters(text))) {
            if (!declaredText) {
                return a;
            }
            charset = StandardCharsets.ISO_8859_1;
            text = new String(bytes, charset);
        }
        String clean = sanitize(sanitizer, text, counts);
        if (clean.equals(text)) {
            return a;
        }
        byte[] content = clean.getBytes(charset);
        return new Artifact(a.name(), a.mimeType(), content.length, content);
    }

    private static CellOutput sanitize(OutputSanitizer sanitizer, CellOutput cell, Map<String, Integer> counts) {
        List<Map<String, String>> displays = new ArrayList<>(cell.displays().size());
        for (Map<String, String> d : cell.displays()) {
            displays.add(sanitizeBundle(sanitizer, d, counts));
        }
        CellOutput.CellError error = cell.error();
        if (error != null) {
            List<String> traceback = new ArrayList<>(error.traceback().size());
            for (String line : error.traceback()) {
                traceback.add(sanitize(sanitizer, line, counts));
            }
            error = new CellOutput.CellError(error.name(), sanitize(sanitizer, error.value(), counts), traceback);
        }
        return new CellOutput(cell.executionCount(), sanitizeBundle(sanitizer, cell.value(), counts), displays, error,
                cell.kernelRestarted());
    }

    /** A MIME bundle with its text entries sanitised; images (Base64) are kept. */
    private static Map<String, String> sanitizeBundle(
            OutputSanitizer sanitizer, Map<String, String> bundle, Map<String, Integer> counts) {
        Map<String, String> out = new LinkedHashMap<>();
        bundle.forEach((mime, data) -> out.put(mime, isText(mime) ? sanitize(sanitizer, data, counts) : data));
        return out;
    }

    /**
     * Whether a MIME type is text the sanitiser reads: {@code text/*}, JSON, XML, YAML, TOML, JavaScript, shell and
     * SQL types, and any {@code +json} or {@code +xml} type (which includes {@code image/svg+xml}). Parameters such
     * as {@code ; charset=utf-8} are ignored.
     */
    public static boolean isText(String mimeType) {
        String m = mimeType.toLowerCase(Locale.ROOT);
        int semi = m.indexOf(';');
        m = (semi >= 0 ? m.substring(0, semi) : m).strip();
        return m.startsWith("text/") || m.endsWith("+json") || m.endsWith("+xml") || TEXT_TYPES.contains(m);
    }

    private static final Set<String> TEXT_TYPES = Set.of(
            "application/json", "application/xml", "application/x-yaml", "application/yaml", "application/toml",
            "application/javascript", "application/x-javascript", "application/ecmascript", "application/x-sh",
            "application/x-shellscript", "application/sql", "application/x-ndjson", "application/jsonl",
            "application/csv", "application/x-httpd-php", "application/x-tex", "application/x-latex");

    private static @Nullable String decodeUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean hasControlCharacters(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
                return true;
            }
        }
        return false;
    }
}
