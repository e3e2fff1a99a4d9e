package dev.sandbox4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Violation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunResultsTest {
    @Test
    void blockedByPolicyNamesThePolicyTheCountAndTheFirstViolation() {
        PolicyVerdict v = SecurityPolicy.production().check("python", "import subprocess\nsubprocess.run(['id'])");
        ExecutionResult r = RunResults.blockedByPolicy(v);
        assertThat(r.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
        assertThat(r.exitCode()).isEqualTo(-1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.killReason())
                .startsWith("blocked by policy 'production': 1 violation(s) at or above medium, first: ")
                .contains("subprocess");
        assertThat(r.violations()).isEqualTo(v.violations());
    }

    @Test
    void finishWithoutSanitizerOnlyAttachesFindings() {
        ExecutionResult raw = new ExecutionResult("out", "err", 0, Duration.ofMillis(5), ExecutionStatus.OK, null,
                false, false);
        assertThat(RunResults.finish(raw, List.of(), null)).isSameAs(raw);
        List<Violation> findings =
                SecurityPolicy.production().check("python", "import os\nos.system('id')").violations();
        assertThat(findings).isNotEmpty();
        assertThat(RunResults.finish(raw, findings, null).violations()).isEqualTo(findings);
    }

    @Test
    void finishSanitizesBothStreamsAndCountsRedactionsPerKind() {
        String key = "AKIAIOSFODNN7EXAMPLE";
        ExecutionResult raw = new ExecutionResult(key + "\n", key + " " + key + "\n", 1, Duration.ofMillis(5),
                ExecutionStatus.NONZERO_EXIT, null, false, false);
        ExecutionResult r = RunResults.finish(raw, List.of(), OutputSanitizer.defaults());
        assertThat(r.stdout()).doesNotContain(key);
        assertThat(r.stderr()).doesNotContain(key);
        assertThat(r.redactions()).hasSize(1);
        assertThat(r.redactions().get(0).count()).isEqualTo(3);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.status()).isEqualTo(ExecutionStatus.NONZERO_EXIT);
    }
}
