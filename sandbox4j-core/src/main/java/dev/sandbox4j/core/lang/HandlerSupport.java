package dev.sandbox4j.core.lang;

import dev.sandbox4j.text.Texts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** Shared bits of the built-in handlers: bundled in-box scripts and library-name checks. */
final class HandlerSupport {
    private static final Map<String, byte[]> RESOURCES = new ConcurrentHashMap<>();

    private HandlerSupport() {}

    /** A script shipped next to the handlers (e.g. {@code sitecustomize.py}), read once. */
    static byte[] resource(String name) {
        return RESOURCES.computeIfAbsent(name, n -> {
            try (InputStream in = HandlerSupport.class.getResourceAsStream(n)) {
                if (in == null) {
                    throw new IllegalStateException("sandbox4j resource " + n + " is missing from the jar");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).clone();
    }

    /**
     * Checks each library specification against the package manager's syntax. Specifications never start with
     * {@code -} (they would be read as options) and contain no whitespace controls, paths or URLs unless the pattern
     * allows them.
     *
     * @throws IllegalArgumentException naming the first bad one
     */
    static void checkLibraries(String language, String what, Pattern syntax, List<String> libraries) {
        if (libraries.isEmpty()) {
            throw new IllegalArgumentException("no libraries to install");
        }
        for (String lib : libraries) {
            if (lib.length() > 200 || lib.startsWith("-") || !syntax.matcher(lib).matches()) {
                throw new IllegalArgumentException("'" + Texts.sanitize(lib, 80) + "' is not a valid " + language
                        + " library (expected " + what + ")");
            }
        }
    }
}
