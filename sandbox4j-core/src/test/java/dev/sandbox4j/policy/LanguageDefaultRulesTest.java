package dev.sandbox4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.Sandbox4j;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.core.LanguageRegistry;
import dev.sandbox4j.core.policy.scan.GenericScanner;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import dev.sandbox4j.testing.FakeBackend;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The languages' default rules come from their plug-ins: a policy holds a tier, its own rules and what it removed; the
 * engine hands each check the language's rules.
 */
class LanguageDefaultRulesTest {
    /** A language with one rule per tier, checked through the generic scanner. */
    static final LanguageRules TIERED = LanguageRules.builder("toy")
            .pattern(RuleTier.PERMISSIVE, pattern("toy.p", "\\bpermissive_call\\b"))
            .pattern(RuleTier.DEVELOPMENT, pattern("toy.d", "\\bdevelopment_call\\b"))
            .pattern(RuleTier.PRODUCTION, pattern("toy.pr", "\\bproduction_call\\b"))
            .pattern(RuleTier.STRICT, pattern("toy.s", "\\bstrict_call\\b"))
            .build();

    private static SecurityPattern pattern(String id, String regex) {
        return new SecurityPattern(id, regex, id, Severity.HIGH, PatternScope.CODE, Set.of("toy"));
    }

    private static List<String> fired(SecurityPolicy p, LanguageRules rules, String code) {
        return p.check("toy", code, new GenericScanner(), rules).violations().stream().map(Violation::rule).toList();
    }

    @Test
    void presetsHoldNoLanguageRulesButApplyThemByTier() {
        for (SecurityPolicy p : List.of(SecurityPolicy.permissive(), SecurityPolicy.development(),
                SecurityPolicy.production(), SecurityPolicy.strict())) {
            assertThat(p.patterns()).as(p.name()).extracting(SecurityPattern::id).allMatch(id -> id.startsWith("any."));
            assertThat(p.restrictedModules()).as(p.name()).isEmpty();
            assertThat(p.defaultRuleTier().wireName()).isEqualTo(p.name());
        }
        assertThat(SecurityPolicy.builder().build().defaultRuleTier()).isEqualTo(RuleTier.NONE);
        String all = "permissive_call() development_call() production_call() strict_call()";
        assertThat(fired(SecurityPolicy.permissive(), TIERED, all)).containsExactly("pattern:toy.p");
        assertThat(fired(SecurityPolicy.development(), TIERED, all)).containsExactly("pattern:toy.p", "pattern:toy.d");
        assertThat(fired(SecurityPolicy.production(), TIERED, all))
                .containsExactly("pattern:toy.p", "pattern:toy.d", "pattern:toy.pr");
        assertThat(fired(SecurityPolicy.strict(), TIERED, all)).hasSize(4);
        assertThat(fired(SecurityPolicy.builder().build(), TIERED, all)).isEmpty();
        assertThat(fired(SecurityPolicy.strict(), null, all)).as("no rules handed in").isEmpty();
    }

    @Test
    void everyBuiltInLanguageBringsItsScannerAndRules() {
        for (LanguageHandler h : LanguageRegistry.discover(List.of()).handlers()) {
            assertThat(h.scanner()).as(h.id()).isNotNull();
            LanguageRules rules = h.defaultRules();
            assertThat(rules.language()).isEqualTo(h.id());
            assertThat(rules.patterns(RuleTier.STRICT)).as(h.id()).isNotEmpty()
                    .allSatisfy(p -> assertThat(p.id()).startsWith(h.id() + "."));
            assertThat(rules.restrictedModules(RuleTier.STRICT)).as(h.id()).isNotEmpty();
            // today every built-in language rule applies from development on (permissive: only any.*)
            assertThat(rules.patterns(RuleTier.PERMISSIVE)).isEmpty();
            assertThat(rules.patterns(RuleTier.DEVELOPMENT)).isEqualTo(rules.patterns(RuleTier.STRICT));
            assertThat(h.imageRecipe()).isEqualTo(h.id());
        }
    }

    @Test
    void expandWritesOutEveryRuleAPolicyApplies() {
        SecurityPolicy strict = Sandbox4j.expand(SecurityPolicy.strict());
        int languageRules = LanguageRegistry.discover(List.of()).handlers().stream()
                .mapToInt(h -> h.defaultRules().size()).sum();
        assertThat(strict.patterns().size() + strict.restrictedModules().size()).isEqualTo(5 + languageRules);
        assertThat(strict.defaultRuleTier()).isEqualTo(RuleTier.NONE);
        assertThat(strict.name()).isEqualTo("strict");
        assertThat(Sandbox4j.expand(SecurityPolicy.permissive()).patterns()).hasSize(5);
        // the expanded policy checks as the preset does
        String code = "import os, socket\nos.system('ls')\nopen('x', 'w')";
        assertThat(Sandbox4j.check("python", code, strict).violations())
                .isEqualTo(Sandbox4j.check("python", code, SecurityPolicy.strict()).violations());
    }

    @Test
    void removeTakesOutALanguagesDefaultRuleAndSurvivesAFile() {
        SecurityPolicy p = SecurityPolicy.production().toBuilder()
                .remove("pattern:python.eval").remove("module:python:requests").build();
        assertThat(p.removedDefaultRules()).containsExactly("module:python:requests", "pattern:python.eval");
        assertThat(Sandbox4j.check("python", "import requests\neval('1')", p).violations()).isEmpty();
        assertThat(Sandbox4j.expand(p).patterns()).extracting(SecurityPattern::id).doesNotContain("python.eval")
                .contains("python.os-system");

        String text = PolicyFiles.toText(p, false);
        assertThat(text).contains("default_rules: production").contains("- module:python:requests");
        SecurityPolicy back = PolicyFiles.parse(text, false);
        assertThat(back.defaultRuleTier()).isEqualTo(RuleTier.PRODUCTION);
        assertThat(back.removedDefaultRules()).isEqualTo(p.removedDefaultRules());
        assertThat(Sandbox4j.check("python", "import requests\neval('1')", back).violations()).isEmpty();
        assertThat(Sandbox4j.check("python", "import socket", back).allowed()).isFalse();
    }

    @Test
    void removeRefusesRulesNoLanguageHasOrTheTierDoesNotApply() {
        assertThatThrownBy(() -> SecurityPolicy.production().toBuilder().remove("pattern:python.nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No rule 'pattern:python.nope'");
        assertThatThrownBy(() -> SecurityPolicy.permissive().toBuilder().remove("module:python:os"))
                .as("permissive applies no python rule").hasMessageContaining("No rule 'module:python:os'");
        assertThatThrownBy(() -> SecurityPolicy.builder().remove("pattern:python.eval"))
                .hasMessageContaining("No rule 'pattern:python.eval' in policy 'custom'");
        assertThatThrownBy(() -> PolicyFiles.parse("extends: strict\nremove: [module:python:oss]\n", false))
                .hasMessageContaining("No rule 'module:python:oss'");
    }

    @Test
    void anOwnRuleWithADefaultRulesIdReplacesIt() {
        SecurityPolicy p = SecurityPolicy.production().toBuilder()
                .addPattern(new SecurityPattern("python.eval", "(?<![\\w.])eval\\s*\\(", "eval, tolerated here",
                        Severity.LOW, PatternScope.CODE, Set.of("python")))
                .build();
        PolicyVerdict v = Sandbox4j.check("python", "eval('1')", p);
        assertThat(v.allowed()).isTrue();
        assertThat(v.violations()).singleElement().satisfies(x -> {
            assertThat(x.rule()).isEqualTo("pattern:python.eval");
            assertThat(x.severity()).isEqualTo(Severity.LOW);
        });
        assertThat(Sandbox4j.expand(p).patterns()).filteredOn(x -> x.id().equals("python.eval")).singleElement()
                .extracting(SecurityPattern::severity).isEqualTo(Severity.LOW);
    }

    @Test
    void aPolicyFileChoosesItsTier() {
        assertThat(Sandbox4j.check("python", "import requests",
                PolicyFiles.parse("extends: production\ndefault_rules: none\n", false)).violations()).isEmpty();
        SecurityPolicy own = PolicyFiles.parse("name: mine\nthreshold: medium\ndefault_rules: Production\n", false);
        assertThat(own.defaultRuleTier()).isEqualTo(RuleTier.PRODUCTION);
        assertThat(own.patterns()).isEmpty();
        assertThat(Sandbox4j.check("python", "import requests", own).allowed()).isFalse();
        assertThatThrownBy(() -> PolicyFiles.parse("default_rules: paranoid\n", false))
                .hasMessageContaining("Expected default rule tier one of [none, permissive, development, production, "
                        + "strict] but was 'paranoid'");
        assertThat(PolicyFiles.toText(SecurityPolicy.builder().build(), false)).doesNotContain("default_rules");
    }

    @Test
    void aLanguageAddedToOneClientBringsItsRulesToEveryPreset() {
        LanguageHandler toy = new LanguageHandler() {
            @Override
            public String id() {
                return "toy";
            }

            @Override
            public String defaultImage() {
                return "toy:1";
            }

            @Override
            public LanguageRules defaultRules() {
                return TIERED;
            }

            @Override
            public ExecutionPlan plan(String code, PlanContext context) {
                return new ExecutionPlan(Map.of("main.toy", code.getBytes()), List.of("toy"), Map.of());
            }
        };
        try (SandboxClient client = SandboxClient.builder().backendFactory(new FakeBackend().factory())
                .reapOrphans(false).language(toy).build()) {
            assertThat(client.check("toy", "# development_call()\nproduction_call()", SecurityPolicy.production())
                    .blocking()).extracting(Violation::rule).containsExactly("pattern:toy.pr");
            assertThat(client.check("toy", "production_call()", SecurityPolicy.development()).allowed()).isTrue();
        }
    }
}
