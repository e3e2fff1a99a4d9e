/**
 * The engine behind {@link dev.sandbox4j.SandboxClient}: backend selection, sessions, the in-box launcher, output
 * capture and orphan reaping. Public only so the API package can reach it; not API.
 */
@NullMarked
package dev.sandbox4j.core;

import org.jspecify.annotations.NullMarked;
