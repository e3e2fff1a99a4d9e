/** Built-in source scanners (lexers) per language, used by security policies. */
@NullMarked
package dev.sandbox4j.core.policy.scan;

import org.jspecify.annotations.NullMarked;
