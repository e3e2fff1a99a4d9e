package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Severity.HIGH;

import java.util.List;
import java.util.Set;

/**
 * The built-in rules that know no language (ids {@code any.*}): blatantly destructive commands, in code or in strings.
 * Every preset carries them as its own patterns. The rules of each language come from its plug-in
 * ({@link LanguageRules}); severities follow one scale across languages: HIGH = runs other programs or native code,
 * MEDIUM = escapes static checking or reaches outside (eval, dynamic import, deletion, network, deserialisation,
 * reflection, cloud SDKs), LOW = touches the box (file writes, processes/threads, environment, os-level modules).
 */
final class AnyLanguageRules {
    private AnyLanguageRules() {}

    /**
     * {@code rm -rf /} written as an argument list rather than a shell command: {@code ["rm", "-rf", "/"]} (Python's
     * subprocess, Java's ProcessBuilder and Runtime.exec arrays, Go's exec.Command), {@code spawn('rm', ['-r', '-f',
     * '/*'])} (Node) and {@code system2("rm", c("-rf", "/"))} (R): the quoted {@code rm} (or {@code /bin/rm}), then
     * only quoted options with an r or f ({@code --recursive}, {@code --force} and {@code --no-preserve-root}
     * included) up to a quoted {@code /} or {@code /*}. Between elements only commas, whitespace and the opening of a
     * list or call ({@code [}, {@code {}, {@code c(}, {@code args = }) may stand, so {@code ["rm", "-rf", "/tmp/x"]}
     * and an {@code "rm"} followed by unrelated strings do not match.
     */
    static final String RM_RF_ROOT_ARGV;

    static {
        String sep = "\\s*,\\s*(?:\\w+\\s*=\\s*)?(?:(?:c|list|List\\.of|Arrays\\.asList|arrayOf|listOf)\\s*\\(\\s*"
                + "|\\[\\s*|\\{\\s*|new\\s+String\\s*\\[\\s*]\\s*\\{\\s*)?";
        String option = "(?:-[a-zA-Z]*[rRf][a-zA-Z]*|--recursive|--force|--no-preserve-root)";
        RM_RF_ROOT_ARGV = "([\"'])(?:/usr)?(?:/bin/)?rm\\1" + "(?:" + sep + "([\"'])" + option + "\\2)+" + sep
                + "([\"'])/\\*?\\3";
    }

    /** Blatantly destructive, any language (also inside strings: they are usually shell commands). */
    static List<SecurityPattern> destructive() {
        return List.of(
                new SecurityPattern("any.fork-bomb", ":\\s*\\(\\s*\\)\\s*\\{\\s*:\\s*\\|\\s*:\\s*&\\s*\\}",
                        "shell fork bomb", HIGH, PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.rm-rf-root", "\\brm\\s+(-[a-zA-Z]*[rf][a-zA-Z]*\\s+)+(--no-preserve-root\\s+)?/(\\s|\\*|['\"]|$)",
                        "recursive deletion of the root filesystem", HIGH, PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.rm-rf-root-argv", RM_RF_ROOT_ARGV,
                        "recursive deletion of the root filesystem (rm with its arguments as a list)", HIGH,
                        PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.mkfs", "\\bmkfs(\\.\\w+)?\\s+/dev/", "formats a disk", HIGH,
                        PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.raw-disk-write", "\\bdd\\s+[^\\n]*\\bof=/dev/(sd|nvme|vd|xvd|hd)",
                        "writes to a raw disk", HIGH, PatternScope.CODE_AND_STRINGS, Set.of()));
    }
}
