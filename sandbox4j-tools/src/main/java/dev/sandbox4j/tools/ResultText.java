package dev.sandbox4j.tools;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.ResultView;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.text.Texts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A run's result as a tool answers it: the text the model reads (a summary line and the output, cut in the middle when
 * long), the plots and image files as images, and as structured content the {@link ResultView} every front door
 * returns (output cut the same way, binary content left out: it travels as images) next to the language and session.
 */
final class ResultText {
    private final int maxOutputChars;

    ResultText(int maxOutputChars) {
        this.maxOutputChars = maxOutputChars;
    }

    /** {@code execute_code}'s answer; {@code sessionId} is the session's label, {@code null} for a one-shot run. */
    ToolResult run(ExecutionResult r, String language, @Nullable String sessionId) {
        List<ToolImage> images = images(r);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("language", language);
        m.put("session_id", sessionId);
        m.putAll(ResultView.of(r, ResultView.Options.forModels(maxOutputChars)));

        StringBuilder text = new StringBuilder();
        text.append("status: ").append(r.status().wireName()).append(" (exit code ").append(r.exitCode())
                .append(", ").append(seconds(r.duration())).append(')');
        if (r.killReason() != null) {
            text.append("\nkilled: ").append(r.killReason());
        }
        if (r.status() == ExecutionStatus.BLOCKED_BY_POLICY) {
            text.append("\nThe security policy refused the code; nothing ran:");
            for (Violation v : r.violations()) {
                text.append("\n- ").append(v.description()).append(" (line ").append(v.line()).append(')');
            }
        }
        appendStream(text, "stdout", r.stdout(), r.stdoutTruncated());
        appendStream(text, "stderr", r.stderr(), r.stderrTruncated());
        CellOutput cell = r.cell();
        if (cell != null) {
            String value = cell.value().get("text/plain");
            if (value != null) {
                text.append("\nresult: ").append(cut(value));
            }
            if (cell.error() != null && r.stderr().isBlank()) {
                text.append("\nexception: ").append(cell.error().name()).append(": ").append(cell.error().value());
                String tb = String.join("\n", cell.error().traceback());
                if (!tb.isBlank()) {
                    text.append('\n').append(cut(tb));
                }
            }
            if (cell.kernelRestarted()) {
                text.append("\nThe session's interpreter was restarted: variables from earlier runs are gone.");
            }
        }
        if (!images.isEmpty()) {
            text.append("\nimages: ").append(String.join(", ", images.stream().map(ToolImage::name).toList()))
                    .append(" (attached)");
        }
        List<String> files = r.artifacts().stream().filter(a -> !a.isImage())
                .map(a -> a.name() + " (" + a.size() + " bytes)").toList();
        if (!files.isEmpty()) {
            text.append("\nfiles in output/: ").append(String.join(", ", files));
            if (sessionId != null) {
                text.append(" (read them with read_file, path output/<name>)");
            }
        }
        if (r.stdout().isEmpty() && r.stderr().isEmpty() && images.isEmpty() && cell == null) {
            text.append("\n(no output)");
        }
        return new ToolResult(text.toString(), images, m, false);
    }

    /** {@code install_packages}' answer: the same view, with what the session has installed so far. */
    ToolResult install(ExecutionResult r, String sessionId, List<String> packages, List<String> installed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", sessionId);
        m.putAll(ResultView.of(r, ResultView.Options.forModels(maxOutputChars)));
        m.put("installed", installed);
        StringBuilder text = new StringBuilder();
        if (r.isOk()) {
            text.append("Installed ").append(String.join(", ", packages)).append(" (").append(seconds(r.duration()))
                    .append(").");
        } else {
            text.append("Installing ").append(String.join(", ", packages)).append(" failed: ")
                    .append(r.status().wireName()).append(", exit code ").append(r.exitCode()).append('.');
            appendStream(text, "stderr", r.stderr(), r.stderrTruncated());
            appendStream(text, "stdout", r.stdout(), r.stdoutTruncated());
        }
        return new ToolResult(text.toString(), List.of(), m, !r.isOk());
    }

    /** Plots and image files of a run: image artifacts, then a cell's displayed images not already among them. */
    static List<ToolImage> images(ExecutionResult r) {
        List<ToolImage> images = new ArrayList<>();
        for (Artifact a : r.artifacts()) {
            if (a.isImage()) {
                images.add(new ToolImage(a.name(), a.mimeType(), a.content()));
            }
        }
        if (r.cell() != null) {
            int n = 0;
            for (Map<String, String> bundle : r.cell().displays()) {
                ToolImage img = image(bundle, "display-" + (++n));
                if (img != null && images.stream().noneMatch(i -> Arrays.equals(i.data(), img.data()))) {
                    images.add(img);
                }
            }
        }
        return images;
    }

    private static @Nullable ToolImage image(Map<String, String> bundle, String name) {
        String png = bundle.get("image/png");
        if (png != null) {
            return decoded(name + ".png", "image/png", png);
        }
        String svg = bundle.get("image/svg+xml");
        if (svg != null) {
            return new ToolImage(name + ".svg", "image/svg+xml", svg.getBytes(StandardCharsets.UTF_8));
        }
        String jpeg = bundle.get("image/jpeg");
        return jpeg == null ? null : decoded(name + ".jpg", "image/jpeg", jpeg);
    }

    private static @Nullable ToolImage decoded(String name, String type, String base64) {
        try {
            return new ToolImage(name, type, Base64.getMimeDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    void appendStream(StringBuilder text, String name, String content, boolean truncatedByLimit) {
        if (content.isEmpty()) {
            return;
        }
        text.append("\n--- ").append(name).append(" ---\n").append(cut(content));
        if (truncatedByLimit) {
            text.append("\n[").append(name).append(" truncated at the sandbox's output limit]");
        }
    }

    /** Keeps the head and the tail of long text (errors are usually at the end). */
    String cut(String s) {
        return Texts.elide(s, maxOutputChars);
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toMillis() / 1000.0);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        return (s / 3600) + " h";
    }
}
