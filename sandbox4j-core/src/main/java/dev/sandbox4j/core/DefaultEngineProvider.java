package dev.sandbox4j.core;

import dev.sandbox4j.BackendStatus;
import dev.sandbox4j.ClientSettings;
import dev.sandbox4j.EngineProvider;
import dev.sandbox4j.LanguageInfo;
import dev.sandbox4j.LanguagePlugin;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.policy.LanguageRules;
import dev.sandbox4j.policy.LanguageRulesProvider;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The engine as the API finds it ({@code META-INF/services/dev.sandbox4j.EngineProvider}): clients, the languages and
 * backends on the class path, policy checks. Also the policy model's source of the languages' default rules
 * ({@code META-INF/services/dev.sandbox4j.policy.LanguageRulesProvider}). Stateless.
 */
public final class DefaultEngineProvider implements EngineProvider, LanguageRulesProvider {
    @Override
    public SandboxClient newClient(ClientSettings s) {
        List<LanguageHandler> handlers = new ArrayList<>();
        for (LanguagePlugin p : s.languages()) {
            if (!(p instanceof LanguageHandler h)) {
                throw new IllegalArgumentException("language '" + p.id() + "' is a " + p.getClass().getName()
                        + ", not a dev.sandbox4j.spi.LanguageHandler");
            }
            handlers.add(h);
        }
        SandboxBackendFactory factory = null;
        if (s.backendFactory() != null) {
            if (!(s.backendFactory() instanceof SandboxBackendFactory f)) {
                throw new IllegalArgumentException("backend '" + s.backendFactory().name() + "' is a "
                        + s.backendFactory().getClass().getName() + ", not a dev.sandbox4j.spi.SandboxBackendFactory");
            }
            factory = f;
        }
        return DefaultSandboxClient.create(s.backendName(), factory, new BackendConfig(s.backendProperties()),
                handlers, s.images(), s.reapOrphans(), s.defaultTimeout(), s.policy(), s.eventListener(),
                s.principal(), s.install(), s.pools(), s.maxConcurrentCreations(), s.creationQueue());
    }

    @Override
    public List<LanguageInfo> languages() {
        LanguageRegistry registry = LanguageRegistry.discover(List.of());
        Map<String, String> extensions = registry.extensions();
        List<LanguageInfo> out = new ArrayList<>();
        for (LanguageHandler h : registry.handlers()) {
            out.add(info(h, extensions));
        }
        return List.copyOf(out);
    }

    static LanguageInfo info(LanguageHandler h, Map<String, String> extensions) {
        List<String> exts = extensions.entrySet().stream().filter(e -> e.getValue().equals(h.id()))
                .map(Map.Entry::getKey).toList();
        boolean kernel = h.kernelPlan(new PlanContext("/tmp/.sandbox4j-probe", List.of(), null, "/workspace")) != null;
        return new LanguageInfo(h.id(), h.aliases(), java.util.Set.copyOf(exts), h.defaultImage(), kernel,
                h.imageRecipe());
    }

    @Override
    public List<BackendStatus> backends(Map<String, String> properties) {
        List<BackendStatus> out = new ArrayList<>();
        for (SandboxBackendFactory f : BackendSelector.discover()) {
            Availability a;
            try {
                a = f.probe(new BackendConfig(properties));
            } catch (RuntimeException e) {
                a = Availability.unavailable(e.toString());
            }
            out.add(new BackendStatus(f.name(), a.available(), a.detail()));
        }
        return List.copyOf(out);
    }

    /**
     * With the language plug-in's scanner and default rules; a language no plug-in knows is read by the generic scanner
     * and checked against the policy's own rules.
     */
    @Override
    public PolicyVerdict check(String language, String code, SecurityPolicy policy) {
        LanguageRegistry registry = LanguageRegistry.discover(List.of());
        if (!registry.knows(language)) {
            return PolicyCheck.unknownLanguage(policy, language, code);
        }
        return PolicyCheck.run(policy, registry.get(language), code);
    }

    @Override
    public SecurityPolicy expand(SecurityPolicy policy) {
        return policy.expand(languageRules());
    }

    /** The default rules of every language on the class path, in the order of their ids. */
    @Override
    public List<LanguageRules> languageRules() {
        return LanguageRegistry.discover(List.of()).handlers().stream().map(LanguageHandler::defaultRules).toList();
    }
}
