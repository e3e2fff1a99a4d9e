/**
 * Security policy: language-aware pre-screening of code before it runs. The container is the security boundary;
 * a policy is an early, explainable refusal. See {@link dev.sandbox4j.policy.SecurityPolicy}.
 */
@NullMarked
package dev.sandbox4j.policy;

import org.jspecify.annotations.NullMarked;
