package dev.sandbox4j.policy;

import dev.sandbox4j.Sandbox4j;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 3: a policy's own regex must not be able to hang the check. The attack: a request (or policy
 * file) carries {@code a.*a.*a.*a.*b}, which backtracks in O(n^4) on java.util.regex (200 characters took 16 s).
 */
@Tag("hostile")
class PolicyRegexHostileTest {
    static final String CATASTROPHIC = "a.*a.*a.*a.*b";

    static SecurityPolicy requestPolicy(String regex) {
        return PolicyFiles.parse("{\"name\": \"mine\", \"patterns\": [{\"id\": \"no-ab\", \"regex\": \"" + regex
                + "\", \"severity\": \"high\"}]}", true);
    }

    @Test
    void aCatastrophicPatternFromARequestRunsInLinearTime() {
        SecurityPolicy policy = requestPolicy(CATASTROPHIC);
        // the structural guarantee: the request's pattern runs on RE2/J, which never backtracks
        assertThat(CompiledPattern.of(CATASTROPHIC).linearTime).isTrue();
        assertThat(CompiledPattern.of(CATASTROPHIC).builtIn).isFalse();
        String code = "a".repeat(20_000) + " = 1"; // code, not a string literal: patterns see code by default
        // java.util.regex would need ages on this (16 s for 200 characters); RE2/J needs milliseconds. The bound is
        // generous on purpose (a shared, slow machine): it only has to fail when the check backtracks.
        PolicyVerdict v = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> Sandbox4j.check("python", code, policy));
        assertThat(v.allowed()).isTrue();
        assertThat(v.violations()).isEmpty();
        assertThat(Sandbox4j.check("python", "aaaab = 1", policy).violations()).extracting(Violation::rule)
                .containsExactly("pattern:no-ab");
    }

    @Test
    void patternsRe2CannotRunAreRefusedWithAClearMessage() {
        assertThatThrownBy(() -> requestPolicy("(?<!x)y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("patterns[0]: pattern 'no-ab': regex '(?<!x)y' is not supported by the "
                        + "linear-time regex engine (RE2 syntax)")
                .hasMessageContaining("no look-ahead, look-behind, back-references");
        assertThatThrownBy(() -> requestPolicy("(a)\\\\1")).hasMessageContaining("not supported by the linear-time");
    }

    @Test
    void theBuiltInRulesKeepTheirEngineAndSurviveARoundTripThroughAFile() {
        // the built-in rules use look-behind (RE2 has none): they are vetted and stay on java.util.regex (a language's
        // rules come from its plug-in: the expanded preset lists them as its own)
        SecurityPattern eval = Sandbox4j.expand(SecurityPolicy.production()).patterns().stream()
                .filter(p -> p.id().equals("python.eval")).findFirst().orElseThrow();
        assertThat(eval.regex()).contains("(?<!");
        assertThat(CompiledPattern.of(eval.regex()).builtIn).isTrue();
        assertThat(CompiledPattern.of(eval.regex()).linearTime).isFalse();
        // so a policy file written from a preset loads again, and its copies of the built-in rules still fire
        SecurityPolicy back = PolicyFiles.parse(PolicyFiles.toText(Sandbox4j.expand(SecurityPolicy.production()), true),
                true);
        assertThat(Sandbox4j.check("python", "eval('1')", back).violations()).extracting(Violation::rule)
                .contains("pattern:python.eval");
    }

    @Test
    void patternCountAndLengthAreCapped() {
        String many = IntStream.range(0, PolicyFiles.MAX_PATTERNS + 1)
                .mapToObj(i -> "{\"id\": \"p" + i + "\", \"regex\": \"x" + i + "\", \"severity\": \"low\"}")
                .collect(Collectors.joining(",", "{\"patterns\": [", "]}"));
        assertThatThrownBy(() -> PolicyFiles.parse(many, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("at most 128 patterns are allowed, got 129");
        assertThatThrownBy(() -> requestPolicy("x".repeat(PolicyFiles.MAX_REGEX_LENGTH + 1)))
                .hasMessage("patterns[0].regex is 1001 characters; at most 1000 are allowed");
        assertThat(requestPolicy("x".repeat(PolicyFiles.MAX_REGEX_LENGTH)).patterns()).hasSize(1);
    }

    @Test
    void aPatternOnlyJavaCanRunIsStoppedByTheTimeBudgetAndTheCodeIsBlocked() {
        // from code (a library caller), not from a request: RE2/J cannot compile the look-ahead, so it runs on
        // java.util.regex, where it backtracks in O(n^4); the budget stops it and the check fails closed
        String slow = "(?=a)" + CATASTROPHIC;
        assertThat(CompiledPattern.of(slow).linearTime).isFalse();
        assertThat(Pattern.compile(slow)).isNotNull();
        SecurityPolicy policy = SecurityPolicy.builder().threshold(Severity.HIGH)
                .addPattern(SecurityPattern.of("slow", slow, "slow", Severity.LOW))
                .patternBudget(Duration.ofMillis(100))
                .build();
        PolicyVerdict v = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> Sandbox4j.check("python", "a".repeat(5_000) + " = 1", policy));
        assertThat(v.allowed()).isFalse();
        assertThat(v.violations()).extracting(Violation::rule).containsExactly("pattern-budget");
        assertThat(v.violations().get(0).description()).contains("took longer than").contains("'slow'");
    }
}
