package dev.sandbox4j.core.policy.scan;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects what a scanner found (comment ranges, string-literal ranges, imports) and builds the {@link ScannedSource}
 * views. Blanking replaces every character except line breaks with a space, so offsets, lines and columns stay valid.
 */
public final class SourceBuilder {
    private final String code;
    private final char[] withoutComments;
    private final char[] codeOnly;
    private final List<ImportRef> imports = new ArrayList<>();

    /**
     * Runs a scanner's passes over {@code code} and builds the result; if a pass fails unexpectedly, the source is
     * reported as unscannable ({@link ImportRef#SCAN_ERROR}), which policies treat as a blocking finding. Scanners
     * therefore never throw (their other users, e.g. main-class detection, rely on that too).
     */
    public static ScannedSource failClosed(String code, java.util.function.Consumer<SourceBuilder> passes) {
        java.util.Objects.requireNonNull(code, "code");
        SourceBuilder builder = new SourceBuilder(code);
        try {
            passes.accept(builder);
        } catch (RuntimeException | StackOverflowError e) {
            builder.importRef(ImportRef.DYNAMIC, List.of(), 0, 0, ImportRef.SCAN_ERROR, true);
        }
        return builder.build();
    }

    public SourceBuilder(String code) {
        this.code = code;
        this.withoutComments = code.toCharArray();
        this.codeOnly = code.toCharArray();
    }

    public String code() {
        return code;
    }

    /** Marks {@code [start, end)} as a comment: blanked in both views. */
    public SourceBuilder comment(int start, int end) {
        blank(withoutComments, start, end);
        blank(codeOnly, start, end);
        return this;
    }

    /** Marks {@code [contentStart, contentEnd)} as the contents of a string literal: blanked in the code-only view. */
    public SourceBuilder string(int contentStart, int contentEnd) {
        blank(codeOnly, contentStart, contentEnd);
        return this;
    }

    /** Adds an import. */
    public SourceBuilder importRef(String module, List<String> names, int offset, int length, String form,
            boolean dynamic) {
        imports.add(new ImportRef(module, names, offset, length, form, dynamic));
        return this;
    }

    public ScannedSource build() {
        List<ImportRef> sorted = new ArrayList<>(imports);
        sorted.sort(Comparator.comparingInt(ImportRef::offset));
        return new ScannedSource(code, new String(withoutComments), new String(codeOnly), sorted);
    }

    private static void blank(char[] a, int start, int end) {
        int s = Math.max(0, start);
        int e = Math.min(a.length, end);
        for (int i = s; i < e; i++) {
            if (a[i] != '\n' && a[i] != '\r') {
                a[i] = ' ';
            }
        }
    }
}
