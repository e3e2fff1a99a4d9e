/**
 * An MCP server (official MCP Java SDK) that exposes {@link dev.sandbox4j.tools.SandboxTools}: over stdio
 * ({@link dev.sandbox4j.mcp.McpStdioServer}, the {@code sandbox4j mcp} command) and over streamable HTTP
 * ({@link dev.sandbox4j.mcp.McpHttpEndpoint}, a servlet the HTTP service mounts at {@code /mcp}). Plots come back as
 * {@code ImageContent}, the whole result also as {@code structuredContent} matching each tool's output schema, and
 * tool failures as results with {@code isError}, never as protocol errors.
 */
@NullMarked
package dev.sandbox4j.mcp;

import org.jspecify.annotations.NullMarked;
