/**
 * Tar archives of the engine's file transfers (host to box and back, artifacts), with the engine's own rules: entry
 * names are checked, links are never followed or created, host files are never written through a symbolic link, and
 * sizes are limited. Not API.
 */
@NullMarked
package dev.sandbox4j.core.tar;

import org.jspecify.annotations.NullMarked;
