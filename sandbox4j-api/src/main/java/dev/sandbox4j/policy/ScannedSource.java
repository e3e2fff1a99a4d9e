package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;

/**
 * Source code as a {@link SourceScanner} understood it: three views of the same text (same length, same line breaks,
 * so offsets agree) and the imports found.
 *
 * @param code             the original text
 * @param withoutComments  comments replaced by spaces; string literals intact
 * @param codeOnly         comments and the contents of string literals replaced by spaces (quotes kept), so that
 *                         {@code "import os"} or {@code # eval(x)} cannot match a rule
 * @param imports          imports in source order
 * @since 0.1
 */
public final class ScannedSource {
    private final String code;
    private final String withoutComments;
    private final String codeOnly;
    private final List<ImportRef> imports;
    private volatile int @org.jspecify.annotations.Nullable [] lineStarts;

    public ScannedSource(String code, String withoutComments, String codeOnly, List<ImportRef> imports) {
        this.code = requireNonNull(code, "code");
        this.withoutComments = requireNonNull(withoutComments, "withoutComments");
        this.codeOnly = requireNonNull(codeOnly, "codeOnly");
        if (withoutComments.length() != code.length() || codeOnly.length() != code.length()) {
            throw new IllegalArgumentException("views must have the same length as the code");
        }
        this.imports = List.copyOf(imports);
    }

    /** The original text. */
    public String code() {
        return code;
    }

    /** Comments replaced by spaces; string literals intact. */
    public String withoutComments() {
        return withoutComments;
    }

    /** Comments and string-literal contents replaced by spaces. */
    public String codeOnly() {
        return codeOnly;
    }

    /** Imports in source order. */
    public List<ImportRef> imports() {
        return imports;
    }

    /** 1-based line of an offset. */
    public int line(int offset) {
        int[] starts = lineStarts();
        int i = Arrays.binarySearch(starts, Math.min(offset, code.length()));
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** 1-based column of an offset. */
    public int column(int offset) {
        int[] starts = lineStarts();
        return Math.min(offset, code.length()) - starts[line(offset) - 1] + 1;
    }

    /** Computed once (a large file with many findings must not rescan the text per finding). */
    private int[] lineStarts() {
        int[] cached = lineStarts;
        if (cached != null) {
            return cached;
        }
        int n = 1;
        for (int i = 0; i < code.length(); i++) {
            if (code.charAt(i) == '\n') {
                n++;
            }
        }
        int[] starts = new int[n];
        int k = 1;
        for (int i = 0; i < code.length(); i++) {
            if (code.charAt(i) == '\n') {
                starts[k++] = i + 1;
            }
        }
        lineStarts = starts;
        return starts;
    }
}
