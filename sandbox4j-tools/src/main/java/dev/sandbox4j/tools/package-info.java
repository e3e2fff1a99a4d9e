/**
 * A framework-free tool layer for LLM agents: {@link dev.sandbox4j.tools.SandboxTools} implements the tools every
 * integration exposes ({@code execute_code}, {@code create_session}, {@code close_session}, {@code list_sessions},
 * {@code write_file}, {@code read_file}, {@code list_files}, {@code install_packages}, {@code list_languages}) on top
 * of a {@link dev.sandbox4j.SandboxClient}, returns plain {@link dev.sandbox4j.tools.ToolResult}s (text for the model,
 * images, a structured map, an error flag) and describes each tool once ({@link dev.sandbox4j.tools.ToolSpec}, with
 * JSON schemas) so the MCP server and the LangChain4j / Spring AI adapters do not each redefine them.
 */
@NullMarked
package dev.sandbox4j.tools;

import org.jspecify.annotations.NullMarked;
