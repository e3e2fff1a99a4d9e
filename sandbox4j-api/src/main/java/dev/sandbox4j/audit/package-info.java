/**
 * Audit events: every policy decision, session and run, delivered to a {@link
 * dev.sandbox4j.audit.SandboxEventListener}. Events never carry the code, stdin or output, only a SHA-256 of the code.
 */
@NullMarked
package dev.sandbox4j.audit;

import org.jspecify.annotations.NullMarked;
