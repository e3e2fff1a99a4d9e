/**
 * The built-in language handlers, one class per language, each registered in
 * {@code META-INF/services/dev.sandbox4j.spi.LanguageHandler} and found through {@link java.util.ServiceLoader}.
 * {@link dev.sandbox4j.core.LanguageRegistry} lists them with their ids, aliases and file extensions; this summary
 * deliberately does not, so that it cannot go stale.
 */
@NullMarked
package dev.sandbox4j.core.lang;

import org.jspecify.annotations.NullMarked;
