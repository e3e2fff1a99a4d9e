/** Built-in language handlers (python, javascript), registered through {@link java.util.ServiceLoader}. */
@NullMarked
package dev.sandbox4j.core.lang;

import org.jspecify.annotations.NullMarked;
