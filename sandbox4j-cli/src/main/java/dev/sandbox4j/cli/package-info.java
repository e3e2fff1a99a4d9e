/** The {@code sandbox4j} command line (picocli). */
@NullMarked
package dev.sandbox4j.cli;

import org.jspecify.annotations.NullMarked;
