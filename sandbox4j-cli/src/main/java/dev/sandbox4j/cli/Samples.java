package dev.sandbox4j.cli;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Tiny programs per language that print a word (doctor's smoke test, bench). */
final class Samples {
    private Samples() {}

    /** The languages (of the registry) that have a sample program. */
    static List<String> languages() {
        return Registries.ids().stream().filter(l -> printing(l, "x") != null).toList();
    }

    /** A program printing {@code word} and a newline, or {@code null} for a language without a sample. */
    static @Nullable String printing(String language, String word) {
        return switch (language.toLowerCase(Locale.ROOT)) {
            case "python", "py", "python3" -> "print('" + word + "')";
            case "javascript", "js", "node", "nodejs" -> "console.log('" + word + "')";
            case "java", "jdk" -> "class Main { public static void main(String[] a) { System.out.println(\"" + word
                    + "\"); } }";
            case "cpp", "c++", "cxx", "g++" -> "#include <cstdio>\nint main() { std::puts(\"" + word + "\"); }";
            case "go", "golang" -> "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"" + word + "\") }";
            case "r", "rscript", "rlang" -> "cat('" + word + "\\n')";
            case "ruby", "rb" -> "puts '" + word + "'";
            default -> null;
        };
    }
}
