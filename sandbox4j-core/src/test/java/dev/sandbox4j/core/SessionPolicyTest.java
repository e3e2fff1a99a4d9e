package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.JsonLinesAuditListener;
import dev.sandbox4j.PolicyDecisionEvent;
import dev.sandbox4j.RunEvent;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SessionEvent;
import dev.sandbox4j.policy.OutputSanitizer;
import dev.sandbox4j.policy.PolicyVerdict;
import dev.sandbox4j.policy.Redaction;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.policy.Violation;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionPolicyTest {
    final FakeBackend backend = new FakeBackend();
    final List<Object> events = new CopyOnWriteArrayList<>();
    final StringWriter jsonLines = new StringWriter();
    final SandboxClient client = SandboxClient.builder()
            .backendFactory(backend.factory())
            .reapOrphans(false)
            .principal("alice")
            .eventListener(SandboxEventListener.composite(new SandboxEventListener() {
                @Override
                public void sessionOpened(SessionEvent e) {
                    events.add(e);
                }

                @Override
                public void sessionClosed(SessionEvent e) {
                    events.add(e);
                }

                @Override
                public void policyDecision(PolicyDecisionEvent e) {
                    events.add(e);
                }

                @Override
                public void runFinished(RunEvent e) {
                    events.add(e);
                }
            }, JsonLinesAuditListener.toWriter(jsonLines)))
            .build();

    @AfterEach
    void close() {
        client.close();
    }

    SandboxSession session(SecurityPolicy policy) {
        return client.openSession("python", SessionOptions.builder().policy(policy).build());
    }

    @Test
    void blockedRunStartsNoProcessAndReturnsViolations() {
        try (SandboxSession s = session(SecurityPolicy.production())) {
            ExecutionResult r = s.run("import subprocess\nsubprocess.run(['id'])");
            assertThat(r.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
            assertThat(r.exitCode()).isEqualTo(-1);
            assertThat(r.killReason()).startsWith("blocked by policy 'production': 1 violation(s) at or above medium");
            assertThat(r.violations()).extracting(Violation::rule).contains("module:python:subprocess");
            assertThat(backend.execs).as("no process started").isEmpty();
        }
    }

    @Test
    void allowedRunCarriesFindingsBelowThreshold() {
        backend.behaviour = req -> Behaviour.exit(0, "ok\n", "");
        try (SandboxSession s = session(SecurityPolicy.production())) {
            ExecutionResult r = s.run("import os\nprint(os.getcwd())");
            assertThat(r.status()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.violations()).extracting(Violation::rule).containsExactly("module:python:os");
            assertThat(backend.execs).hasSize(1);
        }
    }

    @Test
    void isSafeChecksWithoutRunning() {
        try (SandboxSession s = session(SecurityPolicy.strict())) {
            PolicyVerdict v = s.isSafe("open('x', 'w').write('1')");
            assertThat(v.allowed()).isFalse();
            assertThat(s.isSafe("print(1)").allowed()).isTrue();
            assertThat(backend.execs).isEmpty();
        }
        try (SandboxSession none = client.openSession("python")) {
            assertThat(none.isSafe("import subprocess").allowed()).as("no policy: everything allowed").isTrue();
        }
    }

    @Test
    void clientCheckUsesProductionByDefault() {
        assertThat(client.check("js", "require('child_process')").allowed()).isFalse();
        assertThat(client.check("js", "console.log(1)").allowed()).isTrue();
        assertThat(client.check("py", "import requests", SecurityPolicy.development()).allowed()).isTrue();
    }

    @Test
    void everyDecisionAndRunIsAuditedWithoutTheCode() {
        backend.behaviour = req -> Behaviour.exit(0, "", "");
        try (SandboxSession s = session(SecurityPolicy.production())) {
            s.run("import subprocess");
            s.run("print('secret-code-text')");
        }
        assertThat(events).hasExactlyElementsOfTypes(SessionEvent.class, PolicyDecisionEvent.class, RunEvent.class,
                PolicyDecisionEvent.class, RunEvent.class, SessionEvent.class);
        RunEvent blocked = (RunEvent) events.get(2);
        assertThat(blocked.status()).isEqualTo(ExecutionStatus.BLOCKED_BY_POLICY);
        assertThat(blocked.principal()).isEqualTo("alice");
        assertThat(blocked.codeSha256()).hasSize(64);
        String lines = jsonLines.toString();
        assertThat(lines.lines()).hasSize(6).allSatisfy(l -> assertThat(l).startsWith("{\"event\":\""));
        assertThat(lines).contains("\"allowed\":false", "\"rule\":\"module:python:subprocess\"",
                "\"status\":\"blocked_by_policy\"", "\"principal\":\"alice\"")
                .doesNotContain("secret-code-text");
    }

    @Test
    void sanitizerRedactsOutputAndReportsIt() {
        backend.behaviour = req -> Behaviour.exit(0, "password=hunter2\nfrom 10.1.2.3\n", "");
        try (SandboxSession s = client.openSession("python",
                SessionOptions.builder().sanitizer(OutputSanitizer.defaults()).build())) {
            ExecutionResult r = s.run("print(1)");
            assertThat(r.stdout()).doesNotContain("hunter2").doesNotContain("10.1.2.3");
            assertThat(r.redactions()).extracting(Redaction::kind).contains("password", "ipv4");
        }
        RunEvent run = (RunEvent) events.stream().filter(e -> e instanceof RunEvent).findFirst().orElseThrow();
        assertThat(run.redactions()).contains("password", "ipv4");
    }

    @Test
    void failingListenerDoesNotBreakRuns() {
        try (SandboxClient c = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
                .eventListener(new SandboxEventListener() {
                    @Override
                    public void runFinished(RunEvent e) {
                        throw new IllegalStateException("listener bug");
                    }
                }).build();
                SandboxSession s = c.openSession("python")) {
            backend.behaviour = req -> Behaviour.exit(0, "fine\n", "");
            assertThat(s.run("print(1)").stdout()).isEqualTo("fine\n");
        }
    }
}
