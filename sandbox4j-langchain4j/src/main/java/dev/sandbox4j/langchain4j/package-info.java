/**
 * LangChain4j integration: {@link dev.sandbox4j.langchain4j.SandboxCodeExecutionEngine} (a LangChain4j
 * {@code CodeExecutionEngine} per language) and {@link dev.sandbox4j.langchain4j.SandboxAgentTools} (the sandbox
 * tools as {@code @Tool} methods for {@code AiServices}, with sessions per chat memory id and plots as image content).
 */
@NullMarked
package dev.sandbox4j.langchain4j;

import org.jspecify.annotations.NullMarked;
