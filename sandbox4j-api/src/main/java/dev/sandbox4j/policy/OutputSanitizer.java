package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.text.Texts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IllegalFormatException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redacts secrets and host details from a run's output (stdout, stderr and text artifacts) before they are handed to
 * an LLM or a user, and reports what it redacted. Meant to be enabled per session; nothing is redacted unless a
 * sanitizer is configured.
 *
 * <pre>{@code
 * OutputSanitizer sanitizer = OutputSanitizer.defaults().toBuilder()
 *         .kind("email")                                                       // opt-in kind
 *         .pattern("acme_token", Pattern.compile("acme_[a-z0-9]{32}"))          // whole match replaced
 *         .pattern("db_host", Pattern.compile("db-host: (?<secret>\\S+)"))      // only the "secret" group replaced
 *         .build();
 * Sanitized s = sanitizer.sanitize("password=hunter2\nssh root@10.1.2.3");
 * s.text();        // "password=[REDACTED:password]\nssh root@[REDACTED:ipv4]"
 * s.redactions();  // [Redaction[kind=password, count=1], Redaction[kind=ipv4, count=1]]
 * }</pre>
 *
 * <p>Built-in kinds, in priority order:
 * <ol>
 *   <li>{@code private_key}: whole PEM blocks from {@code -----BEGIN ... PRIVATE KEY-----} to the matching END line
 *       (PKCS#8, RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... BLOCK), also inside JSON strings with {@code \n} escapes
 *       (a GCP service-account file's {@code private_key}). A block with no END line (truncated output) is redacted
 *       up to the first character that cannot occur in a PEM body. Public keys and certificates stay.
 *   <li>{@code url_credentials}: the password of {@code scheme://user:password@host}; scheme, user and host stay.
 *   <li>{@code bearer}: the credentials of an {@code Authorization} or {@code Proxy-Authorization} header after its
 *       scheme word (any scheme: Bearer, Basic, Digest, AWS4-HMAC-SHA256 ...), as a header line, a curl
 *       {@code -H} argument or a JSON/dict entry; and {@code Bearer <token>} anywhere when the token has 8 or more
 *       characters including a digit (so "Bearer tokens are ..." in prose stays).
 *   <li>{@code cookie}: every value of a {@code Cookie} header and the first value of a {@code Set-Cookie} header
 *       (names and attributes stay), also as a JSON array of header values and Python's
 *       {@code <Cookie name=value for domain/>}.
 *   <li>{@code jwt}: three (or five) base64url segments separated by dots, the first starting {@code eyJ}.
 *   <li>{@code aws_key}: access key ids ({@code AKIA}, {@code ASIA}, {@code ABIA}, {@code ACCA} plus 16 upper-case
 *       letters or digits), and secret access keys: any 40-character run of {@code A-Za-z0-9/+} that looks random
 *       (two upper-case and two lower-case letters, a digit, 22 or more distinct characters; so git SHAs, paths and
 *       words stay), with or without a key name.
 *   <li>{@code github_token}: {@code ghp_ gho_ ghu_ ghs_ ghr_} tokens and {@code github_pat_} fine-grained tokens.
 *   <li>{@code slack_token}: {@code xoxb- xoxa- xoxp- xoxr- xoxs- xoxe-} and {@code xapp-} tokens, and the secret path
 *       of {@code hooks.slack.com} webhook URLs.
 *   <li>{@code stripe_key}: {@code sk_live_ rk_live_ sk_test_ rk_test_} secret and restricted keys (test keys are
 *       credentials of the account too) and {@code whsec_} webhook secrets; publishable {@code pk_} keys and
 *       placeholders ({@code sk_test_...}, one repeated character) stay.
 *   <li>{@code google_key}: {@code AIza} API keys, {@code GOCSPX-} OAuth client secrets, {@code ya29.} access tokens.
 *   <li>{@code openai_key}: {@code sk-} keys of 20 or more characters with at least one digit, including
 *       {@code sk-proj-...} and other vendors' {@code sk-...} keys of that shape ({@code sk-ant-...}).
 *   <li>{@code api_token}: other vendors' tokens with a documented prefix: npm {@code npm_}, PyPI {@code pypi-},
 *       GitLab {@code glpat-}, Hugging Face {@code hf_}, SendGrid {@code SG.}.
 *   <li>{@code password}: the value, never the key, of a pair whose key names a secret: it ends in {@code password},
 *       {@code passwd}, {@code passphrase}, {@code secret}, {@code token}, {@code api_key}, {@code access_key},
 *       {@code secret_key}, {@code private_key}, {@code credential(s)}, {@code secret_key_base},
 *       {@code signing_key}, {@code encryption_key}, {@code master_key}, {@code session_key}, {@code account_key},
 *       {@code license_key}, {@code client_key}, or is {@code pwd}, {@code auth} or {@code sig} as a word, or ends in
 *       {@code _pass} (case, {@code _ - .} and blanks ignored, so {@code DB_PASSWORD}, {@code clientSecret},
 *       {@code x-api-key}, {@code pass_word} and {@code Api Key} count, while {@code max_tokens},
 *       {@code token_type}, {@code secret_name} and {@code password_hint} do not; {@code %XX} and {@code \\uXXXX}
 *       escapes and {@code user[password]} brackets are decoded first). Forms: {@code KEY=value} (env, shell,
 *       INI, TOML, properties, logfmt, query and connection strings, {@code toString()}), {@code key: value} at the
 *       start of a line or in a flow map (YAML, headers), quoted keys (JSON, Python and JS literals, JSON escaped
 *       once or more inside strings, HTML-escaped JSON), {@code 'key' => value}, {@code KEY := value}, YAML values on
 *       the following lines (block scalars and nested blocks), XML elements ({@code <password>x</password>},
 *       CDATA, {@code <entry key="password">}), XML attributes ({@code password="x"}, {@code name="db.password"
 *       value="x"}), {@code --key value} flags, and the cells of CSV/TSV columns whose header names a secret. Where
 *       the value ends and how structure is kept: quoted values
 *       keep their quotes; an unquoted value runs to the end of its line ({@code PASSWORD=a b c} hides
 *       {@code a b c}) unless the next {@code key=} pair, a closing quote or bracket, a query string's {@code &}, a
 *       connection string's {@code ;}, a flag's blank or a {@code #} comment ends it first; a JSON number, array or
 *       object after a quoted key becomes a string ({@code "password": "[REDACTED:password]"}), so JSON still
 *       parses; a YAML value on the next lines becomes one line. In the middle of prose, {@code key: value} counts
 *       only when the value is one token of 6 or more characters with letters and digits ("Invalid password: try
 *       again" stays). Not redacted: {@code ==} comparisons, {@code null}, booleans, {@code none}, {@code ~}, masks
 *       such as {@code ****}, variable references ({@code ${NAME}}, {@code $NAME}), {@code <placeholders>}, and the
 *       shell's {@code PWD=}.
 *   <li>{@code email}: e-mail addresses. <b>Not on by default</b>; enable with {@code kind("email")}.
 *   <li>{@code home_path}: the home directory prefix of a host path: {@code /home/<user>}, {@code /Users/<user>},
 *       {@code /root}, {@code C:\\Users\\<user>} and the literal {@link Builder#homePaths(Collection) homePaths}
 *       (by default the JVM's {@code user.home}). The rest of the path is kept:
 *       {@code /home/alice/x.txt} becomes {@code [REDACTED:home_path]/x.txt}. {@code /home} alone and URLs such as
 *       {@code https://example.com/home/alice} are left alone.
 *   <li>{@code ipv6}: full (eight groups) and {@code ::}-compressed addresses, also with an embedded IPv4 tail. To
 *       avoid C++/Rust paths and slices, a compressed address needs at least two groups and one digit. Times such as
 *       {@code 12:30:45} and MAC addresses do not match. The loopback {@code ::1} is kept.
 *   <li>{@code ipv4}: dotted quads with every octet 0-255 and no leading zeros, not part of a longer dotted number
 *       ({@code 1.2.3.4.5}) and not prefixed by a letter ({@code v1.2.3.4}). Private addresses are redacted too
 *       (they reveal the network layout); loopback {@code 127.x.x.x} and {@code 0.0.0.0} are kept. A four-part
 *       version number whose parts are all at most 255 cannot be told from an address and is redacted.
 * </ol>
 * Custom {@link Builder#pattern(String, Pattern) patterns} come after the built-in kinds, in the order they were
 * added. Version numbers, times, git SHAs, UUIDs, base64 data and other hex strings are not redacted unless they are
 * the value of a key listed above.
 *
 * <p>What it cannot do: it recognises secrets by shape and by the name next to them, so a secret printed without
 * either (a bare random word, a password split across lines or encoded by the program, a key name it does not know)
 * passes. It is a guard against accidental disclosure, not against a program that sets out to leak: such a program
 * can always encode what it prints.
 *
 * <p>Each match is replaced by the {@link Builder#replacement(String) replacement}, by default
 * {@code [REDACTED:<kind>]}, escaped for the quotes it sits in. All kinds look at the original text; where matches of
 * several kinds overlap, one replacement covers them all and is reported as the kind that comes first above. Text
 * that already reads like one of the replacements (of 4 or more characters) is never replaced again, so sanitizing
 * already sanitized output changes nothing.
 *
 * <p>{@link #sanitize(String)} runs in time linear in the input for the built-in kinds: each kind is a single pass
 * that reads ahead or back only within fixed windows and consumes every value it measures (see the package's
 * {@code Detector}); no built-in regular expression is run over the text, only tried at a literal it must contain, on
 * a bounded window. It does not throw for any input: if a kind or a custom pattern fails on some text (for example a
 * custom pattern overflows the stack), the lines it failed on are replaced whole, so a failure never leaks what it
 * was meant to hide. Custom patterns run as given: keep them free of nested quantifiers, they see untrusted output.
 *
 * <p>Instances are immutable and thread-safe; share one per configuration.
 *
 * @since 0.1
 */
public final class OutputSanitizer {
    private static final String PRIVATE_KEY = "private_key";
    private static final String URL_CREDENTIALS = "url_credentials";
    private static final String BEARER = "bearer";
    private static final String COOKIE = "cookie";
    private static final String JWT = "jwt";
    private static final String AWS_KEY = "aws_key";
    private static final String GITHUB_TOKEN = "github_token";
    private static final String SLACK_TOKEN = "slack_token";
    private static final String STRIPE_KEY = "stripe_key";
    private static final String GOOGLE_KEY = "google_key";
    private static final String OPENAI_KEY = "openai_key";
    private static final String API_TOKEN = "api_token";
    private static final String PASSWORD = "password";
    private static final String EMAIL = "email";
    private static final String HOME_PATH = "home_path";
    private static final String IPV6 = "ipv6";
    private static final String IPV4 = "ipv4";

    /** Every built-in kind, in priority order. */
    private static final List<String> BUILT_INS = List.of(
            PRIVATE_KEY, URL_CREDENTIALS, BEARER, COOKIE, JWT, AWS_KEY, GITHUB_TOKEN, SLACK_TOKEN, STRIPE_KEY,
            GOOGLE_KEY, OPENAI_KEY, API_TOKEN, PASSWORD, EMAIL, HOME_PATH, IPV6, IPV4);

    private static final String DEFAULT_REPLACEMENT = "[REDACTED:%s]";
    private static final Pattern CUSTOM_KIND = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final Set<String> builtIns;
    private final Map<String, List<Pattern>> patterns;
    private final List<String> homePaths;
    private final String replacement;
    private final Set<String> kinds;
    private final List<String> kindList;
    private final String[] replacements;
    private final List<Detector> detectors;
    private final List<String> replacementStrings;

    private OutputSanitizer(Builder b) {
        Set<String> enabled = new LinkedHashSet<>();
        for (String kind : BUILT_INS) {
            if (b.builtIns.contains(kind)) {
                enabled.add(kind);
            }
        }
        this.builtIns = Collections.unmodifiableSet(enabled);
        Map<String, List<Pattern>> custom = new LinkedHashMap<>();
        b.patterns.forEach((kind, list) -> custom.put(kind, List.copyOf(list)));
        this.patterns = Collections.unmodifiableMap(custom);
        this.homePaths = List.copyOf(b.homePaths);
        this.replacement = b.replacement;
        Set<String> all = new LinkedHashSet<>(builtIns);
        all.addAll(patterns.keySet());
        this.kinds = Collections.unmodifiableSet(all);
        this.kindList = List.copyOf(all);
        this.replacements = new String[kindList.size()];
        List<Detector> list = new ArrayList<>();
        Set<String> replacementSet = new LinkedHashSet<>();
        for (int i = 0; i < kindList.size(); i++) {
            String kind = kindList.get(i);
            replacements[i] = String.format(Locale.ROOT, replacement, kind);
            if (replacements[i].length() >= 4) {
                replacementSet.add(replacements[i]);
            }
            if (builtIns.contains(kind)) {
                list.addAll(detectors(kind, i, homePaths));
            } else {
                for (Pattern p : patterns.get(kind)) {
                    list.add(new CustomPattern(i, p));
                }
            }
        }
        this.detectors = List.copyOf(list);
        this.replacementStrings = List.copyOf(replacementSet);
    }

    private static List<Detector> detectors(String kind, int i, List<String> homePaths) {
        return switch (kind) {
            case PRIVATE_KEY -> List.of(new TokenDetectors.PrivateKeyDetector(i));
            case URL_CREDENTIALS -> List.of(new HeaderDetectors.UrlCredentialsDetector(i));
            case BEARER -> List.of(new HeaderDetectors.BearerDetector(i));
            case COOKIE -> List.of(new HeaderDetectors.CookieDetector(i));
            case JWT -> List.of(new TokenDetectors.JwtDetector(i));
            case AWS_KEY -> List.of(
                    TokenDetectors.prefixed(i, TokenDetectors.AWS_KEY_IDS), new TokenDetectors.AwsSecretDetector(i));
            case GITHUB_TOKEN -> List.of(TokenDetectors.prefixed(i, TokenDetectors.GITHUB));
            case SLACK_TOKEN -> List.of(TokenDetectors.prefixed(i, TokenDetectors.SLACK));
            case STRIPE_KEY -> List.of(TokenDetectors.prefixed(i, TokenDetectors.STRIPE));
            case GOOGLE_KEY -> List.of(TokenDetectors.prefixed(i, TokenDetectors.GOOGLE));
            case OPENAI_KEY -> List.of(TokenDetectors.prefixed(i, TokenDetectors.OPENAI));
            case API_TOKEN -> List.of(TokenDetectors.prefixed(i, TokenDetectors.API_TOKENS));
            case PASSWORD -> List.of(new KeyValueDetector(i), new TableDetector(i));
            case EMAIL -> List.of(HostDetectors.email(i));
            case HOME_PATH -> HostDetectors.homePaths(i, homePaths);
            case IPV6 -> List.of(HostDetectors.ipv6(i));
            case IPV4 -> List.of(HostDetectors.ipv4(i));
            default -> throw new IllegalStateException("no detector for built-in kind " + kind);
        };
    }

    /**
     * Every built-in kind except {@code email}, with the default replacement {@code [REDACTED:<kind>]} and the JVM's
     * {@code user.home} as an extra home path.
     */
    public static OutputSanitizer defaults() {
        return builder().allBuiltIns().remove(EMAIL).build();
    }

    /** A sanitizer that redacts nothing: {@link #sanitize(String)} returns its input unchanged. */
    public static OutputSanitizer none() {
        return new Builder().homePaths(List.of()).build();
    }

    /**
     * A builder with no kinds enabled, the replacement {@code [REDACTED:%s]} and the JVM's {@code user.home} as the
     * extra home path.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this sanitizer's configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The enabled kinds in priority order: built-in kinds in their fixed order, then custom pattern kinds in the order
     * they were added.
     */
    public Set<String> kinds() {
        return kinds;
    }

    /**
     * Replaces every match of every enabled kind in {@code text}.
     *
     * <p>Never throws for any text and runs in time linear in its length for the built-in kinds.
     *
     * @return the sanitized text with one {@link Redaction} per kind that matched, in priority order
     * @throws NullPointerException if {@code text} is null
     */
    public Sanitized sanitize(String text) {
        requireNonNull(text, "text");
        if (detectors.isEmpty() || text.isEmpty()) {
            return new Sanitized(text, List.of());
        }
        Spans spans = new Spans(text, existingReplacements(text));
        for (Detector d : detectors) {
            scanFailingClosed(d, text, spans);
        }
        return spans.render(kindList, replacements);
    }

    /**
     * Runs a detector; if it throws (a custom pattern overflowing the stack, or a bug), runs it again line by line and
     * replaces whole every line it still fails on.
     */
    private static void scanFailingClosed(Detector d, String text, Spans spans) {
        try {
            d.scan(text, spans);
        } catch (RuntimeException | StackOverflowError e) {
            int lineStart = 0;
            while (lineStart < text.length()) {
                int lineEnd = Detector.lineEnd(text, lineStart);
                if (lineEnd > lineStart) {
                    String line = text.substring(lineStart, lineEnd);
                    try {
                        d.scan(line, spans.shifted(line, lineStart));
                    } catch (RuntimeException | StackOverflowError again) {
                        spans.add(lineStart, lineEnd, d.kind());
                    }
                }
                lineStart = lineEnd + 1;
            }
        }
    }

    /**
     * Ranges of text that already is one of this sanitizer's replacements (output sanitized before), so that
     * sanitizing twice changes nothing. Replacements shorter than 4 characters are not searched for: protecting every
     * "*" could split a secret.
     */
    private int[] existingReplacements(String text) {
        List<int[]> found = new ArrayList<>();
        if (replacementStrings.isEmpty()) {
            return new int[0];
        }
        // Usually all replacements share a prefix such as "[REDACTED:"; search for it once.
        String prefix = replacementStrings.get(0);
        for (String r : replacementStrings) {
            int n = 0;
            while (n < prefix.length() && n < r.length() && prefix.charAt(n) == r.charAt(n)) {
                n++;
            }
            prefix = prefix.substring(0, n);
        }
        if (prefix.length() >= 2) {
            for (int i = text.indexOf(prefix); i >= 0; i = text.indexOf(prefix, i + 1)) {
                for (String r : replacementStrings) {
                    if (text.startsWith(r, i)) {
                        found.add(new int[] {i, i + r.length()});
                    }
                }
            }
        } else {
            for (String r : replacementStrings) {
                for (int i = text.indexOf(r); i >= 0; i = text.indexOf(r, i + r.length())) {
                    found.add(new int[] {i, i + r.length()});
                }
            }
        }
        if (found.isEmpty()) {
            return new int[0];
        }
        found.sort(Comparator.<int[]>comparingInt(a -> a[0]).thenComparingInt(a -> -a[1]));
        int[] ranges = new int[found.size() * 2];
        int n = 0;
        int lastEnd = 0;
        for (int[] range : found) {
            if (range[0] >= lastEnd) {
                ranges[n++] = range[0];
                ranges[n++] = range[1];
                lastEnd = range[1];
            }
        }
        return Arrays.copyOf(ranges, n);
    }

    @Override
    public String toString() {
        return "OutputSanitizer" + kinds;
    }

    /**
     * Builds an {@link OutputSanitizer}. Each method checks its argument at once.
     *
     * @since 0.1
     */
    public static final class Builder {
        private final Set<String> builtIns = new LinkedHashSet<>();
        private final Map<String, List<Pattern>> patterns = new LinkedHashMap<>();
        private List<String> homePaths = defaultHomePaths();
        private String replacement = DEFAULT_REPLACEMENT;

        private Builder() {}

        private Builder(OutputSanitizer s) {
            builtIns.addAll(s.builtIns);
            s.patterns.forEach((kind, list) -> patterns.put(kind, new ArrayList<>(list)));
            homePaths = s.homePaths;
            replacement = s.replacement;
        }

        /**
         * Enables the built-in kind with this name (see {@link OutputSanitizer} for what each matches). Leading and
         * trailing blanks and case are ignored.
         *
         * @throws IllegalArgumentException listing the built-in kinds if there is none by that name
         */
        public Builder kind(String kind) {
            requireNonNull(kind, "kind");
            String name = kind.trim().toLowerCase(Locale.ROOT);
            if (!BUILT_INS.contains(name)) {
                throw new IllegalArgumentException(
                        "Expected kind one of " + BUILT_INS + " but was '" + Texts.sanitize(kind, 40) + "'");
            }
            builtIns.add(name);
            return this;
        }

        /** Enables every built-in kind, including {@code email}, which {@link #defaults()} leaves out. */
        public Builder allBuiltIns() {
            builtIns.addAll(BUILT_INS);
            return this;
        }

        /**
         * Adds a custom pattern reported as {@code kind}. If the pattern has a named group {@code secret}, only that
         * group is replaced (matches where it did not take part are skipped); otherwise the whole match is. Empty
         * matches are ignored. Custom patterns come after the built-in kinds in priority (a match overlapping a
         * built-in one is reported as the built-in kind), in the order added; several patterns may share a kind. The
         * pattern should not backtrack catastrophically: it runs on untrusted output.
         *
         * @param kind 1 to 64 letters, digits, {@code _}, {@code .} or {@code -}, not the name of a built-in kind
         * @throws IllegalArgumentException if the kind is malformed or names a built-in kind
         */
        public Builder pattern(String kind, Pattern pattern) {
            requireNonNull(kind, "kind");
            requireNonNull(pattern, "pattern");
            if (!CUSTOM_KIND.matcher(kind).matches()) {
                throw new IllegalArgumentException("kind ('" + Texts.sanitize(kind, 70)
                        + "') must be 1 to 64 letters, digits, '_', '.' or '-', e.g. 'acme_token'");
            }
            if (BUILT_INS.contains(kind)) {
                throw new IllegalArgumentException("kind ('" + kind
                        + "') is a built-in kind; enable it with kind(\"" + kind
                        + "\") or give the custom pattern another name");
            }
            patterns.computeIfAbsent(kind, k -> new ArrayList<>()).add(pattern);
            return this;
        }

        /**
         * Sets the literal host paths that {@code home_path} hides in addition to the {@code /home/<user>},
         * {@code /Users/<user>}, {@code /root} and {@code C:\Users\<user>} forms; replaces the previous list. The
         * default is the JVM's {@code user.home} (unless that is {@code /} or empty). A path matches only as a
         * whole path prefix: {@code /srv/app} hides {@code /srv/app/x} but not {@code /srv/apple}. Trailing
         * separators are ignored. Pass an empty collection to keep only the generic forms.
         *
         * @throws IllegalArgumentException if a path is blank or the root directory
         */
        public Builder homePaths(Collection<String> paths) {
            requireNonNull(paths, "paths");
            Set<String> copy = new LinkedHashSet<>();
            for (String path : paths) {
                requireNonNull(path, "paths contains null");
                String p = stripTrailingSeparators(path.strip());
                if (p.isEmpty() || p.equals("/") || p.equals("\\") || p.matches("[A-Za-z]:[\\\\/]?")) {
                    throw new IllegalArgumentException("homePaths entry ('" + Texts.sanitize(path, 80)
                            + "') must be a directory below the root, e.g. '/home/alice'");
                }
                copy.add(p);
            }
            homePaths = List.copyOf(copy);
            return this;
        }

        /**
         * Sets the text that replaces each match: a {@link String#format} pattern whose {@code %s} (optional) is the
         * kind. The default is {@code [REDACTED:%s]}.
         *
         * @throws IllegalArgumentException if the format is invalid or needs more than one argument
         */
        public Builder replacement(String format) {
            requireNonNull(format, "format");
            try {
                String.format(Locale.ROOT, format, "kind");
            } catch (IllegalFormatException e) {
                throw new IllegalArgumentException(
                        "replacement ('" + Texts.sanitize(format, 80)
                                + "') must be a format with at most one %s for the kind, e.g. '[REDACTED:%s]'",
                        e);
            }
            replacement = format;
            return this;
        }

        /** An immutable sanitizer with this configuration. */
        public OutputSanitizer build() {
            return new OutputSanitizer(this);
        }

        private Builder remove(String kind) {
            builtIns.remove(kind);
            return this;
        }

        private static List<String> defaultHomePaths() {
            String home = System.getProperty("user.home");
            if (home == null) {
                return List.of();
            }
            String p = stripTrailingSeparators(home.strip());
            return p.length() < 2 || p.equals("?") ? List.of() : List.of(p);
        }

        private static String stripTrailingSeparators(String path) {
            int end = path.length();
            while (end > 1 && (path.charAt(end - 1) == '/' || path.charAt(end - 1) == '\\')) {
                end--;
            }
            return path.substring(0, end);
        }
    }

    /** A custom pattern: every match, or its {@code secret} group. */
    private record CustomPattern(int kind, Pattern pattern) implements Detector {
        @Override
        public void scan(String text, Spans out) {
            boolean group = pattern.namedGroups().containsKey("secret");
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                int s = group ? m.start("secret") : m.start();
                int e = group ? m.end("secret") : m.end();
                if (s >= 0 && e > s) {
                    out.add(s, e, kind);
                }
            }
        }
    }

}
