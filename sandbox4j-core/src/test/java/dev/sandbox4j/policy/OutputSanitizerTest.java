package dev.sandbox4j.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OutputSanitizer}: each built-in kind on env, INI, JSON, YAML and prose forms, the false-positive traps
 * (versions, times, hashes, UUIDs, prose), the report, custom patterns, configuration errors and speed.
 */
class OutputSanitizerTest {

    /** The defaults with a fixed extra home path, so the cases do not depend on the JVM's user.home. */
    private static final OutputSanitizer SANITIZER =
            OutputSanitizer.defaults().toBuilder().homePaths(List.of("/srv/ci-user")).build();

    private static final String GHP = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    private static final String JWT =
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    static Stream<Arguments> cases() {
        return Stream.of(
                // ---- private_key: whole PEM block, any label, also JSON-escaped and truncated
                Arguments.of(
                        "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc+/=\n"
                                + "-----END RSA PRIVATE KEY-----\ndone",
                        "key:\n[REDACTED:private_key]\ndone"),
                Arguments.of(
                        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                                + "-----END OPENSSH PRIVATE KEY-----",
                        "[REDACTED:private_key]"),
                Arguments.of(
                        "{\"private_key\": \"-----BEGIN ENCRYPTED PRIVATE KEY-----\\nMIIFHDBOBgkqhkiG9w0B\\n"
                                + "-----END ENCRYPTED PRIVATE KEY-----\\n\"}",
                        "{\"private_key\": \"[REDACTED:private_key]\\n\"}"),
                Arguments.of(
                        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\nAoGAGH== (output truncated)",
                        "[REDACTED:private_key] (output truncated)"),
                Arguments.of(
                        "-----BEGIN PUBLIC KEY-----\nMFkwEwYH\n-----END PUBLIC KEY-----",
                        "-----BEGIN PUBLIC KEY-----\nMFkwEwYH\n-----END PUBLIC KEY-----"),
                // ---- url_credentials: only the password
                Arguments.of(
                        "postgres://app:s3cr3t@db.internal:5432/app",
                        "postgres://app:[REDACTED:url_credentials]@db.internal:5432/app"),
                Arguments.of(
                        "git clone https://x-access-token:abc123@github.com/o/r.git",
                        "git clone https://x-access-token:[REDACTED:url_credentials]@github.com/o/r.git"),
                Arguments.of("redis://:p@ss@cache:6379/0", "redis://:[REDACTED:url_credentials]@cache:6379/0"),
                Arguments.of(
                        "see https://example.com:8443/a?q=1 and https://bob@example.com/",
                        "see https://example.com:8443/a?q=1 and https://bob@example.com/"),
                // ---- bearer
                Arguments.of("Authorization: Bearer abc.def-123", "Authorization: Bearer [REDACTED:bearer]"),
                Arguments.of(
                        "curl -H 'authorization: basic dXNlcjpwYXNz' https://api",
                        "curl -H 'authorization: basic [REDACTED:bearer]' https://api"),
                Arguments.of("Bearer " + JWT, "Bearer [REDACTED:bearer]"),
                unchanged("Bearer tokens are short-lived credentials"),
                // ---- jwt
                Arguments.of("session " + JWT + " expired", "session [REDACTED:jwt] expired"),
                // ---- aws_key
                Arguments.of("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY_ID=[REDACTED:aws_key]"),
                Arguments.of(
                        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        "aws_secret_access_key = [REDACTED:aws_key]"),
                Arguments.of(
                        "{\"AccessKeyId\": \"ASIAY34FZKBOKMUTVV7A\", \"SecretAccessKey\": "
                                + "\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}",
                        "{\"AccessKeyId\": \"[REDACTED:aws_key]\", \"SecretAccessKey\": \"[REDACTED:aws_key]\"}"),
                // ---- github_token, slack_token, openai_key (and the key/value pass does not redact them again)
                Arguments.of("GITHUB_TOKEN=" + GHP, "GITHUB_TOKEN=[REDACTED:github_token]"),
                Arguments.of(
                        "pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ ok",
                        "pat [REDACTED:github_token] ok"),
                Arguments.of("slack xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "slack [REDACTED:slack_token]"),
                Arguments.of(
                        "OPENAI_API_KEY=sk-proj-abc123DEF456ghi789JKL012mno", "OPENAI_API_KEY=[REDACTED:openai_key]"),
                unchanged("<div class=\"sk-spinner-double-bounce-large\">"),
                // ---- password: env, INI, JSON, YAML, query, flags, dicts, toString(); only the value goes
                Arguments.of("password=hunter2", "password=[REDACTED:password]"),
                Arguments.of(
                        "DB_PASSWORD=hunter2 from 10.1.2.3", "DB_PASSWORD=[REDACTED:password] from [REDACTED:ipv4]"),
                Arguments.of("passphrase = correct horse battery", "passphrase = [REDACTED:password]"),
                Arguments.of("DB_PASSWORD=\"correct horse\"", "DB_PASSWORD=\"[REDACTED:password]\""),
                Arguments.of(
                        "[db]\npassword = s3cret \nport = 5432", "[db]\npassword = [REDACTED:password] \nport = 5432"),
                Arguments.of(
                        "{\"user\": \"bob\", \"password\": \"hun\\\"ter2\"}",
                        "{\"user\": \"bob\", \"password\": \"[REDACTED:password]\"}"),
                Arguments.of(
                        "db:\n  user: bob\n  passwd: hunter2\n  - api_key: 'abc123'\n",
                        "db:\n  user: bob\n  passwd: [REDACTED:password]\n  - api_key: '[REDACTED:password]'\n"),
                Arguments.of(
                        "GET /cb?code=1&access_token=abc123&state=xyz",
                        "GET /cb?code=1&access_token=[REDACTED:password]&state=xyz"),
                Arguments.of("apikey: 0123456789abcdef", "apikey: [REDACTED:password]"),
                Arguments.of("X-Api-Key: k-42", "X-Api-Key: [REDACTED:password]"),
                Arguments.of("run --db-password hunter2 --verbose", "run --db-password [REDACTED:password] --verbose"),
                Arguments.of(
                        "{'secret': 'x1', 'name': 'n'} {clientSecret: abc, id: 7}",
                        "{'secret': '[REDACTED:password]', 'name': 'n'} {clientSecret: [REDACTED:password], id: 7}"),
                Arguments.of("Creds[user=bob, token=t0k3n]", "Creds[user=bob, token=[REDACTED:password]]"),
                Arguments.of(
                        "body=\"{\\\"password\\\":\\\"hunter2\\\"}\"",
                        "body=\"{\\\"password\\\":\\\"[REDACTED:password]\\\"}\""),
                Arguments.of(
                        "\"Env\": [\"POSTGRES_PASSWORD=s3cret\", \"PATH=/usr/bin\"]",
                        "\"Env\": [\"POSTGRES_PASSWORD=[REDACTED:password]\", \"PATH=/usr/bin\"]"),
                Arguments.of("PASS: test_login\nDB_PASS=x1", "PASS: test_login\nDB_PASS=[REDACTED:password]"),
                // ---- password traps: no value, prose, comparisons, non-secret keys, placeholders, PWD
                unchanged("Please enter your password."),
                unchanged("Invalid password: please try again"),
                unchanged("Password:\nWelcome back"),
                unchanged("if password == expected: ok"),
                unchanged("max_tokens=100 token_type=bearer secret_name=db"),
                unchanged("password: null\ntoken: ********"),
                unchanged("PWD=/srv/app\nOLDPWD=/tmp"),
                // ---- home_path: keeps the rest of the path
                Arguments.of("/home/alice/x.txt", "[REDACTED:home_path]/x.txt"),
                Arguments.of(
                        "File \"/Users/bob/proj/main.py\", line 3",
                        "File \"[REDACTED:home_path]/proj/main.py\", line 3"),
                Arguments.of("cd /root && ls /rootfs", "cd [REDACTED:home_path] && ls /rootfs"),
                Arguments.of("saved to /home/alice.", "saved to [REDACTED:home_path]."),
                Arguments.of(
                        "wrote /srv/ci-user/out.csv, not /srv/ci-users",
                        "wrote [REDACTED:home_path]/out.csv, not /srv/ci-users"),
                Arguments.of("C:\\Users\\alice\\app.exe", "[REDACTED:home_path]\\app.exe"),
                Arguments.of("file:///home/bob/a.html", "file://[REDACTED:home_path]/a.html"),
                unchanged("/home is empty; see /home/ too"),
                unchanged("https://example.com/home/alice"),
                // ---- ipv4: loopback and 0.0.0.0 kept, versions and times are not addresses
                Arguments.of(
                        "connect 10.0.0.12:5432 from 192.168.1.7/24",
                        "connect [REDACTED:ipv4]:5432 from [REDACTED:ipv4]/24"),
                unchanged("listening on 127.0.0.1:8080 and 0.0.0.0"),
                Arguments.of(
                        "Python 3.11.2, numpy 1.26.4, lib 1.2.3.4.5, v1.2.3.4, 256.1.1.1",
                        "Python 3.11.2, numpy 1.26.4, lib 1.2.3.4.5, v1.2.3.4, 256.1.1.1"),
                Arguments.of("host is 8.8.8.8.", "host is [REDACTED:ipv4]."),
                // ---- ipv6: full and compressed; ::1, ::, times, MACs, C++ paths and slices kept
                Arguments.of("addr 2001:db8:85a3:0:0:8a2e:370:7334 up", "addr [REDACTED:ipv6] up"),
                Arguments.of("peer [fe80::1ff:fe23:4567:890a]:22", "peer [[REDACTED:ipv6]]:22"),
                Arguments.of("mapped ::ffff:192.0.2.128", "mapped [REDACTED:ipv6]"),
                Arguments.of("inet6 fe80::1: up", "inet6 [REDACTED:ipv6]: up"),
                unchanged("bind ::1 and :: at 12:30:45.123"),
                Arguments.of(
                        "std::vector<int> a::b; x[::2]; Vec2::new; mac 00:1a:2b:3c:4d:5e",
                        "std::vector<int> a::b; x[::2]; Vec2::new; mac 00:1a:2b:3c:4d:5e"),
                // ---- hashes and ids are not keys
                unchanged("commit 3f786850e387550fdab836ed7e6dc881de23001b id 123e4567-e89b-12d3-a456-426614174000"),
                unchanged("image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                        + " at 2024-05-01T12:30:45Z"),
                unchanged("tensor([[0.1, 0.2]]) shape=(3, 4) ratio=0.75 ok: true 0x7ffd5e8a1b2c"),
                unchanged("mail alice@example.com"),
                // ---- multiline mix, and overlap: the first kind wins and later kinds skip its replacement
                Arguments.of(
                        "user=bob\npassword=hunter2\nhost=10.1.2.3\nhome=/home/bob/.cache\n",
                        "user=bob\npassword=[REDACTED:password]\nhost=[REDACTED:ipv4]\n"
                                + "home=[REDACTED:home_path]/.cache\n"),
                Arguments.of("token=" + GHP + " at 10.0.0.1", "token=[REDACTED:github_token] at [REDACTED:ipv4]"),
                unchanged(""));
    }

    private static Arguments unchanged(String text) {
        return Arguments.of(text, text);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void redactsExpectedSpans(String input, String expected) {
        assertThat(SANITIZER.sanitize(input).text()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void isIdempotent(String input, String expected) {
        assertThat(SANITIZER.sanitize(expected).text()).isEqualTo(expected);
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
                        "private_key", "url_credentials", "bearer", "jwt", "aws_key", "github_token", "slack_token",
                        "openai_key", "password", "home_path", "ipv6", "ipv4");
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
                .hasMessage("Expected kind one of [private_key, url_credentials, bearer, jwt, aws_key, github_token, "
                        + "slack_token, openai_key, password, email, home_path, ipv6, ipv4] but was 'x'");
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
    void sanitizesOneMebibyteQuickly() {
        String chunk = String.join("\n",
                "2024-05-01T12:30:45Z INFO worker-3 processed batch 1842 in 12.5 ms (v3.11.2)",
                "commit 3f786850e387550fdab836ed7e6dc881de23001b by build-bot, id 123e4567-e89b-12d3-a456-426614174000",
                "connect postgres://app:s3cr3t@db.internal:5432/app from 10.0.0.12 via fe80::1ff:fe23:4567:890a",
                "{\"user\": \"bob\", \"password\": \"hunter2\", \"token\": \"" + GHP + "\"}",
                "Traceback: File \"/home/alice/proj/main.py\", line 3, Authorization: Bearer abc.def-123",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "");
        String text = chunk.repeat((1 << 20) / chunk.length() + 1).substring(0, 1 << 20);
        for (int i = 0; i < 5; i++) {
            SANITIZER.sanitize(text); // warm up the JIT
        }

        long start = System.nanoTime();
        Sanitized s = SANITIZER.sanitize(text);
        long millis = (System.nanoTime() - start) / 1_000_000;

        System.out.printf("OutputSanitizer: 1 MiB in %d ms, %s%n", millis, s.redactions());
        assertThat(s.text()).doesNotContain("hunter2", "s3cr3t", "10.0.0.12", "/home/alice", GHP);
        assertThat(millis).isLessThan(2_000);
    }
}
