package dev.sandbox4j.core.tar;

import static dev.sandbox4j.core.tar.TarReaderTest.concat;
import static dev.sandbox4j.core.tar.TarReaderTest.stream;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.tar.TarExtractor.Result;
import dev.sandbox4j.core.tar.TarReaderTest.Fixtures;
import dev.sandbox4j.core.tar.TarReaderTest.RawTar;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TarExtractorTest {
    private static final long TIME = 1_600_000_000_000L;
    private static final long NO_BYTE_LIMIT = Long.MAX_VALUE;
    private static final int NO_ENTRY_LIMIT = Integer.MAX_VALUE;

    @TempDir
    Path tmp;

    @Test
    void roundTripsATree() throws IOException {
        Path data = TarWriterTest.sampleTree(tmp.resolve("src/data"));
        Files.writeString(data.resolve("sub/" + "n".repeat(150) + ".txt"), "long name");
        if (Fixtures.unicodeFileNames()) {
            Files.writeString(data.resolve("sub/données-日本.txt"), "unicode");
        }
        Fixtures.fixTimes(data, TIME);
        ByteArrayOutputStream archive = new ByteArrayOutputStream();
        TarWriter.writeTree(data, "data", archive);
        Path dest = tmp.resolve("dest/nested"); // created by extract

        Result result = extract(archive.toByteArray(), dest);

        assertThat(Fixtures.describe(dest.resolve("data"))).isEqualTo(Fixtures.describe(data));
        assertThat(Files.getPosixFilePermissions(dest.resolve("data/run.sh")))
                .contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(dest.resolve("data/a.txt")))
                .doesNotContain(PosixFilePermission.OWNER_EXECUTE);
        int files = Fixtures.unicodeFileNames() ? 7 : 6;
        assertThat(result.files()).isEqualTo(files);
        assertThat(result.directories()).isEqualTo(4); // data, empty-dir, sub, sub/deeper
        assertThat(result.bytes()).isEqualTo(5 + 10 + 11 + 7 + 9 + (files == 7 ? 7 : 0));
        assertThat(result.skipped()).isEmpty();
    }

    @Test
    void roundTripsALargeFileByStreaming() throws IOException {
        Path data = Files.createDirectories(tmp.resolve("src/data"));
        long size = 20L * 1024 * 1024;
        Fixtures.writeRandom(data.resolve("big.bin"), size, 1);
        Path archive = tmp.resolve("data.tar");
        try (OutputStream out = Files.newOutputStream(archive)) {
            TarWriter.writeTree(data, "data", out);
        }
        Path dest = tmp.resolve("dest");

        Result result;
        try (InputStream in = Files.newInputStream(archive)) {
            result = TarExtractor.extract(in, dest, size, 10);
        }

        assertThat(result.bytes()).isEqualTo(size);
        assertThat(Files.size(dest.resolve("data/big.bin"))).isEqualTo(size);
        assertThat(Fixtures.sha256(dest.resolve("data/big.bin"))).isEqualTo(Fixtures.sha256(data.resolve("big.bin")));
    }

    @Test
    void extractsArchivesFromGnuTar() throws IOException {
        Fixtures.assumeGnuTar();
        Path src = TarWriterTest.sampleTree(tmp.resolve("src"));
        Files.createDirectories(src.resolve("l".repeat(120)));
        Files.writeString(src.resolve("l".repeat(120) + "/" + "f".repeat(150)), "long");
        Fixtures.fixTimes(src, TIME);
        Path dest = tmp.resolve("dest");

        for (String format : List.of("pax", "gnu", "ustar")) {
            if (format.equals("ustar")) {
                Files.delete(src.resolve("l".repeat(120) + "/" + "f".repeat(150)));
                Files.delete(src.resolve("l".repeat(120)));
            }
            byte[] archive = Fixtures.gnuTarCreate(src, "--format=" + format, "."); // names start with "./"

            Result result = extract(archive, dest.resolve(format));

            Map<String, String> expected = Fixtures.describe(src);
            Map<String, String> actual = Fixtures.describe(dest.resolve(format));
            expected.remove(""); // the "./" entry: the destination itself keeps its time
            actual.remove("");
            assertThat(actual).as(format).isEqualTo(expected);
            assertThat(result.skipped()).isEmpty();
        }
    }

    @Test
    void replacesExistingFiles() throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.writeString(dest.resolve("a.txt"), "old content that is longer");

        extract(new RawTar().file("a.txt", "new").end(), dest);

        assertThat(dest.resolve("a.txt")).hasContent("new");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "/etc/x", "a/../../x", "a/../x", "..", "./../x", "a/b/../../../x"})
    void refusesNamesLeavingTheDestination(String name) throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("a/b/dest"));
        byte[] archive = new RawTar().file("ok.txt", "ok").file(name, "evil").end();

        assertThatThrownBy(() -> extract(archive, dest))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Refusing")
                .hasMessageContaining("'" + name + "'");
        assertThat(dest.resolve("ok.txt")).hasContent("ok");
        try (Stream<Path> all = Files.walk(tmp)) {
            assertThat(all.filter(p -> p.getFileName().toString().equals("x"))).isEmpty();
        }
    }

    @Test
    void absolutePaxAndGnuLongNamesStayUnderTheDestination() throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        String longAbsolute = "/" + "l".repeat(120) + "/y";
        byte[] archive = new RawTar().pax(Map.of("path", "/abs/x")).file("ignored", "pax")
                .gnuLong('L', longAbsolute).file("ignored", "gnu").end();

        // Commons Compress drops the leading '/' of these names (a ustar name keeps it and is refused, above)
        Result result = extract(archive, dest);

        assertThat(dest.resolve("abs/x")).hasContent("pax");
        assertThat(dest.resolve(longAbsolute.substring(1))).hasContent("gnu");
        assertThat(result.files()).isEqualTo(2);
    }

    @Test
    void refusesEmptyAndNulNamesAndLinksWithBadNames() throws IOException {
        Path dest = tmp.resolve("dest");
        assertThatThrownBy(() -> extract(new RawTar().file("", "x").end(), dest))
                .isInstanceOf(IOException.class).hasMessageContaining("empty");
        byte[] nul = new RawTar().pax(Map.of("path", "a\0b")).file("ignored", "x").end();
        assertThatThrownBy(() -> extract(nul, dest))
                .isInstanceOf(IOException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> extract(new RawTar().symlink("../link", "x").end(), dest))
                .isInstanceOf(IOException.class).hasMessageContaining("'../link'");
        assertThatThrownBy(() -> extract(new RawTar().file(".", "x").end(), dest))
                .isInstanceOf(IOException.class).hasMessageContaining("destination directory itself");
    }

    @Test
    void allowsBackslashesAndIgnoresDotSegments() throws IOException {
        Assumptions.assumeTrue(File.separatorChar == '/', "backslash is a separator here");
        Path dest = tmp.resolve("dest");

        Result result = extract(new RawTar().directory("./").file("./a\\b.txt", "x").file("d//./e", "y").end(),
                dest);

        assertThat(dest.resolve("a\\b.txt")).hasContent("x");
        assertThat(dest.resolve("d/e")).hasContent("y");
        assertThat(result.files()).isEqualTo(2);
        assertThat(result.directories()).isZero();
    }

    @Test
    void refusesToWriteThroughASymlinkInTheDestination() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.createSymbolicLink(dest.resolve("link"), outside);

        assertThatThrownBy(() -> extract(new RawTar().file("link/evil", "evil").end(), dest))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("'link/evil'")
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> extract(new RawTar().file("link/sub/evil", "evil").end(), dest))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("'link/sub/evil'");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void doesNotCreateSymlinksSoLaterEntriesCannotGoThroughThem() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path dest = tmp.resolve("dest");
        byte[] archive = new RawTar()
                .symlink("link", outside.toString())
                .file("link/file", "evil")
                .entry("hard", '1', new byte[0], "/etc/passwd")
                .entry("fifo", '6', new byte[0], "")
                .end();

        Result result = extract(archive, dest);

        assertThat(outside).isEmptyDirectory();
        assertThat(Files.isSymbolicLink(dest.resolve("link"))).isFalse();
        assertThat(dest.resolve("link/file")).hasContent("evil"); // a real directory inside dest
        assertThat(dest.resolve("hard")).doesNotExist();
        assertThat(dest.resolve("fifo")).doesNotExist();
        assertThat(result.skipped()).containsExactly(
                "link -> " + outside + " (symlink not copied)",
                "hard -> /etc/passwd (hard link not copied)",
                "fifo (special file not copied)");
        assertThat(result.files()).isEqualTo(1);
    }

    @Test
    void replacesASymlinkAtTheEntryPathInsteadOfFollowingIt() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "secret");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.createSymbolicLink(dest.resolve("a.txt"), secret);
        Files.createSymbolicLink(dest.resolve("dir"), outside);

        extract(new RawTar().file("a.txt", "new").directory("dir").file("dir/b.txt", "b").end(), dest);

        assertThat(secret).hasContent("secret");
        assertThat(outside).isEmptyDirectory();
        assertThat(Files.isSymbolicLink(dest.resolve("a.txt"))).isFalse();
        assertThat(dest.resolve("a.txt")).hasContent("new");
        assertThat(Files.isDirectory(dest.resolve("dir"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(dest.resolve("dir/b.txt")).hasContent("b");
    }

    @Test
    void refusesADestinationThatIsASymlink() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);

        assertThatThrownBy(() -> extract(new RawTar().file("a", "x").end(), link))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("symbolic link");
        assertThat(real).isEmptyDirectory();
    }

    @Test
    void enforcesTheByteLimit() throws IOException {
        byte[] archive = new RawTar().file("a", "12345").file("b", "67890").file("c", "x").end();
        Path dest = tmp.resolve("dest");

        assertThatThrownBy(() -> TarExtractor.extract(new ByteArrayInputStream(archive), dest, 9, 100))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exceeds the limit of 9 bytes");
        assertThat(dest.resolve("a")).hasContent("12345");
        assertThat(dest.resolve("b")).doesNotExist();

        Result exact = TarExtractor.extract(new ByteArrayInputStream(archive), tmp.resolve("exact"), 11, 100);
        assertThat(exact.bytes()).isEqualTo(11);
    }

    @Test
    void enforcesTheEntryLimit() throws IOException {
        byte[] archive = new RawTar().directory("d").file("d/a", "1").symlink("d/l", "a").file("d/b", "2").end();

        assertThatThrownBy(() -> TarExtractor.extract(new ByteArrayInputStream(archive), tmp.resolve("x"), 100, 3))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exceeds the limit of 3 entries");
        assertThat(tmp.resolve("x/d/b")).doesNotExist();

        Result exact = TarExtractor.extract(new ByteArrayInputStream(archive), tmp.resolve("y"), 100, 4);
        assertThat(exact.files()).isEqualTo(2);
        assertThat(exact.directories()).isEqualTo(1);
        assertThat(exact.skipped()).containsExactly("d/l -> a (symlink not copied)");
    }

    @Test
    void refusesAFileWhereADirectoryExists() throws IOException {
        Path dest = Files.createDirectories(tmp.resolve("dest/a"));

        assertThatThrownBy(() -> extract(new RawTar().file("a", "x").end(), dest.getParent()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("'a'");
        assertThatThrownBy(() -> extract(new RawTar().file("f", "x").file("f/g", "y").end(), dest))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a directory");
    }

    @Test
    void stopsAtTheEndOfTheArchive() throws IOException {
        byte[] trailing = "trailing data".getBytes(UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.file("a", 1, stream("x"), 0644, TIME);
        }
        ByteArrayInputStream in = new ByteArrayInputStream(concat(out.toByteArray(), trailing));

        TarExtractor.extract(in, tmp.resolve("dest"), NO_BYTE_LIMIT, NO_ENTRY_LIMIT);

        assertThat(in.available()).isEqualTo(out.size() - 3 * 512 + trailing.length);
    }

    private static Result extract(byte[] archive, Path dest) throws IOException {
        return TarExtractor.extract(new ByteArrayInputStream(archive), dest, NO_BYTE_LIMIT, NO_ENTRY_LIMIT);
    }
}
