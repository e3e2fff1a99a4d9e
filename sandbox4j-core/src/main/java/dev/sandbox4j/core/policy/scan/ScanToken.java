package dev.sandbox4j.core.policy.scan;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** A token produced by one of the built-in lexers; offsets are in the original source. Not thread-safe, not API. */
final class ScanToken {
    static final int IDENT = 0;
    static final int STRING = 1;
    static final int NUMBER = 2;
    static final int OP = 3;
    /** End of a logical line (python only). */
    static final int NEWLINE = 4;
    static final int REGEX = 5;

    final int kind;
    final int start;
    int end;
    /** Identifier name (normalised), operator text, or the raw text of other tokens' kind. */
    final String text;
    /** Decoded value of a string literal; {@code null} when the literal is interpolated (not a constant). */
    @Nullable String value;
    /** Scanner-specific bits. */
    int flags;

    ScanToken(int kind, int start, int end, String text) {
        this.kind = kind;
        this.start = start;
        this.end = end;
        this.text = text;
    }

    boolean isIdent(String name) {
        return kind == IDENT && text.equals(name);
    }

    boolean isOp(String op) {
        return kind == OP && text.equals(op);
    }

    static boolean ident(List<ScanToken> t, int i, String name) {
        return i >= 0 && i < t.size() && t.get(i).isIdent(name);
    }

    static boolean op(List<ScanToken> t, int i, String op) {
        return i >= 0 && i < t.size() && t.get(i).isOp(op);
    }

    static boolean kind(List<ScanToken> t, int i, int kind) {
        return i >= 0 && i < t.size() && t.get(i).kind == kind;
    }

    /** The first argument of a call whose {@code (} is at {@code open}: its constant value, or null. */
    record Arg(@Nullable String value, int end) {}

    /**
     * Reads the first argument of the call whose {@code (} token is at index {@code open}. The argument is a constant
     * only when it is made of string literals alone (adjacent ones concatenated when {@code concatAdjacent}) and is
     * followed by {@code ,} or {@code )}; anything else ({@code "a" + b}, a name, an interpolated string) is not.
     */
    static Arg firstArg(List<ScanToken> t, int open, boolean concatAdjacent, boolean keywordArg) {
        int j = open + 1;
        int end = t.get(open).end;
        if (keywordArg && kind(t, j, IDENT) && op(t, j + 1, "=") && !op(t, j + 2, "=")) {
            j += 2;
        }
        StringBuilder sb = null;
        boolean constant = true;
        while (kind(t, j, STRING)) {
            ScanToken s = t.get(j);
            end = s.end;
            if (s.value == null) {
                constant = false;
            } else {
                sb = sb == null ? new StringBuilder() : sb;
                sb.append(s.value);
            }
            j++;
            if (!concatAdjacent) {
                break;
            }
        }
        if (sb == null || !constant) {
            return new Arg(null, end);
        }
        if (op(t, j, ")")) {
            return new Arg(sb.toString(), t.get(j).end);
        }
        if (op(t, j, ",")) {
            return new Arg(sb.toString(), end);
        }
        return new Arg(null, end);
    }
}
