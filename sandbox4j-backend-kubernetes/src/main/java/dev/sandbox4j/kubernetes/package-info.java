/**
 * Kubernetes backend: every box is one hardened Pod (fabric8 kubernetes-client) with resource requests and limits, a
 * restrictive security context, size-limited {@code emptyDir} volumes for the writable directories and a
 * NetworkPolicy that denies network access; programs run through the API's {@code exec}, files move as tar streams
 * over it. See {@link dev.sandbox4j.kubernetes.KubernetesBackendFactory} for the configuration properties.
 */
@NullMarked
package dev.sandbox4j.kubernetes;

import org.jspecify.annotations.NullMarked;
