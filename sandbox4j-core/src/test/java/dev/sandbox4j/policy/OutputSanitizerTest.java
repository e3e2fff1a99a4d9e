package dev.sandbox4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link OutputSanitizer}'s API: the report, kinds and their order, custom patterns, replacements, failing closed,
 * configuration errors, and a large input. The shapes each kind hides and the look-alikes it keeps are in
 * {@code sanitizer-corpus.txt} ({@link OutputSanitizerCorpusTest}).
 */
class OutputSanitizerTest {

    /** The defaults with a fixed extra home path, so the cases do not depend on the JVM's user.home. */
    private static final OutputSanitizer SANITIZER =
            OutputSanitizer.defaults().toBuilder().homePaths(List.of("/srv/ci-user")).build();

    private static final String GHP = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    @Test
    void leavesEmptyTextAlone() {
        Sanitized s = SANITIZER.sanitize("");

        assertThat(s.text()).isEmpty();
        assertThat(s.changed()).isFalse();
    }

    @Test
    void classJavadocExampleHolds() {
        OutputSanitizer sanitizer = OutputSanitizer.defaults().toBuilder()
                .kind("email")
                .pattern("acme_token", Pattern.compile("acme_[a-z0-9]{32}"))
                .pattern("db_host", Pattern.compile("db-host: (?<secret>\\S+)"))
                .build();

        Sanitized s = sanitizer.sanitize("password=hunter2\nssh root@10.1.2.3");

        assertThat(s.text()).isEqualTo("password=[REDACTED:password]\nssh root@[REDACTED:ipv4]");
        assertThat(s.redactions()).containsExactly(new Redaction("password", 1), new Redaction("ipv4", 1));
    }

    @Test
    void reportsOneCountPerKindInApplicationOrder() {
        Sanitized s = SANITIZER.sanitize("ip 10.0.0.1\npassword=a\ntoken=" + GHP + "\nsecret=b\n"
                + "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");

        assertThat(s.changed()).isTrue();
        assertThat(s.redactions())
                .containsExactly(
                        new Redaction("private_key", 1),
                        new Redaction("github_token", 1),
                        new Redaction("password", 2),
                        new Redaction("ipv4", 1));
    }

    @Test
    void reportsNothingWhenNothingMatches() {
        Sanitized s = SANITIZER.sanitize("hello 1.2.3");

        assertThat(s.text()).isEqualTo("hello 1.2.3");
        assertThat(s.redactions()).isEmpty();
        assertThat(s.changed()).isFalse();
    }

    @Test
    void noneRedactsNothing() {
        String text = "password=hunter2 10.0.0.1 /home/alice " + GHP;

        Sanitized s = OutputSanitizer.none().sanitize(text);

        assertThat(s.text()).isSameAs(text);
        assertThat(s.changed()).isFalse();
        assertThat(OutputSanitizer.none().kinds()).isEmpty();
    }

    @Test
    void defaultsEnableEveryBuiltInKindButEmail() {
        assertThat(OutputSanitizer.defaults().kinds())
                .containsExactly(
                        "private_key", "url_credentials", "bearer", "cookie", "jwt", "aws_key", "github_token",
                        "slack_token", "stripe_key", "google_key", "openai_key", "api_token", "password", "home_path",
                        "ipv6", "ipv4");
        assertThat(OutputSanitizer.builder().allBuiltIns().build().kinds()).contains("email");
        assertThat(OutputSanitizer.builder().build().kinds()).isEmpty();
    }

    @Test
    void redactsEmailOnlyWhenEnabled() {
        OutputSanitizer withEmail = OutputSanitizer.builder().kind("email").build();

        assertThat(withEmail.sanitize("mail alice.b+x@mail.example.co.uk.").text())
                .isEqualTo("mail [REDACTED:email].");
        assertThat(OutputSanitizer.defaults().sanitize("mail alice@example.com").changed()).isFalse();
    }

    @Test
    void enablesOnlyTheChosenKinds() {
        OutputSanitizer ipsOnly = OutputSanitizer.builder().kind("ipv4").kind(" IPv6 ").build();

        assertThat(ipsOnly.kinds()).containsExactly("ipv6", "ipv4");
        assertThat(ipsOnly.sanitize("password=x 10.0.0.1 fe80::1").text())
                .isEqualTo("password=x [REDACTED:ipv4] [REDACTED:ipv6]");
    }

    @Test
    void customPatternWithSecretGroupReplacesOnlyTheGroup() {
        OutputSanitizer s = OutputSanitizer.builder()
                .pattern("db_host", Pattern.compile("db-host: (?<secret>\\S+)"))
                .build();

        Sanitized result = s.sanitize("db-host: pg-7.internal\ndb-port: 5432");

        assertThat(result.text()).isEqualTo("db-host: [REDACTED:db_host]\ndb-port: 5432");
        assertThat(result.redactions()).containsExactly(new Redaction("db_host", 1));
    }

    @Test
    void customPatternWithoutGroupReplacesWholeMatchAfterBuiltIns() {
        OutputSanitizer s = OutputSanitizer.defaults().toBuilder()
                .pattern("acme_token", Pattern.compile("acme_[a-z0-9]{8}"))
                .pattern("acme_token", Pattern.compile("ACME-[0-9]{4}"))
                .build();

        Sanitized result = s.sanitize("t acme_1234abcd and ACME-0042, password=acme_aaaaaaaa");

        assertThat(s.kinds()).endsWith("acme_token");
        assertThat(result.text())
                .isEqualTo("t [REDACTED:acme_token] and [REDACTED:acme_token], password=[REDACTED:password]");
        assertThat(result.redactions())
                .containsExactly(new Redaction("password", 1), new Redaction("acme_token", 2));
    }

    @Test
    void neverRedactsItsOwnReplacement() {
        OutputSanitizer s = OutputSanitizer.defaults().toBuilder()
                .replacement("<10.9.8.7 /home/x %s>")
                .build();

        Sanitized result = s.sanitize("password=hunter2");

        assertThat(result.text()).isEqualTo("password=<10.9.8.7 /home/x password>");
        assertThat(result.redactions()).containsExactly(new Redaction("password", 1));
    }

    @Test
    void usesAReplacementWithoutTheKind() {
        OutputSanitizer s = OutputSanitizer.defaults().toBuilder().replacement("***").build();

        assertThat(s.sanitize("at 10.0.0.1 password=hunter2").text()).isEqualTo("at *** password=***");
    }

    @Test
    void failsClosedOnLinesWhereACustomPatternBreaks() {
        // (a|b)+ recurses once per character in java.util.regex and overflows the stack on a long line.
        OutputSanitizer s = OutputSanitizer.builder()
                .pattern("ab", Pattern.compile("x(a|b)+y"))
                .build();
        String longLine = "x" + "ab".repeat(500_000);

        Sanitized result = s.sanitize("keep xaby\n" + longLine + "\nend");

        assertThat(result.text()).isEqualTo("keep [REDACTED:ab]\n[REDACTED:ab]\nend");
        assertThat(result.redactions()).containsExactly(new Redaction("ab", 2));
    }

    @Test
    void toBuilderKeepsTheConfiguration() {
        OutputSanitizer original = OutputSanitizer.builder()
                .kind("password")
                .pattern("x", Pattern.compile("xyz"))
                .replacement("<%s>")
                .homePaths(List.of("/opt/me"))
                .kind("home_path")
                .build();

        OutputSanitizer copy = original.toBuilder().build();

        assertThat(copy.kinds()).containsExactly("password", "home_path", "x");
        assertThat(copy.sanitize("/opt/me/a xyz pwd=1").text()).isEqualTo("<home_path>/a <x> pwd=<password>");
    }

    @Test
    void rejectsUnknownKindListingTheValidOnes() {
        assertThatThrownBy(() -> OutputSanitizer.builder().kind("x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Expected kind one of [private_key, url_credentials, bearer, cookie, jwt, aws_key, "
                        + "github_token, slack_token, stripe_key, google_key, openai_key, api_token, password, email, "
                        + "home_path, ipv6, ipv4] but was 'x'");
    }

    @Test
    void rejectsCustomPatternsNamedLikeABuiltInOrMalformed() {
        assertThatThrownBy(() -> OutputSanitizer.builder().pattern("password", Pattern.compile("p")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kind ('password') is a built-in kind; enable it with kind(\"password\") "
                        + "or give the custom pattern another name");
        assertThatThrownBy(() -> OutputSanitizer.builder().pattern("a b", Pattern.compile("p")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kind ('a b') must be 1 to 64 letters, digits, '_', '.' or '-', e.g. 'acme_token'");
    }

    @Test
    void rejectsBadReplacementAndHomePaths() {
        assertThatThrownBy(() -> OutputSanitizer.builder().replacement("%s %s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("replacement ('%s %s') must be a format with at most one %s for the kind, "
                        + "e.g. '[REDACTED:%s]'")
                .hasCauseInstanceOf(java.util.IllegalFormatException.class);
        assertThatThrownBy(() -> OutputSanitizer.builder().homePaths(List.of("/home/a", "/")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("homePaths entry ('/') must be a directory below the root, e.g. '/home/alice'");
    }

    @Test
    void rejectsNonPositiveRedactionCount() {
        assertThatThrownBy(() -> new Redaction("password", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("count (0) must be positive");
    }

    @Test
    void sanitizesOneMebibyteOfMixedOutput() {
        // Speed is shown by OutputSanitizerBenchmark (figures, no assertion); this checks a large input end to end.
        String chunk = String.join("\n",
                "2024-05-01T12:30:45Z INFO worker-3 processed batch 1842 in 12.5 ms (v3.11.2)",
                "commit 3f786850e387550fdab836ed7e6dc881de23001b by build-bot, id 123e4567-e89b-12d3-a456-426614174000",
                "connect postgres://app:s3cr3t@db.internal:5432/app from 10.0.0.12 via fe80::1ff:fe23:4567:890a",
                "{\"user\": \"bob\", \"password\": \"hunter2\", \"token\": \"" + GHP + "\"}",
                "Traceback: File \"/home/alice/proj/main.py\", line 3, Authorization: Bearer abc.def-123",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "");
        String text = chunk.repeat((1 << 20) / chunk.length() + 1).substring(0, 1 << 20);

        Sanitized s = SANITIZER.sanitize(text);

        assertThat(s.text()).doesNotContain("hunter2", "s3cr3t", "10.0.0.12", "/home/alice", GHP);
        assertThat(s.text()).contains("3f786850e387550fdab836ed7e6dc881de23001b", "v3.11.2");
        int chunks = text.length() / chunk.length();
        assertThat(s.redactions()).extracting(Redaction::kind)
                .containsExactly("url_credentials", "bearer", "github_token", "password", "home_path", "ipv6", "ipv4");
        assertThat(s.redactions().stream().filter(r -> r.kind().equals("password")).findFirst().orElseThrow().count())
                .isBetween(chunks, chunks + 1);
    }
}
