package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One import (or include, require, library call) found in source code by a {@link SourceScanner}.
 *
 * @param module  the module as the language names it, normalised: {@code "os.path"} (python), {@code "fs/promises"}
 *                (javascript, without a {@code node:} prefix), {@code "java.io.File"}, {@code "sys/socket.h"},
 *                {@code "os/exec"} (go), {@code "httr"} (r); {@code "<dynamic>"} when the name is computed at run time
 * @param names   members imported from it when the language says so ({@code from os import system, path} gives
 *                {@code [system, path]}); empty otherwise
 * @param offset  offset of the import statement or call in the source
 * @param length  length of the text that makes the import
 * @param form    how it was imported, e.g. {@code "import"}, {@code "from"}, {@code "__import__"},
 *                {@code "importlib"}, {@code "require"}, {@code "dynamic-import"}, {@code "include"},
 *                {@code "library"}, {@code "namespace"}
 * @param dynamic true when the module is chosen at run time ({@code __import__(name)}, {@code require(x)})
 * @since 0.1
 */
public record ImportRef(String module, List<String> names, int offset, int length, String form, boolean dynamic) {
    /** Module name used when an import's target is computed at run time. */
    public static final String DYNAMIC = "<dynamic>";

    /**
     * Form a scanner reports (with module {@link #DYNAMIC}) when it failed internally instead of throwing: policies
     * treat the source as unscannable and block it, exactly as if the scanner had thrown.
     */
    public static final String SCAN_ERROR = "scan-error";

    public ImportRef {
        requireNonNull(module, "module");
        names = List.copyOf(names);
        requireNonNull(form, "form");
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset (" + offset + ") and length (" + length + ") must be >= 0");
        }
    }
}
