package dev.sandbox4j.policy;

/**
 * A lexer for one language: finds comments, string literals and imports, so that policy rules see code, not text.
 * Stateless and thread-safe; must never throw on any input (unterminated strings and comments run to the end).
 *
 * @since 0.1
 */
public interface SourceScanner {
    /** Scans {@code code}. Linear time: a 1 MB file must take milliseconds. */
    ScannedSource scan(String code);

    /**
     * Separator between a module and its sub-modules, so that restricting {@code os} also restricts {@code os.path}
     * (python, java: {@code '.'}; javascript, go, C/C++ headers: {@code '/'}). {@code 0} if the language has none.
     */
    default char moduleSeparator() {
        return '.';
    }
}
