package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceLimitsTest {

    @Test
    void defaultsAreHardened() {
        ResourceLimits limits = ResourceLimits.defaults();

        assertThat(limits.memory()).isEqualTo(DataSize.ofMegabytes(512));
        assertThat(limits.cpus()).isEqualTo(1.0);
        assertThat(limits.pids()).isEqualTo(128);
        assertThat(limits.workdirSize()).isEqualTo(DataSize.ofMegabytes(256));
        assertThat(limits.tmpSize()).isEqualTo(DataSize.ofMegabytes(64));
        assertThat(limits.openFiles()).isEqualTo(1024);
        assertThat(limits.fileSize()).isEqualTo(DataSize.ofMegabytes(128));
        assertThat(limits.outputLimit()).isEqualTo(DataSize.ofMegabytes(1));
    }

    @Test
    void builderStartsFromTheDefaults() {
        assertThat(ResourceLimits.builder().build()).isEqualTo(ResourceLimits.defaults());
    }

    @Test
    void builderSetsEveryField() {
        ResourceLimits limits = ResourceLimits.builder()
                .memory(DataSize.ofMegabytes(256))
                .cpus(0.5)
                .pids(64)
                .workdirSize(DataSize.ofMegabytes(32))
                .tmpSize(DataSize.ofMegabytes(16))
                .openFiles(256)
                .fileSize(DataSize.ofMegabytes(8))
                .outputLimit(DataSize.ofKilobytes(64))
                .build();

        assertThat(limits)
                .isEqualTo(new ResourceLimits(
                        DataSize.ofMegabytes(256),
                        0.5,
                        64,
                        DataSize.ofMegabytes(32),
                        DataSize.ofMegabytes(16),
                        256,
                        DataSize.ofMegabytes(8),
                        DataSize.ofKilobytes(64)));
    }

    @Test
    void toBuilderRoundTripsAndKeepsUntouchedFields() {
        ResourceLimits original = ResourceLimits.builder().cpus(2).pids(256).build();

        assertThat(original.toBuilder().build()).isEqualTo(original);

        ResourceLimits changed = original.toBuilder().memory(DataSize.ofGigabytes(1)).build();
        assertThat(changed.memory()).isEqualTo(DataSize.ofGigabytes(1));
        assertThat(changed.cpus()).isEqualTo(2.0);
        assertThat(changed.pids()).isEqualTo(256);
        assertThat(original.memory()).isEqualTo(DataSize.ofMegabytes(512));
    }

    @Test
    void acceptsTheSmallestAllowedValues() {
        ResourceLimits limits = ResourceLimits.builder()
                .memory(ResourceLimits.MIN_MEMORY)
                .cpus(0.01)
                .pids(8)
                .workdirSize(DataSize.ofMegabytes(1))
                .tmpSize(DataSize.ofMegabytes(1))
                .openFiles(16)
                .fileSize(DataSize.ofKilobytes(1))
                .outputLimit(DataSize.ofBytes(1))
                .build();

        assertThat(limits.memory()).isEqualTo(DataSize.ofMegabytes(6));
    }

    @Test
    void acceptsTheLargestAllowedValues() {
        ResourceLimits limits = ResourceLimits.builder()
                .cpus(1024)
                .outputLimit(DataSize.ofBytes(Integer.MAX_VALUE - 8))
                .build();

        assertThat(limits.cpus()).isEqualTo(1024.0);
    }

    @Test
    void rejectsMemoryBelowTheEngineMinimum() {
        assertThatThrownBy(() -> ResourceLimits.builder().memory(DataSize.ofMegabytes(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("memory (5 MiB) must be at least 6 MiB");
        assertThatThrownBy(() -> ResourceLimits.builder().memory(DataSize.ofBytes(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory (0 B)");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.0, -1.0, Double.NaN, Double.NEGATIVE_INFINITY})
    void rejectsNonPositiveCpus(double cpus) {
        assertThatThrownBy(() -> ResourceLimits.builder().cpus(cpus).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpus (" + cpus + ")")
                .hasMessageContaining("must be positive");
    }

    @ParameterizedTest
    @ValueSource(doubles = {1024.5, 1e9, Double.POSITIVE_INFINITY})
    void rejectsAbsurdCpus(double cpus) {
        assertThatThrownBy(() -> ResourceLimits.builder().cpus(cpus).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpus (" + cpus + ")");
    }

    @Test
    void tooManyCpusMessageNamesTheUpperBound() {
        assertThatThrownBy(() -> ResourceLimits.builder().cpus(2000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpus (2000.0)")
                .hasMessageContaining("1024")
                .hasMessageNotContaining("must be positive");
    }

    @ParameterizedTest
    @ValueSource(ints = {7, 1, 0, -1, Integer.MIN_VALUE})
    void rejectsTooFewPids(int pids) {
        assertThatThrownBy(() -> ResourceLimits.builder().pids(pids).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pids (" + pids + ") must be at least 8");
    }

    @Test
    void rejectsWorkdirSmallerThanOneMebibyte() {
        assertThatThrownBy(() -> ResourceLimits.builder()
                        .workdirSize(DataSize.ofKilobytes(1023))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workdirSize (1023 KiB) must be at least 1 MiB");
    }

    @Test
    void rejectsTmpSmallerThanOneMebibyte() {
        assertThatThrownBy(() -> ResourceLimits.builder().tmpSize(DataSize.ofBytes(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tmpSize (0 B) must be at least 1 MiB");
    }

    @ParameterizedTest
    @ValueSource(ints = {15, 0, -1})
    void rejectsTooFewOpenFiles(int openFiles) {
        assertThatThrownBy(() -> ResourceLimits.builder().openFiles(openFiles).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("openFiles (" + openFiles + ") must be at least 16");
    }

    @Test
    void rejectsFileSizeBelowOneKibibyte() {
        assertThatThrownBy(() -> ResourceLimits.builder().fileSize(DataSize.ofBytes(1023)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fileSize (1023 B) must be at least 1 KiB");
    }

    @Test
    void rejectsEmptyOrHugeOutputLimit() {
        assertThatThrownBy(() -> ResourceLimits.builder().outputLimit(DataSize.ofBytes(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outputLimit (0 B)");
        assertThatThrownBy(() -> ResourceLimits.builder()
                        .outputLimit(DataSize.ofGigabytes(3))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outputLimit (3 GiB)");
    }

    @Test
    void outputLimitMessageDoesNotContradictItself() {
        assertThatThrownBy(() -> ResourceLimits.builder()
                        .outputLimit(DataSize.ofGigabytes(2))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("and 2 GiB");
    }

    @Test
    void rejectsNullSizesNamingTheField() {
        assertThatThrownBy(() -> ResourceLimits.builder().memory(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("memory");
        assertThatThrownBy(() -> new ResourceLimits(
                        DataSize.ofMegabytes(512), 1, 128, DataSize.ofMegabytes(256), DataSize.ofMegabytes(64), 1024,
                        DataSize.ofMegabytes(128), null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("outputLimit");
    }

    @ParameterizedTest
    @ValueSource(doubles = {1024.5, Double.POSITIVE_INFINITY})
    void tooManyCpusMessageNamesTheRange(double cpus) {
        assertThatThrownBy(() -> ResourceLimits.builder().cpus(cpus).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpus (" + cpus + ") must be more than 0 and at most 1024, e.g. 0.5 or 2");
    }

    @Test
    void acceptsTheLargestCpuQuotaAndOutputLimit() {
        ResourceLimits limits = ResourceLimits.builder()
                .cpus(1024)
                .outputLimit(DataSize.ofBytes(Integer.MAX_VALUE - 8))
                .build();

        assertThat(limits.cpus()).isEqualTo(1024);
        assertThat(limits.outputLimit().bytes()).isEqualTo(Integer.MAX_VALUE - 8);
        assertThatThrownBy(() -> ResourceLimits.builder().outputLimit(DataSize.ofBytes(Integer.MAX_VALUE - 7)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("outputLimit (2147483640 B) must be between 1 B and 2147483639 B (just under 2 GiB)");
    }
}
