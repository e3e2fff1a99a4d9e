package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WheelsTest {
    @Test
    void picksTheNewestPurePython3WheelOfTheProject(@TempDir Path dir) throws IOException {
        for (String f : List.of("tabulate-0.8.10-py3-none-any.whl", "tabulate-0.10.0-py3-none-any.whl",
                "tabulate-0.9.0-py2.py3-none-any.whl", "tabulatex-9.0-py3-none-any.whl", "Tabulate-1.0.tar.gz")) {
            Files.writeString(dir.resolve(f), "");
        }
        List<String> rejected = new ArrayList<>();
        assertThat(Wheels.find(dir, Wheels.Spec.parse("tabulate"), rejected)).get()
                .extracting(p -> p.getFileName().toString()).isEqualTo("tabulate-0.10.0-py3-none-any.whl");
        assertThat(Wheels.find(dir, Wheels.Spec.parse("Tabulate==0.8.10"), rejected)).get()
                .extracting(p -> p.getFileName().toString()).isEqualTo("tabulate-0.8.10-py3-none-any.whl");
        assertThat(Wheels.find(dir, Wheels.Spec.parse("tabulate==2.0"), rejected)).isEmpty();
        assertThat(rejected).isEmpty();
    }

    @Test
    void rejectsNativeAndPython2OnlyWheels(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("numpy-2.1.0-cp311-cp311-manylinux_2_28_x86_64.whl"), "");
        Files.writeString(dir.resolve("numpy-1.0-py2-none-any.whl"), "");
        List<String> rejected = new ArrayList<>();
        assertThat(Wheels.find(dir, Wheels.Spec.parse("numpy"), rejected)).isEmpty();
        assertThat(rejected).hasSize(2);
    }

    @Test
    void normalisesNamesAndComparesVersionsNumerically() {
        assertThat(Wheels.normalize("Sandbox4J-Demo.pkg")).isEqualTo("sandbox4j_demo_pkg");
        assertThat(Wheels.compareVersions("0.10.0", "0.9.9")).isPositive();
        assertThat(Wheels.compareVersions("1.0", "1.0.0")).isZero();
    }

    @Test
    void acceptsOnlyNamesAndExactVersions() {
        assertThat(Wheels.Spec.parse("attrs==26.1.0")).isEqualTo(new Wheels.Spec("attrs", "26.1.0"));
        for (String bad : List.of("--index-url=x", "attrs>=1", "a b", "../x", "")) {
            assertThatThrownBy(() -> Wheels.Spec.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
