package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunOptionsTest {

    @Test
    void defaultsNameNothing() {
        RunOptions options = RunOptions.defaults();

        assertThat(options.timeout()).isNull();
        assertThat(options.stdin()).isNull();
        assertThat(options.args()).isEmpty();
        assertThat(options.env()).isEmpty();
        assertThat(options.outputLimit()).isNull();
        assertThat(options.listener()).isSameAs(OutputListener.NONE);
    }

    @Test
    void builderStartsFromTheDefaults() {
        assertThat(RunOptions.builder().build()).isEqualTo(RunOptions.defaults());
    }

    @Test
    void timeoutShorthandSetsOnlyTheTimeout() {
        RunOptions options = RunOptions.timeout(Duration.ofSeconds(5));

        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.toBuilder().timeout(null).build()).isEqualTo(RunOptions.defaults());
    }

    @Test
    void builderSetsEveryField() {
        OutputListener listener = new OutputListener() {};
        RunOptions options = RunOptions.builder()
                .timeout(Duration.ofSeconds(3))
                .stdin("hi\n")
                .args(List.of("a", "b"))
                .env("MODE", "test")
                .outputLimit(DataSize.ofKilobytes(8))
                .listener(listener)
                .build();

        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.stdin()).isEqualTo("hi\n".getBytes(StandardCharsets.UTF_8));
        assertThat(options.args()).containsExactly("a", "b");
        assertThat(options.env()).containsOnly(Map.entry("MODE", "test"));
        assertThat(options.outputLimit()).isEqualTo(DataSize.ofKilobytes(8));
        assertThat(options.listener()).isSameAs(listener);
    }

    @Test
    void toBuilderRoundTripsWithoutStdin() {
        RunOptions original = RunOptions.builder()
                .timeout(Duration.ofSeconds(3))
                .args(List.of("x"))
                .env("A", "1")
                .outputLimit(DataSize.ofKilobytes(8))
                .build();

        assertThat(original.toBuilder().build()).isEqualTo(original);

        RunOptions changed = original.toBuilder().env("B", "2").args(List.of("y", "z")).build();
        assertThat(changed.env()).containsOnly(Map.entry("A", "1"), Map.entry("B", "2"));
        assertThat(changed.args()).containsExactly("y", "z");
        assertThat(original.env()).containsOnly(Map.entry("A", "1"));
        assertThat(original.args()).containsExactly("x");
    }

    @Test
    void toBuilderKeepsStdinContent() {
        RunOptions original = RunOptions.builder().stdin("data").build();

        assertThat(original.toBuilder().build().stdin()).isEqualTo("data".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void equalsComparesStdinByContent() {
        RunOptions original = RunOptions.builder().stdin("data").build();
        RunOptions copy = original.toBuilder().build();

        assertThat(copy).isEqualTo(original);
        assertThat(copy).hasSameHashCodeAs(original);
        assertThat(original.toString()).doesNotContain("[B@");
    }

    @Test
    void stdinStringIsEncodedAsUtf8() {
        assertThat(RunOptions.builder().stdin("ä€").build().stdin())
                .isEqualTo(new byte[] {(byte) 0xC3, (byte) 0xA4, (byte) 0xE2, (byte) 0x82, (byte) 0xAC});
    }

    @Test
    void mutatingTheStdinArrayPassedInDoesNotChangeTheOptions() {
        byte[] input = {1, 2, 3};
        RunOptions options = new RunOptions(null, input, List.of(), Map.of(), null, OutputListener.NONE);

        input[0] = 9;

        assertThat(options.stdin()).containsExactly(1, 2, 3);
    }

    @Test
    void mutatingTheStdinArrayObtainedDoesNotChangeTheOptions() {
        RunOptions options = RunOptions.builder().stdin(new byte[] {1, 2, 3}).build();

        byte[] obtained = options.stdin();
        obtained[0] = 9;

        assertThat(options.stdin()).containsExactly(1, 2, 3);
        assertThat(options.stdin()).isNotSameAs(options.stdin());
    }

    @Test
    void builderCopiesTheStdinArrayItIsGiven() {
        byte[] input = {1, 2, 3};
        RunOptions.Builder builder = RunOptions.builder().stdin(input);

        input[0] = 9;

        assertThat(builder.build().stdin()).containsExactly(1, 2, 3);
    }

    @Test
    void stdinMayBeNullOrEmpty() {
        assertThat(RunOptions.builder().stdin("x").stdin((byte[]) null).build().stdin())
                .isNull();
        assertThat(RunOptions.builder().stdin(new byte[0]).build().stdin()).isEmpty();
    }

    @Test
    void copiesTheCollectionsItIsGiven() {
        List<String> args = new ArrayList<>(List.of("a"));
        Map<String, String> env = new HashMap<>(Map.of("A", "1"));
        RunOptions options = new RunOptions(null, null, args, env, null, OutputListener.NONE);

        args.add("b");
        env.put("B", "2");

        assertThat(options.args()).containsExactly("a");
        assertThat(options.env()).containsOnly(Map.entry("A", "1"));
    }

    @Test
    void builderArgsCopiesTheList() {
        List<String> args = new ArrayList<>(List.of("a"));
        RunOptions.Builder builder = RunOptions.builder().args(args);

        args.add("b");

        assertThat(builder.build().args()).containsExactly("a");
    }

    @Test
    void collectionsAreUnmodifiable() {
        RunOptions options =
                RunOptions.builder().args(List.of("a")).env("A", "1").build();

        assertThatThrownBy(() -> options.args().add("b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> options.env().put("B", "2")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsNullArgumentNamingIt() {
        List<String> args = new ArrayList<>();
        args.add(null);

        assertThatThrownBy(() -> RunOptions.builder().args(args))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("args element");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void rejectsNonPositiveTimeout(long seconds) {
        Duration timeout = Duration.ofSeconds(seconds);

        assertThatThrownBy(() -> RunOptions.builder().timeout(timeout))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout (" + timeout + ") must be positive");
        assertThatThrownBy(() -> new RunOptions(timeout, null, List.of(), Map.of(), null, OutputListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout (" + timeout + ") must be positive");
        assertThatThrownBy(() -> RunOptions.timeout(timeout)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsTimeoutLongerThanAWeek() {
        assertThatThrownBy(() -> RunOptions.timeout(Duration.ofDays(8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout (PT192H) must be at most PT168H");
        assertThat(RunOptions.timeout(Duration.ofDays(7)).timeout()).isEqualTo(Duration.ofDays(7));
        assertThat(RunOptions.timeout(Duration.ofNanos(1)).timeout()).isEqualTo(Duration.ofNanos(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1A", "A-B", "A=B", "A B"})
    void rejectsInvalidEnvironmentNames(String name) {
        assertThatThrownBy(() -> RunOptions.builder().env(name, "v").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("environment variable name '" + name + "' is not valid");
    }

    @Test
    void rejectsEmptyOrHugeOutputLimit() {
        assertThatThrownBy(() -> RunOptions.builder().outputLimit(DataSize.ofBytes(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outputLimit (0 B)");
        assertThatThrownBy(() -> RunOptions.builder()
                        .outputLimit(DataSize.ofGigabytes(4))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outputLimit (4 GiB)");
        assertThat(RunOptions.builder().outputLimit(DataSize.ofBytes(1)).build().outputLimit())
                .isEqualTo(DataSize.ofBytes(1));
    }

    @Test
    void rejectsNullListener() {
        assertThatThrownBy(() -> RunOptions.builder().listener(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
        assertThatThrownBy(() -> new RunOptions(null, null, List.of(), Map.of(), null, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
    }

    @Test
    void equalsDistinguishesStdinAndToStringNeverShowsItsContents() {
        RunOptions secret = RunOptions.builder().stdin("secret").build();

        assertThat(secret).isNotEqualTo(RunOptions.builder().stdin("other!").build());
        assertThat(secret).isNotEqualTo(RunOptions.defaults());
        assertThat(RunOptions.defaults()).isEqualTo(RunOptions.builder().build());
        assertThat(secret.toString()).contains("stdin=6 bytes").doesNotContain("secret");
        assertThat(RunOptions.defaults().toString()).contains("stdin=null");
    }

    @Test
    void outputLimitMessageNamesTheTrueBound() {
        assertThatThrownBy(() -> RunOptions.builder().outputLimit(DataSize.ofGigabytes(2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("outputLimit (2 GiB) must be between 1 B and 2147483639 B (just under 2 GiB)");
        assertThat(RunOptions.builder().outputLimit(DataSize.ofBytes(Integer.MAX_VALUE - 8)).build().outputLimit())
                .isEqualTo(DataSize.ofBytes(Integer.MAX_VALUE - 8));
    }

    // ---------------------------------------------------------------- 0.2: libraries, artifacts, workdir, compile

    @Test
    void newFieldsDefaultToNothing() {
        RunOptions d = RunOptions.defaults();
        assertThat(d.libraries()).isEmpty();
        assertThat(d.captureArtifacts()).isFalse();
        assertThat(d.workdir()).isNull();
        assertThat(d.compileTimeout()).isNull();
    }

    @Test
    void builderSetsTheNewFieldsAndToBuilderKeepsThem() {
        RunOptions o = RunOptions.builder()
                .libraries("requests==2.32.3", "numpy")
                .captureArtifacts(true)
                .workdir("src/app")
                .compileTimeout(Duration.ofSeconds(30))
                .build();
        assertThat(o.libraries()).containsExactly("requests==2.32.3", "numpy");
        assertThat(o.captureArtifacts()).isTrue();
        assertThat(o.workdir()).isEqualTo("src/app");
        assertThat(o.compileTimeout()).isEqualTo(Duration.ofSeconds(30));

        RunOptions copy = o.toBuilder().build();
        assertThat(copy).isEqualTo(o).hasSameHashCodeAs(o);
        RunOptions cleared = o.toBuilder().libraries(List.of()).captureArtifacts(false).workdir(null)
                .compileTimeout(null).build();
        assertThat(cleared).isEqualTo(RunOptions.defaults());
        assertThat(o.libraries()).containsExactly("requests==2.32.3", "numpy");
    }

    @Test
    void librariesListIsCopiedAndReplacedNotAppended() {
        List<String> libs = new ArrayList<>(List.of("a"));
        RunOptions.Builder b = RunOptions.builder().libraries(libs);
        libs.add("b");
        assertThat(b.build().libraries()).containsExactly("a");
        assertThat(b.libraries("c").build().libraries()).containsExactly("c");
        assertThatThrownBy(() -> b.build().libraries().add("x")).isInstanceOf(UnsupportedOperationException.class);
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> RunOptions.builder().libraries(withNull)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void equalsHashCodeAndToStringCoverTheNewFields() {
        RunOptions base = RunOptions.defaults();
        List<RunOptions> variants = List.of(
                RunOptions.builder().libraries("numpy").build(),
                RunOptions.builder().captureArtifacts(true).build(),
                RunOptions.builder().workdir("w").build(),
                RunOptions.builder().compileTimeout(Duration.ofSeconds(9)).build());
        for (RunOptions v : variants) {
            assertThat(v).as(v.toString()).isNotEqualTo(base);
            assertThat(v.hashCode()).as(v.toString()).isNotEqualTo(base.hashCode());
            assertThat(v).isEqualTo(v.toBuilder().build());
        }
        assertThat(variants.get(0).toString()).contains("libraries=[numpy]");
        assertThat(variants.get(1).toString()).contains("captureArtifacts=true");
        assertThat(variants.get(2).toString()).contains("workdir=w");
        assertThat(variants.get(3).toString()).contains("compileTimeout=PT9S");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void rejectsBlankLibrariesAndWorkdirs(String blank) {
        assertThatThrownBy(() -> RunOptions.builder().libraries("numpy", blank).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("library");
        assertThatThrownBy(() -> RunOptions.builder().workdir(blank).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workdir");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void rejectsNonPositiveCompileTimeout(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        assertThatThrownBy(() -> RunOptions.builder().compileTimeout(d))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("compileTimeout");
        assertThatThrownBy(() -> new RunOptions(null, null, List.of(), Map.of(), null, OutputListener.NONE,
                List.of(), false, null, d)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("compileTimeout");
        assertThatThrownBy(() -> RunOptions.builder().compileTimeout(Duration.ofDays(8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void versionOneConstructorGivesTheNewDefaults() {
        RunOptions o = new RunOptions(Duration.ofSeconds(2), "x".getBytes(StandardCharsets.UTF_8), List.of("a"),
                Map.of("K", "v"), null, OutputListener.NONE);
        assertThat(o.libraries()).isEmpty();
        assertThat(o.captureArtifacts()).isFalse();
        assertThat(o.workdir()).isNull();
        assertThat(o.compileTimeout()).isNull();
        assertThat(o).isEqualTo(RunOptions.builder().timeout(Duration.ofSeconds(2)).stdin("x").args(List.of("a"))
                .env("K", "v").build());
    }
}
