package dev.sandbox4j;

/**
 * Identifiers of the built-in languages. Languages are plain strings so that handlers added through
 * {@link dev.sandbox4j.spi.LanguageHandler} work the same way; aliases such as {@code py}, {@code node} and
 * {@code js} are accepted too.
 *
 * @since 0.1
 */
public final class Language {
    public static final String PYTHON = "python";
    public static final String JAVASCRIPT = "javascript";

    private Language() {}
}
