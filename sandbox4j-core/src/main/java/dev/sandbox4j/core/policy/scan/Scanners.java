package dev.sandbox4j.core.policy.scan;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.policy.SourceScanner;
import java.util.Locale;

/**
 * The built-in {@link SourceScanner} for a language id. Scanners are stateless and cheap, so each call returns a new
 * one (no shared instances).
 */
public final class Scanners {
    private Scanners() {}

    /** The handler's own scanner if it has one, else the built-in one for its id. */
    public static SourceScanner forHandler(LanguageHandler handler) {
        SourceScanner own = handler.scanner();
        return own != null ? own : forLanguage(handler.id());
    }

    /**
     * The scanner for {@code languageId} (case-insensitive): {@code python}, {@code javascript}, {@code java},
     * {@code cpp} (also {@code c}, {@code c++}), {@code go}, {@code r} and a few common aliases; a {@link GenericScanner}
     * for anything else.
     */
    public static SourceScanner forLanguage(String languageId) {
        requireNonNull(languageId, "languageId");
        return switch (languageId.strip().toLowerCase(Locale.ROOT)) {
            case "python", "python3", "py" -> new PythonScanner();
            case "javascript", "js", "node", "nodejs" -> new JavaScriptScanner();
            case "java" -> new JavaScanner();
            case "cpp", "c", "c++", "cxx", "cc" -> new CppScanner();
            case "go", "golang" -> new GoScanner();
            case "r" -> new RScanner();
            default -> new GenericScanner();
        };
    }
}
