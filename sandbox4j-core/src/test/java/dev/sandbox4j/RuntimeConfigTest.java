package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimeConfigTest {

    @Test
    void defaultsAreHardened() {
        RuntimeConfig config = RuntimeConfig.defaults();

        assertThat(config.image()).isNull();
        assertThat(config.user()).isEqualTo("65534:65534");
        assertThat(config.networkEnabled()).isFalse();
        assertThat(config.readOnlyRootFilesystem()).isTrue();
        assertThat(config.workdirExecutable()).isFalse();
        assertThat(config.ociRuntime()).isNull();
        assertThat(config.workdir()).isEqualTo("/workspace");
        assertThat(config.env()).isEmpty();
        assertThat(config.labels()).isEmpty();
    }

    @Test
    void builderStartsFromTheDefaults() {
        assertThat(RuntimeConfig.builder().build()).isEqualTo(RuntimeConfig.defaults());
    }

    @Test
    void builderSetsEveryField() {
        RuntimeConfig config = RuntimeConfig.builder()
                .image("python:3.12-slim")
                .user("1000:1000")
                .networkEnabled(true)
                .readOnlyRootFilesystem(false)
                .workdirExecutable(true)
                .ociRuntime("runsc")
                .workdir("/home/sandbox")
                .env("LANG", "C.UTF-8")
                .label("com.example.team", "ml")
                .build();

        assertThat(config)
                .isEqualTo(new RuntimeConfig(
                        "python:3.12-slim",
                        "1000:1000",
                        true,
                        false,
                        true,
                        "runsc",
                        "/home/sandbox",
                        Map.of("LANG", "C.UTF-8"),
                        Map.of("com.example.team", "ml")));
    }

    @Test
    void toBuilderRoundTripsAndLeavesTheOriginalAlone() {
        RuntimeConfig original = RuntimeConfig.builder()
                .image("alpine:3.20")
                .env("A", "1")
                .label("team", "x")
                .build();

        assertThat(original.toBuilder().build()).isEqualTo(original);

        RuntimeConfig changed =
                original.toBuilder().env("B", "2").label("owner", "y").image(null).build();
        assertThat(changed.env()).containsOnly(Map.entry("A", "1"), Map.entry("B", "2"));
        assertThat(changed.labels()).containsOnly(Map.entry("team", "x"), Map.entry("owner", "y"));
        assertThat(changed.image()).isNull();
        assertThat(original.env()).containsOnly(Map.entry("A", "1"));
        assertThat(original.labels()).containsOnly(Map.entry("team", "x"));
        assertThat(original.image()).isEqualTo("alpine:3.20");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000:1000", "1:1", "65534:65534", "999999999:999999999"})
    void acceptsNumericNonRootUsers(String user) {
        assertThat(RuntimeConfig.builder().user(user).build().user()).isEqualTo(user);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0:0", "0:1000", "1000:0", "00:000"})
    void rejectsRootUser(String user) {
        assertThatThrownBy(() -> RuntimeConfig.builder().user(user).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("user (" + user + ") must not be root (uid or gid 0)");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "nobody",
                "root",
                "root:root",
                "1000",
                "1000:",
                ":1000",
                "-1:-1",
                "1000:1000:1000",
                " 1000:1000",
                "1000:1000 ",
                "1234567890:1",
                "",
                "1000:nogroup"
            })
    void rejectsNonNumericOrMalformedUser(String user) {
        assertThatThrownBy(() -> RuntimeConfig.builder().user(user).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Expected user as numeric 'uid:gid' (e.g. '65534:65534') but was '" + user + "'");
    }

    @Test
    void userMessageStripsControlCharacters() {
        assertThatThrownBy(() -> RuntimeConfig.builder().user("\u001b[2Jroot").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but was '?[2Jroot'")
                .hasMessageNotContaining("\u001b");
    }

    @Test
    void rejectsNullUserAndWorkdirNamingTheField() {
        assertThatThrownBy(() -> RuntimeConfig.builder().user(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("user");
        assertThatThrownBy(() -> RuntimeConfig.builder().workdir(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("workdir");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/workspace", "/home/sandbox", "/opt/app-1/run_dir", "/w.d"})
    void acceptsAbsoluteNormalizedWorkdir(String workdir) {
        assertThat(RuntimeConfig.builder().workdir(workdir).build().workdir()).isEqualTo(workdir);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "workspace",
                "./workspace",
                "",
                "/",
                "//workspace",
                "/workspace/",
                "/a/../b",
                "/a/..",
                "/..",
                "/a/./b",
                "/work space",
                "/a\nb",
                "C:\\workspace",
                "~/workspace"
            })
    void rejectsRelativeOrUnnormalizedWorkdir(String workdir) {
        assertThatThrownBy(() -> RuntimeConfig.builder().workdir(workdir).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workdir ('")
                .hasMessageContaining("must be an absolute, normalized path such as /workspace");
    }

    @Test
    void workdirMessageQuotesTheValue() {
        assertThatThrownBy(() -> RuntimeConfig.builder().workdir("/a/../b").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("workdir ('/a/../b')");
        assertThatThrownBy(() -> RuntimeConfig.builder().workdir("/a\nb").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("workdir ('/a?b')");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp", "/proc", "/proc/self", "/sys", "/sys/fs/cgroup", "/dev", "/dev/shm"})
    void rejectsSystemDirectoriesAsWorkdir(String workdir) {
        assertThatThrownBy(() -> RuntimeConfig.builder().workdir(workdir).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workdir (" + workdir + ") must not be /tmp, /proc, /sys or /dev");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.", "/workspace/.", "/a/b/."})
    void rejectsWorkdirEndingInDot(String workdir) {
        assertThatThrownBy(() -> RuntimeConfig.builder().workdir(workdir).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/development", "/processing", "/system", "/devices-app"})
    void acceptsWorkdirThatOnlySharesAPrefixWithASystemDirectory(String workdir) {
        assertThat(RuntimeConfig.builder().workdir(workdir).build().workdir()).isEqualTo(workdir);
    }

    @Test
    void rejectsBlankImageButAcceptsNullForTheDefault() {
        assertThatThrownBy(() -> RuntimeConfig.builder().image(" ").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("image must not be blank");
        assertThat(RuntimeConfig.builder().image("x").image(null).build().image())
                .isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "runsc", "kata-runtime", "io.containerd.runc.v2"})
    void acceptsOciRuntimeNames(String runtime) {
        assertThat(RuntimeConfig.builder().ociRuntime(runtime).build().ociRuntime())
                .isEqualTo(runtime);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run sc", "/usr/bin/runsc", "runsc;rm"})
    void rejectsOciRuntimeThatIsNotAName(String runtime) {
        assertThatThrownBy(() -> RuntimeConfig.builder().ociRuntime(runtime).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ociRuntime ('" + runtime + "') must be a runtime name such as 'runc' or 'runsc'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PATH", "_X", "a1", "LC_ALL", "x"})
    void acceptsValidEnvironmentNames(String name) {
        assertThat(RuntimeConfig.builder().env(name, "v").build().env()).containsEntry(name, "v");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1ABC", "A-B", "A B", "A=B", "A.B", "Ä", "A\u0000"})
    void rejectsInvalidEnvironmentNames(String name) {
        assertThatThrownBy(() -> RuntimeConfig.builder().env(name, "v").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("environment variable name '")
                .hasMessageEndingWith("' is not valid");
    }

    @Test
    void envNameMessageQuotesTheName() {
        assertThatThrownBy(() -> RuntimeConfig.builder().env("A-B", "v").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("environment variable name 'A-B' is not valid");
    }

    @Test
    void rejectsNullEnvAndLabelEntries() {
        assertThatThrownBy(() -> RuntimeConfig.builder().env("A", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("value");
        assertThatThrownBy(() -> RuntimeConfig.builder().label(null, "v"))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev.sandbox4j.owner", "dev.sandbox4j.session-id", "dev.sandbox4j.run-id.extra"})
    void rejectsReservedLabels(String key) {
        assertThatThrownBy(() -> RuntimeConfig.builder().label(key, "v").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label '" + key + "' is in the reserved dev.sandbox4j.* namespace");
    }

    @Test
    void acceptsTheRunIdLabel() {
        RuntimeConfig config =
                RuntimeConfig.builder().label("dev.sandbox4j.run-id", "abc").build();

        assertThat(config.labels()).containsEntry("dev.sandbox4j.run-id", "abc");
    }

    @Test
    void acceptsLabelsOutsideTheReservedNamespace() {
        RuntimeConfig config = RuntimeConfig.builder()
                .label("com.example.team", "ml")
                .label("dev.sandbox4jx.other", "y")
                .build();

        assertThat(config.labels()).hasSize(2);
    }

    @Test
    void copiesTheMapsItIsGiven() {
        Map<String, String> env = new HashMap<>(Map.of("A", "1"));
        Map<String, String> labels = new HashMap<>(Map.of("team", "x"));
        RuntimeConfig config =
                new RuntimeConfig(null, "1000:1000", false, true, false, null, "/workspace", env, labels);

        env.put("B", "2");
        labels.put("owner", "y");

        assertThat(config.env()).containsOnly(Map.entry("A", "1"));
        assertThat(config.labels()).containsOnly(Map.entry("team", "x"));
    }

    @Test
    void mapsAreUnmodifiable() {
        RuntimeConfig config = RuntimeConfig.builder().env("A", "1").label("team", "x").build();

        assertThatThrownBy(() -> config.env().put("B", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> config.labels().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void builderChangesAfterBuildDoNotLeakIntoTheConfig() {
        RuntimeConfig.Builder builder = RuntimeConfig.builder().env("A", "1");
        RuntimeConfig config = builder.build();

        builder.env("B", "2").label("team", "x");

        assertThat(config.env()).containsOnly(Map.entry("A", "1"));
        assertThat(config.labels()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp/work", "/srv/dev", "/home/proc", "/a.b/c", "/workspace/.run"})
    void acceptsOrdinaryWorkdirs(String workdir) {
        assertThat(RuntimeConfig.builder().workdir(workdir).build().workdir()).isEqualTo(workdir);
    }
}
