package dev.sandbox4j.policy;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.internal.Texts;
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
import org.jspecify.annotations.Nullable;

/**
 * Redacts secrets and host details from a run's stdout/stderr before they are handed to an LLM or a user, and reports
 * what it redacted. Meant to be enabled per session; nothing is redacted unless a sanitizer is configured.
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
 * <p>Built-in kinds, in the order they are applied (a later kind never sees text an earlier kind replaced):
 * <ol>
 *   <li>{@code private_key}: whole PEM blocks from {@code -----BEGIN ... PRIVATE KEY-----} to the matching
 *       {@code -----END ... PRIVATE KEY-----} (PKCS#8, RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... BLOCK), also inside
 *       JSON strings with {@code \n} escapes. A block with no END line (truncated output) is redacted up to the
 *       first character that cannot occur in a PEM body.
 *   <li>{@code url_credentials}: the password of {@code scheme://user:password@host}; the scheme, user and host stay.
 *   <li>{@code bearer}: the credentials of an {@code Authorization: Bearer|Basic|Token ...} header (also as a JSON
 *       or dict entry), and {@code Bearer <token>} anywhere when the token has 8 or more characters including a digit
 *       (so "Bearer tokens are ..." in prose is left alone). The words are recognised in lower, Capitalised and
 *       UPPER case.
 *   <li>{@code jwt}: three base64url segments separated by dots, the first starting {@code eyJ}.
 *   <li>{@code aws_key}: access key ids ({@code AKIA} or {@code ASIA} plus 16 upper-case letters or digits) and
 *       40-character values of {@code aws_secret_access_key}/{@code SecretAccessKey} keys.
 *   <li>{@code github_token}: {@code ghp_}, {@code gho_}, {@code ghu_}, {@code ghs_}, {@code ghr_} tokens and
 *       {@code github_pat_} fine-grained tokens.
 *   <li>{@code slack_token}: {@code xoxb-}, {@code xoxa-}, {@code xoxp-}, {@code xoxr-}, {@code xoxs-} tokens.
 *   <li>{@code openai_key}: {@code sk-} keys of 20 or more characters with at least one digit, including
 *       {@code sk-proj-...} (and other vendors' {@code sk-...} keys of that shape).
 *   <li>{@code password}: the value, never the key, of a key/value pair whose key ends in {@code password},
 *       {@code passwd}, {@code passphrase}, {@code pwd}, {@code secret}, {@code token}, {@code api_key}/{@code apikey},
 *       {@code access_key}, {@code secret_key}, {@code private_key}, {@code auth}, or {@code _pass} (case-insensitive;
 *       so {@code DB_PASSWORD}, {@code clientSecret}, {@code GITHUB_TOKEN} and {@code x-api-key} count, while
 *       {@code max_tokens}, {@code token_type} and {@code secret_name} do not). Forms: {@code key=value} anywhere
 *       (env, INI, URL query, {@code toString()}), {@code key: value} at the start of a line (YAML, YAML list
 *       items, HTTP headers), after <code>&#123;</code> or {@code ,} (JS objects, YAML flow maps) or with a quoted
 *       key (JSON, Python dicts, JSON escaped inside a string), and {@code --key value} command-line flags.
 *       Quoted values keep their quotes. An unquoted value runs to the end of the line for {@code key: value} and
 *       {@code key = value} (blanks around the {@code =}, INI style) at the start of a line; otherwise, as in
 *       {@code KEY=value} (shell and env style), it ends at the next blank or one of
 *       <code>" ' &amp; , ; &lt; &gt; ) ] &#125;</code>.
 *       Not redacted: a keyword without a value ("forgot your password"), {@code key: value} in the middle of prose,
 *       {@code ==} comparisons, the values {@code null}, {@code true}, {@code false}, {@code none}, {@code ~} and
 *       already masked {@code ****}, and the shell's {@code PWD=} variable (a directory, left to {@code home_path}).
 *   <li>{@code email}: e-mail addresses. <b>Not on by default</b>; enable with {@code kind("email")}.
 *   <li>{@code home_path}: the home directory prefix of a host path: {@code /home/<user>}, {@code /Users/<user>},
 *       {@code /root}, {@code C:\Users\<user>} and the literal {@link Builder#homePaths(Collection) homePaths}
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
 * Custom {@link Builder#pattern(String, Pattern) patterns} run after the built-in kinds, in the order they were added.
 * Version numbers such as {@code 3.11.2}, times, git SHAs, UUIDs and other hex strings are not redacted unless they
 * are the value of a key listed above.
 *
 * <p>Each match is replaced by the {@link Builder#replacement(String) replacement}, by default
 * {@code [REDACTED:<kind>]}. Replaced text is never examined again, so a replacement is never itself redacted and a
 * match never spans one. Text that already reads like one of the replacements (of 4 or more characters) is treated
 * the same way, so sanitizing already sanitized output changes nothing.
 *
 * <p>{@link #sanitize(String)} runs in time linear in the input for the built-in kinds (a 1 MiB output takes from a few
 * milliseconds to a few tens of milliseconds, depending on how many candidates it holds) and does not throw for any
 * input: if a pattern fails on some text (for example a custom pattern
 * overflows the stack), the lines it failed on are replaced whole, so a failure never leaks what it was meant to hide.
 *
 * <p>Instances are immutable and thread-safe; share one per configuration.
 *
 * @since 0.1
 */
public final class OutputSanitizer {
    private static final String PRIVATE_KEY = "private_key";
    private static final String URL_CREDENTIALS = "url_credentials";
    private static final String BEARER = "bearer";
    private static final String JWT = "jwt";
    private static final String AWS_KEY = "aws_key";
    private static final String GITHUB_TOKEN = "github_token";
    private static final String SLACK_TOKEN = "slack_token";
    private static final String OPENAI_KEY = "openai_key";
    private static final String PASSWORD = "password";
    private static final String EMAIL = "email";
    private static final String HOME_PATH = "home_path";
    private static final String IPV6 = "ipv6";
    private static final String IPV4 = "ipv4";

    /** Every built-in kind, in the order it is applied. */
    private static final List<String> BUILT_INS = List.of(
            PRIVATE_KEY,
            URL_CREDENTIALS,
            BEARER,
            JWT,
            AWS_KEY,
            GITHUB_TOKEN,
            SLACK_TOKEN,
            OPENAI_KEY,
            PASSWORD,
            EMAIL,
            HOME_PATH,
            IPV6,
            IPV4);

    private static final String DEFAULT_REPLACEMENT = "[REDACTED:%s]";
    private static final Pattern CUSTOM_KIND = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final Set<String> builtIns;
    private final Map<String, List<Pattern>> patterns;
    private final List<String> homePaths;
    private final String replacement;
    private final Set<String> kinds;
    private final List<Rule> rules;
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
        List<Rule> list = new ArrayList<>();
        for (String kind : builtIns) {
            for (Scanner scanner : BuiltIns.scanners(kind, homePaths)) {
                list.add(new Rule(kind, format(replacement, kind), scanner));
            }
        }
        patterns.forEach((kind, ps) -> {
            for (Pattern p : ps) {
                List<String> groups = p.namedGroups().containsKey("secret") ? List.of("secret") : List.of();
                list.add(new Rule(kind, format(replacement, kind), new RegexScanner(p, groups, null, null)));
            }
        });
        this.rules = List.copyOf(list);
        Set<String> replacements = new LinkedHashSet<>();
        for (Rule rule : rules) {
            if (rule.replacement.length() >= 4) {
                replacements.add(rule.replacement);
            }
        }
        this.replacementStrings = List.copyOf(replacements);
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
     * The enabled kinds in the order they are applied: built-in kinds in their fixed order, then custom pattern kinds
     * in the order they were added.
     */
    public Set<String> kinds() {
        return kinds;
    }

    /**
     * Replaces every match of every enabled kind in {@code text}.
     *
     * <p>Never throws for any text and runs in time linear in its length for the built-in kinds.
     *
     * @return the sanitized text with one {@link Redaction} per kind that matched, in the order kinds were applied
     * @throws NullPointerException if {@code text} is null
     */
    public Sanitized sanitize(String text) {
        requireNonNull(text, "text");
        if (rules.isEmpty() || text.isEmpty()) {
            return new Sanitized(text, List.of());
        }
        String current = text;
        int[] protectedRanges = existingReplacements(text);
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Rule rule : rules) {
            if (!rule.scanner.mightMatch(current)) {
                continue;
            }
            Pass pass = new Pass(current, rule);
            pass.run(protectedRanges);
            if (pass.count > 0) {
                current = pass.text();
                protectedRanges = pass.ranges();
                counts.merge(rule.kind, pass.count, Integer::sum);
            }
        }
        List<Redaction> report = new ArrayList<>(counts.size());
        counts.forEach((kind, count) -> report.add(new Redaction(kind, count)));
        return new Sanitized(current, report);
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

    private static String format(String replacementFormat, String kind) {
        return String.format(Locale.ROOT, replacementFormat, kind);
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
         * matches are ignored. Custom patterns run after the built-in kinds, in the order added; several patterns may
         * share a kind. The pattern should not backtrack catastrophically: it runs on untrusted output.
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

    // ---------------------------------------------------------------------------------------------------------------
    // Engine. Each rule runs over the current text, but only inside the gaps between earlier replacements
    // (protectedRanges), so no rule ever sees or splits a replacement. Regions use transparent bounds: lookarounds see
    // the real neighbours, while ^ and \z keep their whole-text meaning.

    private record Rule(String kind, String replacement, Scanner scanner) {}

    /** Finds spans to replace within [from, to) of a text; reports them in increasing order. */
    private interface Scanner {
        /** A cheap test on the whole text; false means the scanner cannot match anywhere. */
        default boolean mightMatch(String text) {
            return true;
        }

        Session open(String text);
    }

    private interface Session {
        void scan(int from, int to, Sink sink);
    }

    private interface Sink {
        void redact(int start, int end);
    }

    /** Decides about a candidate span; returns the end to redact to, or -1 to skip the candidate. */
    private interface SpanFilter {
        int accept(String text, int start, int end);
    }

    /** One rule applied to one text: builds the new text and the new protected ranges. */
    private static final class Pass implements Sink {
        private final String text;
        private final String replacement;
        private final Session session;
        private @Nullable StringBuilder out;
        private int copied;
        private int[] ranges = new int[8];
        private int rangeCount; // ints used in ranges (two per range)
        private int count;
        private int gapFrom;
        private int gapTo;

        Pass(String text, Rule rule) {
            this.text = text;
            this.replacement = rule.replacement;
            this.session = rule.scanner.open(text);
        }

        void run(int[] protectedRanges) {
            int gapStart = 0;
            for (int i = 0; i <= protectedRanges.length; i += 2) {
                int gapEnd = i < protectedRanges.length ? protectedRanges[i] : text.length();
                if (gapEnd > gapStart) {
                    scanGap(gapStart, gapEnd);
                }
                if (i < protectedRanges.length) {
                    int delta = out == null ? 0 : out.length() - copied;
                    addRange(protectedRanges[i] + delta, protectedRanges[i + 1] + delta);
                    gapStart = protectedRanges[i + 1];
                }
            }
        }

        private void scanGap(int from, int to) {
            int savedOut = out == null ? -1 : out.length();
            int savedCopied = copied;
            int savedRanges = rangeCount;
            int savedCount = count;
            try {
                scan(from, to);
            } catch (RuntimeException | StackOverflowError e) {
                // Fail closed: retry line by line and replace whole any line the pattern still fails on.
                restore(savedOut, savedCopied, savedRanges, savedCount);
                int lineStart = from;
                while (lineStart < to) {
                    int lineEnd = lineStart;
                    while (lineEnd < to && text.charAt(lineEnd) != '\n' && text.charAt(lineEnd) != '\r') {
                        lineEnd++;
                    }
                    if (lineEnd > lineStart) {
                        int o = out == null ? -1 : out.length();
                        int c = copied;
                        int r = rangeCount;
                        int n = count;
                        try {
                            scan(lineStart, lineEnd);
                        } catch (RuntimeException | StackOverflowError again) {
                            restore(o, c, r, n);
                            gapFrom = lineStart;
                            gapTo = lineEnd;
                            redact(lineStart, lineEnd);
                        }
                    }
                    lineStart = lineEnd + 1;
                }
            }
        }

        private void scan(int from, int to) {
            gapFrom = from;
            gapTo = to;
            session.scan(from, to, this);
        }

        private void restore(int savedOut, int savedCopied, int savedRanges, int savedCount) {
            if (savedOut < 0) {
                out = null;
            } else if (out != null) {
                out.setLength(savedOut);
            }
            copied = savedCopied;
            rangeCount = savedRanges;
            count = savedCount;
        }

        @Override
        public void redact(int start, int end) {
            if (start < copied || start < gapFrom || end > gapTo || end <= start) {
                return; // out of order, outside the gap or empty: ignore rather than corrupt the text
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 64);
            }
            out.append(text, copied, start);
            int replacementStart = out.length();
            out.append(replacement);
            addRange(replacementStart, out.length());
            copied = end;
            count++;
        }

        private void addRange(int start, int end) {
            if (rangeCount + 2 > ranges.length) {
                ranges = Arrays.copyOf(ranges, ranges.length * 2);
            }
            ranges[rangeCount++] = start;
            ranges[rangeCount++] = end;
        }

        String text() {
            if (out == null) {
                return text;
            }
            out.append(text, copied, text.length());
            copied = text.length();
            return out.toString();
        }

        int[] ranges() {
            return Arrays.copyOf(ranges, rangeCount);
        }
    }

    /**
     * Where a pattern can start. java.util.regex tries a pattern at every index, which is slow for patterns that start
     * with a lookbehind or a character class; instead {@link String#indexOf} finds a literal every match contains and
     * {@code start} turns its position into the index the pattern is tried at (or -1).
     */
    private record Trigger(List<String> literals, StartFinder start) {}

    private interface StartFinder {
        int start(String text, int occurrence, int literal);
    }

    /** Occurrences, in increasing order, of any of several literals; remembers the next occurrence of each. */
    private static final class Occurrences {
        private final String haystack;
        private final String[] literals;
        private final int[] next;
        private int lastLiteral;

        Occurrences(String haystack, List<String> literals) {
            this.haystack = haystack;
            this.literals = literals.toArray(String[]::new);
            this.next = new int[this.literals.length];
            Arrays.fill(next, -1);
        }

        /** The first occurrence at or after {@code from} and before {@code to}, or -1. */
        int next(int from, int to) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i < literals.length; i++) {
                if (next[i] != Integer.MAX_VALUE && next[i] < from) {
                    int found = haystack.indexOf(literals[i], from);
                    next[i] = found < 0 ? Integer.MAX_VALUE : found;
                }
                if (next[i] < best) {
                    best = next[i];
                    lastLiteral = i;
                }
            }
            return best < to ? best : -1;
        }

        /** Which literal the last {@link #next} found. */
        int lastLiteral() {
            return lastLiteral;
        }
    }

    /**
     * Redacts each match, or the first of {@code groups} that took part in it. With a trigger the pattern is only tried
     * where the trigger points; without one (custom patterns) it is searched for everywhere.
     */
    private record RegexScanner(
            Pattern pattern, List<String> groups, @Nullable SpanFilter filter, @Nullable Trigger trigger)
            implements Scanner {

        @Override
        public Session open(String text) {
            Matcher m = pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            if (trigger == null) {
                return (from, to, sink) -> {
                    m.region(from, to);
                    while (m.find()) {
                        redactMatch(text, m, sink);
                    }
                };
            }
            Occurrences occurrences =
                    new Occurrences(text, trigger.literals);
            int[] lastTried = {-1};
            return (from, to, sink) -> {
                int pos = from;
                int occurrence;
                while ((occurrence = occurrences.next(pos, to)) >= 0) {
                    int start = trigger.start.start(text, occurrence, occurrences.lastLiteral());
                    pos = occurrence + 1;
                    if (start < 0 || start == lastTried[0]) {
                        continue;
                    }
                    lastTried[0] = start;
                    m.region(Math.max(start, from), to);
                    if (m.lookingAt()) {
                        redactMatch(text, m, sink);
                        pos = Math.max(pos, m.end());
                    }
                }
            };
        }

        private void redactMatch(String text, Matcher m, Sink sink) {
            int start = m.start();
            int end = m.end();
            if (!groups.isEmpty()) {
                start = -1;
                for (String g : groups) {
                    if (m.start(g) >= 0) {
                        start = m.start(g);
                        end = m.end(g);
                        break;
                    }
                }
                if (start < 0) {
                    return;
                }
            }
            if (filter != null) {
                end = filter.accept(text, start, end);
            }
            if (end > start) {
                sink.redact(start, end);
            }
        }
    }

    /** The built-in kinds. Patterns begin with lookbehinds so that a match never starts inside a longer token. */
    private static final class BuiltIns {
        private static final String PEM_LABEL = "[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----";
        private static final Pattern PEM_BEGIN = Pattern.compile("-----BEGIN" + PEM_LABEL);
        private static final Pattern PEM_END = Pattern.compile("-----END" + PEM_LABEL);

        private static final Pattern URL_CREDENTIALS_PATTERN = Pattern.compile(
                "(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}+://[^\\s:/?#@\"'<>\\[\\]`]*+:"
                        + "(?<secret>[^\\s/?#\"'<>`]+)@");

        private static final Pattern AUTHORIZATION_HEADER = Pattern.compile(
                "(?i)(?<![A-Za-z0-9])authorization[\"']?[ \\t]*[:=][ \\t]*[\"']?(?:bearer|basic|token)[ \\t]+"
                        + "(?<secret>[^\\s\"',;]+)");
        private static final Pattern BEARER_TOKEN = Pattern.compile(
                "(?i)(?<![A-Za-z0-9])bearer[ \\t]+(?<secret>(?=[A-Za-z._~+/-]*+[0-9])[A-Za-z0-9._~+/-]{8,}+=*+)");

        private static final Pattern JWT_PATTERN = Pattern.compile(
                "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}+\\.[A-Za-z0-9_-]{5,}+\\.[A-Za-z0-9_-]*+");

        private static final Pattern AWS_ACCESS_KEY_ID =
                Pattern.compile("(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])");

        private static final Pattern GITHUB = Pattern.compile(
                "(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}+|github_pat_[A-Za-z0-9_]{30,255}+)"
                        + "(?![A-Za-z0-9_])");
        private static final Pattern SLACK = Pattern.compile("(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}+");
        private static final Pattern OPENAI =
                Pattern.compile("(?<![A-Za-z0-9_-])sk-(?=[A-Za-z_-]*+[0-9])[A-Za-z0-9_-]{20,}+");

        private static final Pattern EMAIL_PATTERN = Pattern.compile(
                "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}+@(?:[A-Za-z0-9-]{1,63}+\\.){1,8}[A-Za-z]{2,24}+"
                        + "(?![A-Za-z0-9-])");

        private static final String USER = "[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?(?![A-Za-z0-9_$-])";
        private static final Pattern HOME_GENERIC = Pattern.compile("(?<![A-Za-z0-9_.~-])(?:"
                + "/(?:home|Users)/" + USER
                + "|/root(?![A-Za-z0-9_~-]|\\.[A-Za-z0-9_])"
                + "|[A-Za-z]:\\\\{1,2}Users\\\\{1,2}" + USER + ")");
        private static final List<String> HOME_LITERALS =
                List.of("/home/", "/Users/", "/root", ":\\Users\\", ":\\\\Users\\\\");

        private static final String OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
        private static final Pattern IPV4_PATTERN = Pattern.compile("(?<![0-9A-Za-z_.])"
                + "(?!127\\.|0\\.0\\.0\\.0(?![0-9]))"
                + OCTET + "(?:\\." + OCTET + "){3}"
                + "(?![0-9A-Za-z_]|\\.[0-9])");
        private static final Pattern IPV6_CANDIDATE = Pattern.compile("(?<![0-9A-Za-z_:.])(?=[0-9A-Fa-f]{0,4}:)"
                + "[0-9A-Fa-f:]{2,}+(?:\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})?(?![0-9A-Za-z_]|\\.[0-9])");
        private static final Pattern LOOPBACK_V6 = Pattern.compile("(?:0{1,4}:){7}0{0,3}1");

        private static final StartFinder AT = (text, occurrence, literal) -> occurrence;

        static List<Scanner> scanners(String kind, List<String> homePaths) {
            return switch (kind) {
                case PRIVATE_KEY -> List.of(new PrivateKeyScanner());
                case URL_CREDENTIALS -> List.of(regex(URL_CREDENTIALS_PATTERN, List.of("://"), (t, o, l) -> {
                    int s = o;
                    while (s > 0 && o - s < 31 && isSchemeChar(t.charAt(s - 1))) {
                        s--;
                    }
                    return s < o && hasUserInfo(t, o + 3) ? s : -1;
                }));
                case BEARER -> List.of(
                        regex(AUTHORIZATION_HEADER, List.of("authorization", "Authorization", "AUTHORIZATION"), AT),
                        regex(BEARER_TOKEN, List.of("bearer", "Bearer", "BEARER"), AT));
                case JWT -> List.of(regex(JWT_PATTERN, List.of("eyJ"), AT));
                case AWS_KEY -> List.of(
                        regex(AWS_ACCESS_KEY_ID, List.of("AKIA", "ASIA"), AT),
                        new KeyValueScanner(KeyValueScanner::awsSecretKey, true, KeyValueScanner::awsSecretValue));
                case GITHUB_TOKEN -> List.of(regex(
                        GITHUB, List.of("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), AT));
                case SLACK_TOKEN -> List.of(regex(SLACK, List.of("xox"), AT));
                case OPENAI_KEY -> List.of(regex(OPENAI, List.of("sk-"), AT));
                case PASSWORD -> List.of(new KeyValueScanner(KeyValueScanner::passwordKey, false, null));
                case EMAIL -> List.of(regex(EMAIL_PATTERN, List.of("@"), (t, o, l) -> {
                    int s = o;
                    while (s > 0 && o - s < 64 && isEmailLocalChar(t.charAt(s - 1))) {
                        s--;
                    }
                    return s < o ? s : -1;
                }));
                case HOME_PATH -> homePaths.isEmpty()
                        ? List.of(homeGeneric())
                        : List.of(homeLiterals(homePaths), homeGeneric());
                case IPV6 -> List.of(new RegexScanner(
                        IPV6_CANDIDATE, List.of(), BuiltIns::ipv6End, new Trigger(List.of(":"), (t, o, l) -> {
                            int s = o;
                            while (s > 0 && o - s < 45 && isHexOrColon(t.charAt(s - 1))) {
                                s--;
                            }
                            // Needs "::" or seven colons; rules out times such as 12:30:45 cheaply.
                            int colons = 0;
                            boolean pair = false;
                            for (int i = s; i < t.length() && i - s < 45 && isHexOrColon(t.charAt(i)); i++) {
                                if (t.charAt(i) == ':') {
                                    colons++;
                                    pair |= i > s && t.charAt(i - 1) == ':';
                                }
                            }
                            return pair || colons >= 7 ? s : -1;
                        })));
                case IPV4 -> List.of(regex(IPV4_PATTERN, List.of("."), (t, o, l) -> {
                    int s = o;
                    while (s > 0 && o - s < 3 && isDigit(t.charAt(s - 1))) {
                        s--;
                    }
                    return s < o && looksLikeDottedQuad(t, s) ? s : -1;
                }));
                default -> throw new IllegalStateException("no scanner for built-in kind " + kind);
            };
        }

        private static Scanner regex(Pattern pattern, List<String> literals, StartFinder start) {
            List<String> groups = pattern.namedGroups().containsKey("secret") ? List.of("secret") : List.of();
            return new RegexScanner(pattern, groups, null, new Trigger(literals, start));
        }

        private static Scanner homeGeneric() {
            // The Windows literals start at the colon; the match starts at the drive letter before it.
            return regex(HOME_GENERIC, HOME_LITERALS, (t, o, l) -> l >= 3 ? (o > 0 ? o - 1 : -1) : o);
        }

        private static Scanner homeLiterals(List<String> paths) {
            List<String> sorted = new ArrayList<>(paths);
            sorted.sort(Comparator.comparingInt(String::length).reversed()); // longest first: /a/b before /a
            StringBuilder alternatives = new StringBuilder();
            for (String p : sorted) {
                alternatives.append(alternatives.isEmpty() ? "" : "|").append(Pattern.quote(p));
            }
            Pattern p = Pattern.compile("(?<![A-Za-z0-9_.~-])(?:" + alternatives
                    + ")(?![A-Za-z0-9_~-]|\\.[A-Za-z0-9_])");
            return regex(p, sorted, AT);
        }

        /** Whether an '@' comes before the end of the URL authority that starts at {@code i}. */
        private static boolean hasUserInfo(String t, int i) {
            for (; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c == '@') {
                    return true;
                }
                if (c == '/' || c == '?' || c == '#' || Character.isWhitespace(c)) {
                    return false;
                }
            }
            return false;
        }

        /** Four runs of 1-3 digits separated by dots start at {@code s}; the pattern checks the rest. */
        private static boolean looksLikeDottedQuad(String t, int s) {
            int i = s;
            for (int part = 0; part < 4; part++) {
                int digits = 0;
                while (i < t.length() && digits < 4 && isDigit(t.charAt(i))) {
                    i++;
                    digits++;
                }
                if (digits == 0 || digits > 3) {
                    return false;
                }
                if (part < 3) {
                    if (i >= t.length() || t.charAt(i) != '.') {
                        return false;
                    }
                    i++;
                }
            }
            return true;
        }

        private static boolean isSchemeChar(char c) {
            return isAlnum(c) || c == '+' || c == '.' || c == '-';
        }

        private static boolean isEmailLocalChar(char c) {
            return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
        }

        private static boolean isHexOrColon(char c) {
            return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':';
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        static boolean isAlnum(char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        }

        /**
         * Validates an IPv6 candidate: at most one {@code ::}, eight groups without it or two to seven with it, groups
         * of 1-4 hex digits, an optional IPv4 tail (two groups), at least one decimal digit, not the loopback. A
         * trailing single colon (end of a sentence or a port separator) is left out of the span.
         */
        static int ipv6End(String text, int start, int end) {
            String a = text.substring(start, end);
            if (a.endsWith(":") && !a.endsWith("::")) {
                a = a.substring(0, a.length() - 1);
                end--;
            }
            int dbl = a.indexOf("::");
            if (dbl >= 0 && a.indexOf("::", dbl + 1) >= 0) {
                return -1;
            }
            List<String> groups = new ArrayList<>();
            if (dbl < 0) {
                groups.addAll(Arrays.asList(a.split(":", -1)));
            } else {
                if (dbl > 0) {
                    groups.addAll(Arrays.asList(a.substring(0, dbl).split(":", -1)));
                }
                if (dbl + 2 < a.length()) {
                    groups.addAll(Arrays.asList(a.substring(dbl + 2).split(":", -1)));
                }
            }
            int total = 0;
            for (int i = 0; i < groups.size(); i++) {
                String g = groups.get(i);
                if (g.indexOf('.') >= 0) {
                    if (i != groups.size() - 1 || !isIpv4(g)) {
                        return -1;
                    }
                    total += 2;
                } else if (g.isEmpty() || g.length() > 4) {
                    return -1;
                } else {
                    total++;
                }
            }
            boolean valid = dbl < 0 ? total == 8 : total >= 2 && total <= 7;
            if (!valid || a.chars().noneMatch(c -> c >= '0' && c <= '9')) {
                return -1;
            }
            return LOOPBACK_V6.matcher(a).matches() ? -1 : end;
        }

        private static boolean isIpv4(String s) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String part : parts) {
                if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
                    return false;
                }
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * PEM private key blocks. The END marker is searched once and remembered, so many BEGIN lines without an END
     * still take linear time.
     */
    private static final class PrivateKeyScanner implements Scanner {
        @Override
        public boolean mightMatch(String text) {
            return text.contains("PRIVATE KEY");
        }

        @Override
        public Session open(String text) {
            Matcher begin = BuiltIns.PEM_BEGIN.matcher(text);
            Matcher end = BuiltIns.PEM_END.matcher(text);
            return (from, to, sink) -> {
                int knownEnd = -1; // start of the END marker found last, or Integer.MAX_VALUE if none is left
                int knownEndStop = -1;
                begin.region(from, to);
                while (begin.find()) {
                    int stop;
                    if (knownEnd != Integer.MAX_VALUE && knownEnd < begin.end()) {
                        end.region(begin.end(), to);
                        if (end.find()) {
                            knownEnd = end.start();
                            knownEndStop = end.end();
                        } else {
                            knownEnd = Integer.MAX_VALUE;
                        }
                    }
                    if (knownEnd != Integer.MAX_VALUE) {
                        stop = knownEndStop;
                    } else {
                        stop = begin.end();
                        while (stop < to && isPemBodyChar(text.charAt(stop))) {
                            stop++;
                        }
                        while (stop > begin.end() && Character.isWhitespace(text.charAt(stop - 1))) {
                            stop--;
                        }
                    }
                    sink.redact(begin.start(), stop);
                    if (stop >= to) {
                        break;
                    }
                    begin.region(stop, to);
                }
            };
        }

        private static boolean isPemBodyChar(char c) {
            return (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '=' || c == ':' || c == ',' || c == '-' || c == '\\'
                    || c == ' ' || c == '\t' || c == '\n' || c == '\r';
        }
    }


    /**
     * Key/value pairs ({@code password}, and AWS secret access keys): finds each {@code =}, {@code :} and
     * {@code --}, reads the key in front of it (or after it, for a flag), and if the key qualifies measures and redacts
     * the value.
     */
    private static final class KeyValueScanner implements Scanner {
        private static final int MAX_KEY = 64;
        private static final List<String> ANY_PREFIX = List.of(
                "password", "passwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key",
                "accesskey", "access_key", "access-key", "secretkey", "secret_key", "secret-key",
                "privatekey", "private_key", "private-key");

        private final KeyTest keys;
        private final boolean colonAnywhere;
        private final @Nullable ValueTest valueTest;

        interface KeyTest {
            boolean test(String text, int keyStart, int keyEnd);
        }

        interface ValueTest {
            boolean test(String text, int start, int end);
        }

        KeyValueScanner(KeyTest keys, boolean colonAnywhere, @Nullable ValueTest valueTest) {
            this.keys = keys;
            this.colonAnywhere = colonAnywhere;
            this.valueTest = valueTest;
        }

        /** Keys ending in a password-like word; see the class javadoc for the list. */
        static boolean passwordKey(String text, int ks, int ke) {
            if ("dDeEtTnNyYhHsS".indexOf(text.charAt(ke - 1)) < 0) {
                return false; // no keyword ends in this letter; most keys stop here
            }
            for (String word : ANY_PREFIX) {
                if (endsWith(text, ks, ke, word)) {
                    return true;
                }
            }
            if (endsWith(text, ks, ke, "pwd") || endsWith(text, ks, ke, "auth")) {
                int before = ke - (endsWith(text, ks, ke, "pwd") ? 3 : 4) - 1;
                return before < 0 || !BuiltIns.isAlnum(text.charAt(before)); // not OLDPWD, oauth
            }
            if (endsWith(text, ks, ke, "pass")) {
                int before = ke - 5;
                return before >= ks && "_.-".indexOf(text.charAt(before)) >= 0; // DB_PASS, not PASS: or bypass
            }
            return false;
        }

        static boolean awsSecretKey(String text, int ks, int ke) {
            char last = text.charAt(ke - 1);
            return (last == 'y' || last == 'Y') && endsWith(text, ks, ke, "secret_access_key")
                    || endsWith(text, ks, ke, "secretaccesskey")
                    || endsWith(text, ks, ke, "secret-access-key");
        }

        static boolean awsSecretValue(String text, int start, int end) {
            if (end - start != 40) {
                return false;
            }
            for (int i = start; i < end; i++) {
                char c = text.charAt(i);
                if (!BuiltIns.isAlnum(c) && c != '/' && c != '+') {
                    return false;
                }
            }
            return true;
        }

        private static boolean endsWith(String text, int ks, int ke, String word) {
            return ke - ks >= word.length() && text.regionMatches(true, ke - word.length(), word, 0, word.length());
        }

        @Override
        public Session open(String text) {
            Occurrences occurrences = new Occurrences(text, List.of("=", ":", "--"));
            return (from, to, sink) -> {
                int pos = from;
                int at;
                while ((at = occurrences.next(pos, to)) >= 0) {
                    int end = text.charAt(at) == '-' ? flag(text, at, to, sink) : separator(text, at, to, sink);
                    pos = Math.max(at + 1, end);
                }
            };
        }

        /** {@code key=value}, {@code key: value}, {@code "key": value}; {@code s} is the separator's index. */
        private int separator(String text, int s, int to, Sink sink) {
            char sep = text.charAt(s);
            char next = s + 1 < text.length() ? text.charAt(s + 1) : '\n';
            char prev = s > 0 ? text.charAt(s - 1) : '\n';
            if (sep == '=' ? next == '=' || "=!<>".indexOf(prev) >= 0 : next == ':' || prev == ':') {
                return -1; // ==, !=, <=, >=, C++/Rust paths
            }
            int j = s;
            int limit = Math.max(0, s - 32);
            while (j > limit && isBlank(text.charAt(j - 1))) {
                j--;
            }
            char quote = 0;
            boolean escaped = false;
            if (j > 0 && isQuote(text.charAt(j - 1))) {
                quote = text.charAt(--j);
                if (j > 0 && text.charAt(j - 1) == '\\') {
                    escaped = true;
                    j--;
                }
            }
            int ke = j;
            int ks = ke;
            while (ks > 0 && ke - ks < MAX_KEY && isKeyChar(text.charAt(ks - 1))) {
                ks--;
            }
            if (ks == ke || !keys.test(text, ks, ke)) {
                return -1;
            }
            if (sep == '=' && ke - ks == 3 && text.startsWith("PWD", ks)) {
                return -1; // the shell's working directory, not a password
            }
            int p = ks;
            boolean quotedKey = false;
            if (quote != 0) {
                boolean opened = ks > 0
                        && text.charAt(ks - 1) == quote
                        && (!escaped || (ks > 1 && text.charAt(ks - 2) == '\\'));
                if (!opened) {
                    return -1;
                }
                quotedKey = true;
                p = escaped ? ks - 2 : ks - 1;
            }
            boolean lineStart = onlyIndentBefore(text, p);
            int q = skipBlanksBack(text, p);
            if (!lineStart && q > 0 && text.charAt(q - 1) == '-' && onlyIndentBefore(text, q - 1)) {
                lineStart = true; // YAML list item "- password: x"
            }
            boolean afterBrace = q > 0 && (text.charAt(q - 1) == '{' || text.charAt(q - 1) == ',');
            if (sep == ':' && !(colonAnywhere || quotedKey || lineStart || afterBrace)) {
                return -1; // "Invalid password: try again" is prose
            }
            // To the end of the line: YAML/header "key: value" and INI "key = value" at the start of a line. Shell and
            // env "KEY=value" stop at the first blank, as the shell does.
            boolean spaced = isBlank(text.charAt(s - 1)) || (s + 1 < text.length() && isBlank(text.charAt(s + 1)));
            boolean line = lineStart && !quotedKey && (sep == ':' || spaced);
            return value(text, s + 1, to, line, false, sink);
        }

        /** {@code --key value}; {@code d} is the index of the dashes. */
        private int flag(String text, int d, int to, Sink sink) {
            if (d > 0 && !isBlankOrBreak(text.charAt(d - 1))) {
                return -1;
            }
            int ks = d + 2;
            int ke = ks;
            while (ke < to && ke - ks < MAX_KEY && isKeyChar(text.charAt(ke))) {
                ke++;
            }
            if (ke == ks || ke >= to || !isBlank(text.charAt(ke)) || !keys.test(text, ks, ke)) {
                return -1;
            }
            return value(text, ke, to, false, true, sink);
        }

        /** Measures the value starting at or after {@code v} (after blanks), redacts it and returns its end, or -1. */
        private int value(String text, int v, int to, boolean line, boolean flag, Sink sink) {
            int start = skipBlanks(text, v, to);
            if (start >= to) {
                return -1;
            }
            char c = text.charAt(start);
            int end;
            if (c == '"' || c == '\'') {
                start++;
                end = quoted(text, start, to, c);
            } else if (c == '\\' && start + 1 < to && text.charAt(start + 1) == '"') {
                start += 2;
                end = start;
                while (end < to && text.charAt(end) != '\\' && text.charAt(end) != '"' && !isBreak(text.charAt(end))) {
                    end++;
                }
            } else if (flag && c == '-') {
                return -1; // "--password --verbose": the next flag is not a value
            } else if (line) {
                end = start;
                while (end < to && !isBreak(text.charAt(end))) {
                    end++;
                }
                while (end > start && isBlank(text.charAt(end - 1))) {
                    end--;
                }
            } else {
                end = start;
                while (end < to && !endsInlineValue(text.charAt(end))) {
                    end++;
                }
            }
            if (end <= start
                    || isPlaceholder(text, start, end)
                    || (valueTest != null && !valueTest.test(text, start, end))) {
                return -1;
            }
            sink.redact(start, end);
            return end;
        }

        private static int quoted(String text, int start, int to, char quote) {
            int i = start;
            while (i < to) {
                char ch = text.charAt(i);
                if (ch == quote || isBreak(ch)) {
                    return i;
                }
                if (quote == '"' && ch == '\\' && i + 1 < to && !isBreak(text.charAt(i + 1))) {
                    i += 2;
                } else {
                    i++;
                }
            }
            return Math.min(i, to);
        }

        private static boolean isPlaceholder(String text, int start, int end) {
            int n = end - start;
            if (n > 5) {
                for (int i = start; i < end; i++) {
                    if (text.charAt(i) != '*') {
                        return false;
                    }
                }
                return true;
            }
            String v = text.substring(start, end);
            return v.equalsIgnoreCase("null")
                    || v.equalsIgnoreCase("true")
                    || v.equalsIgnoreCase("false")
                    || v.equalsIgnoreCase("none")
                    || v.equals("~")
                    || v.chars().allMatch(ch -> ch == '*');
        }

        private static boolean endsInlineValue(char c) {
            return Character.isWhitespace(c) || "\"'&,;<>)]}`".indexOf(c) >= 0;
        }

        private static boolean isKeyChar(char c) {
            return BuiltIns.isAlnum(c) || c == '_' || c == '.' || c == '-';
        }

        private static boolean isQuote(char c) {
            return c == '"' || c == '\'';
        }

        private static boolean isBlank(char c) {
            return c == ' ' || c == '\t';
        }

        private static boolean isBreak(char c) {
            return c == '\n' || c == '\r';
        }

        private static boolean isBlankOrBreak(char c) {
            return isBlank(c) || isBreak(c);
        }

        private static int skipBlanks(String text, int i, int to) {
            while (i < to && isBlank(text.charAt(i))) {
                i++;
            }
            return i;
        }

        private static int skipBlanksBack(String text, int i) {
            int limit = Math.max(0, i - 256);
            while (i > limit && isBlank(text.charAt(i - 1))) {
                i--;
            }
            return i;
        }

        private static boolean onlyIndentBefore(String text, int i) {
            int j = skipBlanksBack(text, i);
            return j == 0 || isBreak(text.charAt(j - 1));
        }
    }
}
