package dev.sandbox4j.spi;

import dev.sandbox4j.LanguagePlugin;
import dev.sandbox4j.policy.LanguageRules;
import dev.sandbox4j.policy.RuleTier;
import dev.sandbox4j.policy.SourceScanner;
import java.util.List;
import java.util.Set;

/**
 * A language, as one plug-in: how its code runs (files and command line: {@link #plan}, {@link #kernelPlan},
 * {@link #installPlan}), how security policies read it ({@link #scanner()}) and what they look for in it
 * ({@link #defaultRules()}), and which image recipe builds its default image ({@link #imageRecipe()}). Stateless, no
 * I/O; registered in {@code META-INF/services/dev.sandbox4j.spi.LanguageHandler} (or handed to
 * {@code SandboxClient.builder().language(handler)}). Adding a language means writing one of these (plus, for the
 * Docker backend's image builder, a recipe directory {@code images/<imageRecipe>/}).
 *
 * @since 0.1
 */
public interface LanguageHandler extends LanguagePlugin {
    /** Canonical id, lower case, e.g. {@code "python"}. */
    String id();

    /** Other names accepted for this language, e.g. {@code "py"}. */
    default Set<String> aliases() {
        return Set.of();
    }

    /**
     * File name extensions of programs in this language, lower case and without the dot, e.g. {@code "py"}. Tools
     * infer a file's language from them ({@code sandbox4j run hello.py}; see
     * {@code LanguageRegistry.forFileName}); extensions are compared ignoring case ({@code .R} is {@code r}).
     * Default: none.
     *
     * @since 0.1
     */
    default Set<String> fileExtensions() {
        return Set.of();
    }

    /** Image used when the session does not name one, e.g. {@code "sandbox4j/python:bookworm"}. */
    String defaultImage();

    /**
     * Whether programs must be able to execute files they build (compiled languages): the session's work directory
     * is then mounted executable, and build output goes to {@code $HOME/.cache} in it. Default false.
     */
    default boolean needsExecutableWorkdir() {
        return false;
    }

    /**
     * The lexer security policies use for this language: it finds comments, string literals and imports, so that rules
     * see code, not text. {@code null} (the default) means the engine's generic scanner, a heuristic that finds no
     * imports; every built-in language brings its own.
     */
    default @org.jspecify.annotations.Nullable SourceScanner scanner() {
        return null;
    }

    /**
     * The language's default security rules: patterns and restricted modules, each tagged with the {@link RuleTier}
     * from which on a policy applies it. Policies hold none of them; when the engine checks code of this language, it
     * hands these to the policy, which applies those of its tier ({@code SecurityPolicy.production()} applies every
     * rule tagged development or production). Build them once (a constant). Default: none.
     *
     * @since 0.2
     */
    default LanguageRules defaultRules() {
        return LanguageRules.none(id());
    }

    /**
     * The name of the image recipe that builds {@link #defaultImage()}: a directory {@code images/<name>/} with a
     * Dockerfile built {@code FROM} sandbox4j's base image, which the Docker backend ships and
     * {@code sandbox4j images build} builds as {@code sandbox4j/<name>:bookworm}. Default: {@link #id()}. A language
     * whose recipe the image builder does not have is reported by {@code sandbox4j images build} and
     * {@code sandbox4j doctor}; its image must then come from elsewhere.
     *
     * @since 0.2
     */
    default String imageRecipe() {
        return id();
    }

    /**
     * Plans one run.
     *
     * @param code    the program, never blank
     * @param context where the files go and the program's arguments
     */
    ExecutionPlan plan(String code, PlanContext context);

    /**
     * The fork server of this language, if it has one: a long-lived process started beside the box's runner that
     * imports {@code preload} once and then forks a child per stateless run instead of starting an interpreter (only
     * its argv and environment count; it speaks the runner's fork-server channel, see the Python plug-in's
     * {@code sandbox4j_zygote.py}). Its runs are the plans of {@link #plan} without a compile step, run as their argv's
     * script. Default: none.
     *
     * @param preload modules to import once, or {@code null} for the language's default
     * @since 0.2
     */
    default @org.jspecify.annotations.Nullable ExecutionPlan forkServerPlan(
            java.util.@org.jspecify.annotations.Nullable List<String> preload) {
        return null;
    }

    /**
     * Plans the start of a kernel: a long-lived interpreter for stateful sessions that speaks sandbox4j's kernel
     * protocol on its standard input and output (4-byte big-endian length + UTF-8 JSON frames; see
     * {@code sandbox4j_kernel.py}). The plan's {@code argv} keeps running; its standard input stays connected.
     *
     * @return the plan, or {@code null} if the language has no kernel
     */
    default @org.jspecify.annotations.Nullable ExecutionPlan kernelPlan(PlanContext context) {
        return null;
    }

    /**
     * Plans the installation of libraries with the language's package manager. The plan's {@code argv} runs as the
     * sandbox user with the network connected; its {@code compile} step, if any, runs first. Libraries go under
     * {@link InstallContext#home()}, where later {@link #plan} runs find them.
     *
     * @param libraries library specifications in the package manager's syntax (never empty, none blank)
     * @throws IllegalArgumentException if a specification is malformed (e.g. looks like an option)
     * @throws UnsupportedOperationException if the language has no package manager support
     */
    default ExecutionPlan installPlan(List<String> libraries, InstallContext context) {
        throw new UnsupportedOperationException("installing libraries is not supported for " + id());
    }
}
