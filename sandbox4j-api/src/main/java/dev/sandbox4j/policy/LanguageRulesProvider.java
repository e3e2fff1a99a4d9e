package dev.sandbox4j.policy;

import java.util.List;

/**
 * The default rules of the languages on the class path, for the policy model where it has no client to ask: which
 * regexes of a policy file are copies of built-in rules (vetted, so they keep {@link java.util.regex} and may use
 * look-around, see {@link PolicyFiles}), and which rule ids {@link SecurityPolicy.Builder#remove} may name. The engine
 * implements it and registers it in {@code META-INF/services/dev.sandbox4j.policy.LanguageRulesProvider}; the policy
 * model asks every provider it finds ({@link java.util.ServiceLoader}, context class loader, then its own) once.
 *
 * <p>Checking code does not go through this: the engine hands each check the rules of the language at hand (also of a
 * language added only with {@code SandboxClient.builder().language(handler)}).
 *
 * @since 0.2
 */
public interface LanguageRulesProvider {
    /** The default rules of every language this provider knows. Must not build a {@link SecurityPolicy}. */
    List<LanguageRules> languageRules();
}
