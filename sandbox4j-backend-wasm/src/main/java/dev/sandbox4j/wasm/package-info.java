/**
 * The WebAssembly backend: Python programs run in Pyodide (CPython compiled to WebAssembly) inside Deno processes,
 * confined by Deno's permission sandbox instead of a container, so no container engine is needed. Start with
 * {@link dev.sandbox4j.wasm.WasmSandbox#builder()}.
 */
@NullMarked
package dev.sandbox4j.wasm;

import org.jspecify.annotations.NullMarked;
