package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Set;

/**
 * A module (package, header, library) whose import is flagged. Restricting {@code os} also flags {@code os.path}
 * and {@code from os import system}, but not {@code oscar}; the sub-module separator comes from the language's
 * scanner ({@code .} for Python and Java, {@code /} for JavaScript, Go and C/C++ headers).
 *
 * @param name        module name as the language writes it, e.g. {@code "subprocess"}, {@code "child_process"},
 *                    {@code "java.lang.reflect"}, {@code "sys/socket.h"}, {@code "os/exec"}, {@code "httr"}
 * @param description why it is restricted
 * @param severity    how dangerous importing it is
 * @param languages   language ids it applies to; empty means every language
 * @since 0.1
 */
public record RestrictedModule(String name, String description, Severity severity, Set<String> languages) {
    public RestrictedModule {
        requireNonNull(name, "name");
        requireNonNull(description, "description");
        requireNonNull(severity, "severity");
        if (name.isBlank()) {
            throw new IllegalArgumentException("restricted module name must not be blank");
        }
        languages = languages.stream().map(l -> l.toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors
                .toUnmodifiableSet());
    }

    /** A module restricted in one language. */
    public static RestrictedModule of(String language, String name, String description, Severity severity) {
        return new RestrictedModule(name, description, severity, Set.of(language));
    }

    public boolean appliesTo(String language) {
        return languages.isEmpty() || languages.contains(language);
    }

    /** Rule id used in violations: {@code module:python:subprocess}. */
    public String id() {
        return "module:" + (languages.size() == 1 ? languages.iterator().next() + ":" : "") + name;
    }

    public RestrictedModule withSeverity(Severity s) {
        return new RestrictedModule(name, description, s, languages);
    }
}
