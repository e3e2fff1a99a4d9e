/**
 * The backend compatibility kit: {@link dev.sandbox4j.tck.SandboxTck} is an abstract JUnit test class that every
 * backend's integration tests extend with a client of that backend, so that Docker (runc and runsc), Podman,
 * Kubernetes and the WebAssembly sandbox are held to the same behaviour. {@link dev.sandbox4j.tck.EngineCheck} is the
 * set-up the modules' integration tests share: require a backend (skip, or fail in strict mode), the images given to
 * the build, and the boxes a run left behind.
 */
@NullMarked
package dev.sandbox4j.tck;

import org.jspecify.annotations.NullMarked;
