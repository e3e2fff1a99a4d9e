package dev.sandbox4j.core.support;

import dev.sandbox4j.Sandbox4j;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Violation;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class RunResultsTest {
    @Test
    void blockedByPolicyNamesThePolicyTheCountAndTheFirstViolation() {
        PolicyVerdict v = Sandbox4j.check("python", "import subprocess\nsubprocess.run(['id'])", SecurityPolicy.production());
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
                Sandbox4j.check("python", "import os\nos.system('id')", SecurityPolicy.production()).violations();
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

    private static final OutputSanitizer SANITIZER = OutputSanitizer.defaults().toBuilder().homePaths(List.of()).build();

    private static ExecutionResult withArtifacts(String stdout, List<Artifact> artifacts) {
        return new ExecutionResult(stdout, "", 0, Duration.ofMillis(5), ExecutionStatus.OK, null, false, false,
                List.of(), List.of(), artifacts);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Tag("hostile")
    @Test
    void finishSanitisesTextArtifactsAndCountsTheirRedactionsWithStdout() throws Exception {
        List<Artifact> artifacts = List.of(
                Artifact.of("out/config.json", utf8("{\"password\": [\"a\", \"b\"], \"user\": \"bob\"}")),
                Artifact.of("report.csv", utf8("user,password\nbob,hunter2\n")),
                Artifact.of("notes.md", utf8("use ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 here\n")),
                Artifact.of("debug.log", utf8("PASSWORD=a b c\n"))); // unknown type, but UTF-8 text
        ExecutionResult r = RunResults.finish(withArtifacts("token=t0k3n\n", artifacts), List.of(), SANITIZER);

        assertThat(r.stdout()).isEqualTo("token=[REDACTED:password]\n");
        assertThat(text(r.artifacts().get(0))).isEqualTo("{\"password\": \"[REDACTED:password]\", \"user\": \"bob\"}");
        new ObjectMapper().readTree(r.artifacts().get(0).content()); // still JSON
        assertThat(text(r.artifacts().get(1))).isEqualTo("user,password\nbob,[REDACTED:password]\n");
        assertThat(text(r.artifacts().get(2))).isEqualTo("use [REDACTED:github_token] here\n");
        assertThat(text(r.artifacts().get(3))).isEqualTo("PASSWORD=[REDACTED:password]\n");
        assertThat(r.artifacts()).extracting(Artifact::name, Artifact::mimeType).containsExactly(
                org.assertj.core.groups.Tuple.tuple("out/config.json", "application/json"),
                org.assertj.core.groups.Tuple.tuple("report.csv", "text/csv"),
                org.assertj.core.groups.Tuple.tuple("notes.md", "text/markdown"),
                org.assertj.core.groups.Tuple.tuple("debug.log", "application/octet-stream"));
        assertThat(r.artifacts().get(1).size()).isEqualTo(r.artifacts().get(1).content().length);
        assertThat(r.redactions()).containsExactly(new Redaction("password", 4), new Redaction("github_token", 1));
    }

    @Test
    void finishLeavesBinaryArtifactsAndCleanTextAlone() {
        byte[] png = new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
            'p', 'a', 's', 's', 'w', 'o', 'r', 'd', '=', 'h', 'u', 'n', 't', 'e', 'r', '2'};
        byte[] bin = new byte[] {'p', 'a', 's', 's', 'w', 'o', 'r', 'd', '=', 'x', 0, 1, 2};
        Artifact plot = Artifact.of("figure-1.png", png);
        Artifact blob = Artifact.of("state.bin", bin);
        Artifact clean = Artifact.of("result.txt", utf8("42\n"));
        ExecutionResult r = RunResults.finish(withArtifacts("", List.of(plot, blob, clean)), List.of(), SANITIZER);

        assertThat(r.artifacts().get(0)).isSameAs(plot);
        assertThat(r.artifacts().get(1)).isSameAs(blob);
        assertThat(r.artifacts().get(2)).isSameAs(clean);
        assertThat(r.redactions()).isEmpty();
    }

    @Test
    void finishKeepsBytesOfTextThatIsNotUtf8() {
        byte[] latin1 = "café password=hunter2\n".getBytes(StandardCharsets.ISO_8859_1);
        ExecutionResult r = RunResults.finish(
                withArtifacts("", List.of(Artifact.of("notes.txt", latin1))), List.of(), SANITIZER);

        assertThat(r.artifacts().get(0).content())
                .isEqualTo("café password=[REDACTED:password]\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    @Tag("hostile")
    @Test
    void finishSanitisesACellsTextOutputsButNotItsImages() {
        CellOutput cell = new CellOutput(3, Map.of("text/plain", "{'token': 'abc123'}", "image/png", "aGVsbG8="),
                List.of(Map.of("text/html", "<td>password=hunter2</td>")),
                new CellOutput.CellError("KeyError", "DB_PASSWORD=hunter2",
                        List.of("File \"x.py\", line 1", "postgres://app:s3cr3t@db/app")),
                false);
        ExecutionResult raw = new ExecutionResult("", "", 1, Duration.ofMillis(5), ExecutionStatus.NONZERO_EXIT, null,
                false, false, List.of(), List.of(), List.of(), cell);

        ExecutionResult r = RunResults.finish(raw, List.of(), SANITIZER);

        CellOutput c = r.cell();
        assertThat(c).isNotNull();
        assertThat(c.executionCount()).isEqualTo(3);
        assertThat(c.value()).containsEntry("text/plain", "{'token': '[REDACTED:password]'}")
                .containsEntry("image/png", "aGVsbG8=");
        assertThat(c.displays().get(0)).containsEntry("text/html", "<td>password=[REDACTED:password]</td>");
        assertThat(c.error().value()).isEqualTo("DB_PASSWORD=[REDACTED:password]");
        assertThat(c.error().traceback()).containsExactly(
                "File \"x.py\", line 1", "postgres://app:[REDACTED:url_credentials]@db/app");
        assertThat(r.redactions()).containsExactly(new Redaction("password", 3), new Redaction("url_credentials", 1));
    }

    @Test
    void isTextKnowsTextTypesAndNotBinaryOnes() {
        assertThat(List.of("text/plain", "text/csv", "application/json", "application/xml", "image/svg+xml",
                "application/ld+json", "text/html; charset=utf-8", "application/x-yaml"))
                .allMatch(RunResults::isText);
        assertThat(List.of("image/png", "application/pdf", "application/zip", "application/octet-stream",
                "application/vnd.apache.parquet")).noneMatch(RunResults::isText);
    }

    private static String text(Artifact a) {
        return new String(a.content(), StandardCharsets.UTF_8);
    }
}
