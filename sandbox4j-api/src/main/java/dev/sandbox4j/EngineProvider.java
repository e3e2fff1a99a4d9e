package dev.sandbox4j;

import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import java.util.List;
import java.util.Map;

/**
 * The engine behind the API: implemented by {@code sandbox4j-core} and found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.sandbox4j.EngineProvider}). Users call {@link SandboxClient#builder()} and
 * {@link Sandbox4j} instead; an embedder with an engine of its own implements this.
 *
 * @since 0.2
 */
public interface EngineProvider {
    /**
     * A client with these settings.
     *
     * @throws BackendUnavailableException if no backend can be used; the message lists each one tried and why
     */
    SandboxClient newClient(ClientSettings settings);

    /** The languages of the plug-ins on the class path. */
    List<LanguageInfo> languages();

    /** Every backend on the class path, probed with these properties (never throws). */
    List<BackendStatus> backends(Map<String, String> properties);

    /**
     * Checks code against a policy with the language's own scanner, without a backend.
     *
     * @throws IllegalArgumentException if the language is unknown
     */
    PolicyVerdict check(String language, String code, SecurityPolicy policy);

    /**
     * The policy with the default rules of every language on the class path that it applies written out as its own
     * ({@link SecurityPolicy#expand}): every rule it checks, e.g. to print or save it. The default throws, for engines
     * that do not list their languages' rules.
     *
     * @throws UnsupportedOperationException if this engine cannot list them
     * @since 0.2
     */
    default SecurityPolicy expand(SecurityPolicy policy) {
        throw new UnsupportedOperationException(getClass().getName() + " does not list its languages' default rules");
    }
}
