/**
 * The sandbox4j HTTP service: a Javalin server (virtual threads) exposing one-shot runs and sessions as REST + SSE
 * with snake_case JSON and RFC 9457 problem details, API keys with tenants and per-key limits, bounded concurrency
 * (429 + {@code Retry-After}), idle and lifetime expiry of sessions, a JSON-lines request audit log, Prometheus
 * metrics and a small web console. Start it with {@link dev.sandbox4j.server.SandboxServer#start(ServerConfig)} or
 * {@code sandbox4j serve}.
 */
@NullMarked
package dev.sandbox4j.server;

import org.jspecify.annotations.NullMarked;
