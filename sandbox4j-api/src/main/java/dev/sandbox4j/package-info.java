/**
 * The sandbox4j public API: a {@link dev.sandbox4j.SandboxClient} opens {@link dev.sandbox4j.SandboxSession}s, each
 * owning one isolated, resource-limited box, and runs untrusted code in them; every run answers with an
 * {@link dev.sandbox4j.ExecutionResult}. Failures of the sandbox itself are {@link dev.sandbox4j.SandboxException}s;
 * failures of the untrusted program (non-zero exit, timeout, out of memory, output flood) are results.
 */
@NullMarked
package dev.sandbox4j;

import org.jspecify.annotations.NullMarked;
