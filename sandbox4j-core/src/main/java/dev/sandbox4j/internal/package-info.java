/** Public for use across sandbox4j modules but not API: anything here may change without notice. */
@NullMarked
package dev.sandbox4j.internal;

import org.jspecify.annotations.NullMarked;
