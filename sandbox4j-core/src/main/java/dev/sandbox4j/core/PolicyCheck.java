package dev.sandbox4j.core;

import dev.sandbox4j.core.policy.scan.GenericScanner;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.SourceScanner;
import dev.sandbox4j.spi.LanguageHandler;

/**
 * A policy check of one language's code, the way every door of the engine does it (client, session, {@code Sandbox4j}):
 * with the language plug-in's scanner and its default rules, which the policy applies as far as its tier says.
 */
final class PolicyCheck {
    private PolicyCheck() {}

    /** Checks {@code code} of {@code handler}'s language. */
    static PolicyVerdict run(SecurityPolicy policy, LanguageHandler handler, String code) {
        return policy.check(handler.id(), code, scanner(handler), handler.defaultRules());
    }

    /**
     * Checks code of a language no plug-in knows: the generic scanner, and the policy's own rules only (no language
     * brings default rules for it).
     */
    static PolicyVerdict unknownLanguage(SecurityPolicy policy, String language, String code) {
        return policy.check(language, code, new GenericScanner());
    }

    /** The plug-in's scanner, or the generic one if it brings none. */
    static SourceScanner scanner(LanguageHandler handler) {
        SourceScanner own = handler.scanner();
        return own != null ? own : new GenericScanner();
    }
}
