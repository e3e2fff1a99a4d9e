/**
 * Text for people and machines: untrusted text made safe to show ({@link dev.sandbox4j.text.Texts}) and a small JSON
 * writer ({@link dev.sandbox4j.text.Json}). Depends on nothing else of sandbox4j.
 */
@NullMarked
package dev.sandbox4j.text;

import org.jspecify.annotations.NullMarked;
