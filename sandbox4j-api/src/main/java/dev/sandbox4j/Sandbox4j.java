package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * What can be asked of the engine without a client (and so without a container engine): its languages, its backends,
 * a policy check. The engine is the {@link EngineProvider} on the class path ({@code sandbox4j-core}, or the starter
 * that brings it).
 *
 * <pre>{@code
 * Sandbox4j.languageForFile("hello.py").map(LanguageInfo::id);   // Optional[python]
 * Sandbox4j.language("js").map(LanguageInfo::stateful);          // Optional[true]: it has a kernel
 * }</pre>
 *
 * @since 0.2
 */
public final class Sandbox4j {
    private Sandbox4j() {}

    /**
     * The engine on the class path.
     *
     * @throws IllegalStateException if there is none (add {@code dev.sandbox4j:sandbox4j-core}, or the starter)
     */
    public static EngineProvider engine() {
        EngineProvider e = Holder.ENGINE;
        if (e == null) {
            throw new IllegalStateException("no sandbox4j engine on the class path: add the dependency "
                    + "dev.sandbox4j:sandbox4j-core (or dev.sandbox4j:sandbox4j-starter)");
        }
        return e;
    }

    /** The languages of the plug-ins on the class path. */
    public static List<LanguageInfo> languages() {
        return engine().languages();
    }

    /** The language with this id or alias (case-insensitive), if there is one. */
    public static Optional<LanguageInfo> language(String nameOrAlias) {
        requireNonNull(nameOrAlias, "nameOrAlias");
        return languages().stream().filter(l -> l.answersTo(nameOrAlias.strip())).findFirst();
    }

    /** The language whose programs have the extension of {@code fileName} (e.g. {@code hello.py}), if one claims it. */
    public static Optional<LanguageInfo> languageForFile(String fileName) {
        requireNonNull(fileName, "fileName");
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return Optional.empty();
        }
        String ext = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        return languages().stream().filter(l -> l.fileExtensions().contains(ext)).findFirst();
    }

    /** Every backend on the class path and whether it can be used here (default settings). */
    public static List<BackendStatus> backends() {
        return engine().backends(Map.of());
    }

    /**
     * Checks code against a policy with the language's own scanner, without a backend.
     *
     * @throws IllegalArgumentException if the language is unknown
     */
    public static PolicyVerdict check(String language, String code, SecurityPolicy policy) {
        return engine().check(requireNonNull(language, "language"), requireNonNull(code, "code"),
                requireNonNull(policy, "policy"));
    }

    /**
     * Every rule a policy applies, written out: the policy with the default rules of the languages on the class path
     * (those of its {@link SecurityPolicy#defaultRuleTier() tier}, minus the removed and the replaced ones) as its own
     * rules and tier {@code none}. {@code PolicyFiles.toText(Sandbox4j.expand(SecurityPolicy.production()), false)}
     * is the full production preset as a policy file, as {@code sandbox4j policy --preset production} prints it.
     *
     * @since 0.2
     */
    public static SecurityPolicy expand(SecurityPolicy policy) {
        return engine().expand(requireNonNull(policy, "policy"));
    }

    /** Looked up once: the engine is stateless, and the class path does not change. */
    private static final class Holder {
        static final @Nullable EngineProvider ENGINE = find();

        private static @Nullable EngineProvider find() {
            for (ClassLoader cl : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                    Sandbox4j.class.getClassLoader()}) {
                if (cl == null) {
                    continue;
                }
                for (EngineProvider p : ServiceLoader.load(EngineProvider.class, cl)) {
                    return p;
                }
            }
            return null;
        }
    }
}
