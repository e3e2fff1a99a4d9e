package dev.sandbox4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox4j.ResultView;
import dev.sandbox4j.LanguageInfo;
import dev.sandbox4j.Sandbox4j;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Violation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sandbox4j check}: screens code with a security policy, without running it (no engine needed). */
@Command(mixinStandardHelpOptions = true, name = "check",
        description = {"Check code against a security policy without running it (no container engine needed).",
            "Prints each violation as LINE:COLUMN SEVERITY RULE - DESCRIPTION."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:allowed", "1:blocked by the policy", "2:invalid usage"},
        footer = {"", "Examples:", "  sandbox4j check script.py",
            "  sandbox4j check --lang js --preset strict --json -c \"require('child_process')\""})
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-l", "--lang"}, paramLabel = "LANG", completionCandidates = Registries.Languages.class,
            description = "Language of the code: ${COMPLETION-CANDIDATES}, or an alias (see Languages below). "
                    + "Default: from the FILE's extension.")
    @Nullable String language;

    @Option(names = {"-c", "--code"}, paramLabel = "CODE", description = "Code to check.")
    @Nullable String code;

    @Parameters(arity = "0..1", paramLabel = "FILE|-", description = "File to check (- for standard input).")
    @Nullable String file;

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Option(names = "--json", description = "Print the verdict as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        String text = code;
        if (code != null && file != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give -c CODE or a FILE, not both");
        } else if (code == null && file == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing code: give -c CODE, a FILE, or - to read standard input");
        }
        LanguageInfo handler;
        if (language != null) {
            handler = Sandbox4j.language(language).orElseThrow(() -> new CommandLine.ParameterException(
                    spec.commandLine(), "Expected language one of " + Registries.ids() + " but was '"
                            + dev.sandbox4j.text.Texts.sanitize(language, 40) + "'"));
        } else if (file != null && !file.equals("-")) {
            handler = Sandbox4j.languageForFile(file).orElseThrow(() -> new CommandLine.ParameterException(
                    spec.commandLine(), "Cannot tell the language of '" + file + "' from its extension (known: "
                            + Registries.extensionList() + "); give --lang LANG"));
        } else {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing --lang LANG (needed with "
                    + (code != null ? "-c CODE" : "code on standard input") + "): one of " + Registries.ids());
        }
        if (code == null) {
            byte[] bytes;
            if (file.equals("-")) {
                bytes = System.in.readAllBytes();
            } else {
                try {
                    bytes = Files.readAllBytes(Path.of(file));
                } catch (NoSuchFileException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "File not found: '" + file + "'");
                }
            }
            try {
                text = ProgramText.decode(bytes, file.equals("-") ? "The code on standard input" : "'" + file + "'");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        SecurityPolicy policy = policyOptions.resolve(SecurityPolicy.production());
        long t0 = System.nanoTime();
        PolicyVerdict v = Sandbox4j.check(handler.id(), text, policy);
        long micros = (System.nanoTime() - t0) / 1000;
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("language", handler.id());
            m.put("policy", v.policy());
            m.put("threshold", v.threshold().wireName());
            m.put("allowed", v.allowed());
            m.put("highest_severity", v.highestSeverity().wireName());
            m.put("violations", ResultView.violations(v.violations()));
            m.put("scan_micros", micros);
            out.println(new ObjectMapper().writeValueAsString(m));
        } else {
            for (Violation x : v.violations()) {
                boolean blocking = x.severity().compareTo(v.threshold()) >= 0;
                out.println((file != null && !file.equals("-") ? file + ":" : "") + x
                        + (blocking ? "" : "  (below threshold)"));
            }
            out.println((v.allowed() ? "allowed" : "BLOCKED") + " by policy '" + v.policy() + "' (threshold "
                    + v.threshold().wireName() + ", " + v.violations().size() + " finding(s), "
                    + v.blocking().size() + " blocking; scanned " + text.length() + " chars in " + micros + " µs)");
        }
        out.flush();
        return v.allowed() ? 0 : 1;
    }
}
