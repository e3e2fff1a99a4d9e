package dev.sandbox4j.spi;

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
public record ScannedSource(String code, String withoutComments, String codeOnly, List<ImportRef> imports) {
    public ScannedSource {
        requireNonNull(code, "code");
        requireNonNull(withoutComments, "withoutComments");
        requireNonNull(codeOnly, "codeOnly");
        if (withoutComments.length() != code.length() || codeOnly.length() != code.length()) {
            throw new IllegalArgumentException("views must have the same length as the code");
        }
        imports = List.copyOf(imports);
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

    private int[] lineStarts() {
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
        return starts;
    }
}
