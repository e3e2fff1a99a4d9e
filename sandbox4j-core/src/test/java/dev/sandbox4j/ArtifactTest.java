package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({
        "figure-1.png, image/png",
        "PLOT.SVG, image/svg+xml",
        "out/data.csv, text/csv",
        "photo.JpEg, image/jpeg",
        "archive.tar.gz, application/gzip",
        "table.tsv, text/tab-separated-values",
        "report.pdf, application/pdf",
        "a.b.c/notes.md, text/markdown",
        "x.unknownext, application/octet-stream",
        "noextension, application/octet-stream",
        "dir.d/file, application/octet-stream",
        "trailingdot., application/octet-stream",
    })
    void guessesMimeTypeFromTheLastExtensionOfTheFileName(String name, String mime) {
        assertThat(Artifact.mimeTypeOf(name)).isEqualTo(mime);
        assertThat(Artifact.of(name, new byte[1]).mimeType()).isEqualTo(mime);
    }

    @Test
    void ofSetsSizeAndImageFlag() {
        Artifact png = Artifact.of("p.png", new byte[] {1, 2, 3});
        assertThat(png.size()).isEqualTo(3);
        assertThat(png.isImage()).isTrue();
        assertThat(Artifact.of("d.csv", new byte[0]).isImage()).isFalse();
        assertThat(Artifact.of("d.csv", new byte[0]).size()).isZero();
    }

    @Test
    void contentIsCopiedInAndOut() {
        byte[] in = {1, 2, 3};
        Artifact a = Artifact.of("a.bin", in);
        in[0] = 99;
        assertThat(a.content()).containsExactly(1, 2, 3);
        a.content()[1] = 99;
        assertThat(a.content()).containsExactly(1, 2, 3);
        assertThat(a.base64()).isEqualTo(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}));
    }

    @Test
    void canonicalConstructorCopiesTooAndChecksSize() {
        byte[] in = "abc".getBytes(StandardCharsets.UTF_8);
        Artifact a = new Artifact("a.txt", "text/plain", 3, in);
        in[0] = 'z';
        assertThat(new String(a.content(), StandardCharsets.UTF_8)).isEqualTo("abc");
        assertThatThrownBy(() -> new Artifact("a.txt", "text/plain", 4, in))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size 4").hasMessageContaining("3");
        assertThatThrownBy(() -> new Artifact("a.txt", "text/plain", -1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Artifact(null, "text/plain", 0, new byte[0]))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> new Artifact("a", null, 0, new byte[0]))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("mimeType");
        assertThatThrownBy(() -> new Artifact("a", "x/y", 0, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("content");
    }

    @Test
    void equalsComparesContentByValue() {
        Artifact a = Artifact.of("a.png", new byte[] {1, 2});
        Artifact b = Artifact.of("a.png", new byte[] {1, 2});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Artifact.of("a.png", new byte[] {1, 3}));
        assertThat(a).isNotEqualTo(Artifact.of("b.png", new byte[] {1, 2}));
        assertThat(a).isNotEqualTo(new Artifact("a.png", "application/octet-stream", 2, new byte[] {1, 2}));
    }

    @Test
    void toStringShowsNameTypeAndSizeButNeverTheContent() {
        String secret = "TOP-SECRET-CONTENT";
        Artifact a = Artifact.of("notes.txt", secret.getBytes(StandardCharsets.UTF_8));
        assertThat(a.toString()).contains("notes.txt", "text/plain", "size=" + secret.length())
                .doesNotContain(secret).doesNotContain(a.base64());
    }

    @Test
    void writesUnderTheDirectoryCreatingSubDirectories() throws IOException {
        Path dir = tmp.resolve("out");
        Path written = Artifact.of("plots/2024/fig.png", new byte[] {7, 8}).writeTo(dir);
        assertThat(written).isEqualTo(dir.toAbsolutePath().resolve("plots/2024/fig.png"));
        assertThat(Files.readAllBytes(written)).containsExactly(7, 8);
        // overwrites an existing file of that name
        Artifact.of("plots/2024/fig.png", new byte[] {9}).writeTo(dir);
        assertThat(Files.readAllBytes(written)).containsExactly(9);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "../out-sibling/x", "a/../../x", "/abs/x", "..", "", ".", "a/.."})
    void refusesNamesThatLeaveOrNameTheDirectory(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("out"));
        assertThatThrownBy(() -> Artifact.of(name, new byte[] {1}).writeTo(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("leaves");
        assertThat(tmp.resolve("x")).doesNotExist();
        assertThat(tmp.resolve("out-sibling")).doesNotExist();
        assertThat(Path.of("/abs")).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void absoluteNameInsideTheDirectoryIsStillRefusedOrKeptInside() throws IOException {
        // Path.resolve of an absolute name ignores the base: whatever happens, nothing may be written outside
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Path outside = tmp.resolve("elsewhere.txt");
        assertThatThrownBy(() -> Artifact.of(outside.toString(), new byte[] {1}).writeTo(dir))
                .isInstanceOf(IOException.class);
        assertThat(outside).doesNotExist();
    }

    @Test
    void replacesASymlinkAtTheTargetInsteadOfWritingThroughIt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Path victim = Files.writeString(tmp.resolve("victim.txt"), "original");
        Files.createSymbolicLink(dir.resolve("link.txt"), victim);

        Path written = Artifact.of("link.txt", "new".getBytes(StandardCharsets.UTF_8)).writeTo(dir);

        assertThat(Files.readString(victim)).isEqualTo("original");
        assertThat(Files.isSymbolicLink(written)).isFalse();
        assertThat(Files.isRegularFile(written, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readString(written)).isEqualTo("new");
    }

    @Test
    void replacesADanglingSymlinkWithoutCreatingItsTarget() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Path target = tmp.resolve("created-through-link.txt");
        Files.createSymbolicLink(dir.resolve("dangling.png"), target);

        Artifact.of("dangling.png", new byte[] {1}).writeTo(dir);

        assertThat(target).doesNotExist();
        assertThat(Files.isRegularFile(dir.resolve("dangling.png"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
