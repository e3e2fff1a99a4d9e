package dev.sandbox4j.core.tar;

import static dev.sandbox4j.core.tar.TarReaderTest.stream;
import static dev.sandbox4j.core.tar.TarReaderTest.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.tar.TarReader.Entry;
import dev.sandbox4j.core.tar.TarReader.Entry.Type;
import dev.sandbox4j.core.tar.TarReaderTest.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TarWriterTest {
    private static final long TIME = 1_600_000_000_000L;

    @TempDir
    Path tmp;

    @Test
    void writesTreeSortedByNameWithModesAndTimes() throws IOException {
        Path data = sampleTree(tmp.resolve("data"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        long bytes = TarWriter.writeTree(data, "data", out);

        assertThat(bytes).isEqualTo(5 + 10 + 11 + 7);
        assertThat(out.size() % 10240).isZero();
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        TarReader reader = new TarReader(new ByteArrayInputStream(out.toByteArray()));
        for (Entry e; (e = reader.next()) != null; ) {
            entries.put(e.name(), e);
            contents.put(e.name(), text(reader.content()));
        }
        assertThat(entries.keySet()).containsExactly("data", "data/a.txt", "data/empty-dir", "data/empty.txt",
                "data/run.sh", "data/sub", "data/sub/b.txt", "data/sub/deeper", "data/sub/deeper/c.txt");
        assertThat(entries.get("data/a.txt")).isEqualTo(new Entry("data/a.txt", Type.FILE, 5, 0644, null, TIME));
        assertThat(entries.get("data/run.sh").mode()).isEqualTo(0755);
        assertThat(entries.get("data/sub")).isEqualTo(new Entry("data/sub", Type.DIRECTORY, 0, 0755, null, TIME));
        assertThat(entries.get("data/empty.txt").size()).isZero();
        assertThat(contents).containsEntry("data/a.txt", "alpha").containsEntry("data/sub/b.txt", "bravo bravo")
                .containsEntry("data/sub/deeper/c.txt", "charlie").containsEntry("data/empty.txt", "");
    }

    @Test
    void writesASingleFileUnderTheGivenName() throws IOException {
        Path file = Files.writeString(tmp.resolve("source.csv"), "a,b\n1,2\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThat(TarWriter.writeTree(file, "in/input.csv", out)).isEqualTo(8);

        TarReader reader = new TarReader(new ByteArrayInputStream(out.toByteArray()));
        assertThat(reader.next().name()).isEqualTo("in/input.csv");
        assertThat(text(reader.content())).isEqualTo("a,b\n1,2\n");
        assertThat(reader.next()).isNull();
    }

    @Test
    void roundTripsALargeFileByStreaming() throws IOException {
        Path data = Files.createDirectories(tmp.resolve("data"));
        long size = 20L * 1024 * 1024 + 123;
        Fixtures.writeRandom(data.resolve("big.bin"), size, 42);
        Path archive = tmp.resolve("data.tar");

        try (OutputStream out = Files.newOutputStream(archive)) {
            assertThat(TarWriter.writeTree(data, "data", out)).isEqualTo(size);
        }

        try (InputStream in = Files.newInputStream(archive)) {
            TarReader reader = new TarReader(in);
            assertThat(reader.next().name()).isEqualTo("data");
            Entry big = reader.next();
            assertThat(big.name()).isEqualTo("data/big.bin");
            assertThat(big.size()).isEqualTo(size);
            assertThat(Fixtures.sha256(reader.content())).isEqualTo(Fixtures.sha256(data.resolve("big.bin")));
            assertThat(reader.next()).isNull();
        }
    }

    @Test
    void writesTheUnderlyingStreamInLargePieces() throws IOException {
        // copyToRuntime's pipe takes each write as one chunk for the box's stdin: 512-byte writes would crawl
        Path data = Files.createDirectories(tmp.resolve("data"));
        Fixtures.writeRandom(data.resolve("big.bin"), 1_000_000, 3);
        List<Integer> writes = new ArrayList<>();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                writes.add(1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(len);
            }
        };

        TarWriter.writeTree(data, "data", out);

        assertThat(writes.stream().mapToInt(Integer::intValue).sum() % 10240).isZero();
        assertThat(writes.subList(0, writes.size() - 1)).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(32 * 1024));
    }

    @Test
    void longAndNonAsciiNamesUsePaxHeaders() throws IOException {
        String longName = "dir/" + "n".repeat(150) + ".txt";
        String deepName = ("segment-" + "x".repeat(40) + "/").repeat(5) + "file.txt"; // 253 bytes, cannot be split for ustar
        String unicode = "données/été-ß-日本.txt";
        String longTarget = "../" + "t".repeat(120);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.file(longName, 1, stream("1"), 0644, TIME);
            writer.file(deepName, 1, stream("2"), 0644, TIME);
            writer.file(unicode, 1, stream("3"), 0644, TIME);
            writer.symlink("link", longTarget, TIME);
            writer.directory("d".repeat(100) + "/", TIME);
        }
        byte[] archive = out.toByteArray();

        assertThat(typeFlags(archive)).containsExactly('x', '0', 'x', '0', 'x', '0', 'x', '2', 'x', '5');
        String raw = new String(archive, UTF_8);
        assertThat(raw).contains(" path=" + longName + "\n", " path=" + unicode + "\n",
                " linkpath=" + longTarget + "\n");
        List<Entry> entries = readAll(archive);
        assertThat(entries).extracting(Entry::name)
                .containsExactly(longName, deepName, unicode, "link", "d".repeat(100));
        assertThat(entries.get(3).linkTarget()).isEqualTo(longTarget);
    }

    @Test
    void namesThatFitTheUstarPrefixRoundTrip() throws IOException {
        String name = "p".repeat(120) + "/" + "n".repeat(90);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.file(name, 0, InputStream.nullInputStream(), 0644, TIME);
        }

        // (whether the ustar prefix field or a pax header carries it is Commons Compress's choice: a pax header)
        assertThat(readAll(out.toByteArray())).extracting(Entry::name).containsExactly(name);
    }

    @Test
    void hugeFilesGetAPaxSize() throws IOException {
        long size = 8L * 1024 * 1024 * 1024 + 1; // one more than the 11 octal digits of ustar allow
        HeadCapture out = new HeadCapture(3 * 512);
        TarWriter writer = new TarWriter(out);
        writer.file("huge.bin", size, new ZeroStream(size), 0644, TIME);
        writer.finish();

        long padded = (size + 511) / 512 * 512;
        assertThat(out.count % 10240).isZero();
        assertThat(out.count).isGreaterThanOrEqualTo(3 * 512 + padded + 1024);
        byte[] head = out.head.toByteArray();
        assertThat(head[156]).isEqualTo((byte) 'x');
        assertThat(new String(head, 512, 512, UTF_8)).contains(" size=" + size + "\n");
        // Read the headers back, with the content served by a stream of zeros
        Entry entry = new TarReader(new java.io.SequenceInputStream(new ByteArrayInputStream(head),
                new ZeroStream(padded))).next();
        assertThat(entry).isEqualTo(new Entry("huge.bin", Type.FILE, size, 0644, null, TIME));
    }

    @Test
    void entriesBelongToRootWithoutTheHostUserNameAndInWholeSeconds() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.directory("d", TIME + 999);
            writer.file("d/f", 1, stream("x"), 0644, TIME + 999);
            writer.symlink("d/l", "f", TIME + 999);
        }

        // a fraction of a second would have cost a pax header per entry
        assertThat(typeFlags(out.toByteArray())).containsExactly('5', '0', '2');
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                assertThat(e.getUserName()).as(e.getName()).isEmpty();
                assertThat(e.getGroupName()).as(e.getName()).isEmpty();
                assertThat(e.getLongUserId()).isZero();
                assertThat(e.getLongGroupId()).isZero();
                assertThat(e.getLastModifiedTime().toMillis()).isEqualTo(TIME);
            }
        }
    }

    @Test
    void archivesSymlinksInsideTheTreeAsLinks() throws IOException {
        Path data = sampleTree(tmp.resolve("data"));
        Files.createSymbolicLink(data.resolve("sub/to-a"), Path.of("../a.txt"));
        Files.createSymbolicLink(data.resolve("to-sub"), Path.of("sub"));
        Files.createSymbolicLink(data.resolve("dangling"), Path.of("sub/not-there"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        TarWriter.writeTree(data, "data", out);

        Map<String, Entry> entries = new LinkedHashMap<>();
        readAll(out.toByteArray()).forEach(e -> entries.put(e.name(), e));
        assertThat(entries.get("data/sub/to-a").type()).isEqualTo(Type.SYMLINK);
        assertThat(entries.get("data/sub/to-a").linkTarget()).isEqualTo("../a.txt");
        assertThat(entries.get("data/to-sub").linkTarget()).isEqualTo("sub");
        assertThat(entries.get("data/dangling").linkTarget()).isEqualTo("sub/not-there");
        assertThat(entries).doesNotContainKey("data/to-sub/b.txt");
    }

    @Test
    void refusesAbsoluteSymlinks() throws IOException {
        Path data = sampleTree(tmp.resolve("data"));
        // absolute, even to a sibling of the tree (and not /etc/passwd, which JUnit warns about on cleanup)
        Files.createSymbolicLink(data.resolve("sub/passwd"), Files.writeString(tmp.resolve("passwd"), "x"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> TarWriter.writeTree(data, "data", out))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("sub/passwd")
                .hasMessageContaining("points outside the copied directory");
        assertThat(out.size()).as("nothing written").isZero();
    }

    @Test
    void refusesRelativeSymlinksThatEscapeTheTree() throws IOException {
        Path data = sampleTree(tmp.resolve("data"));
        Files.createSymbolicLink(data.resolve("sub/deeper/up"), Path.of("../../../outside.txt"));

        assertThatThrownBy(() -> TarWriter.writeTree(data, "data", OutputStream.nullOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("sub/deeper/up")
                .hasMessageContaining("points outside the copied directory");
    }

    @Test
    void refusesSymlinkChainsThatEscapeTheTree() throws IOException {
        Path data = sampleTree(tmp.resolve("data"));
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(data.resolve("self"), Path.of("."));
        // lexically data/self/../secret.txt is data/secret.txt, but "self" is a link to data: it reaches tmp
        Files.createSymbolicLink(data.resolve("sneaky"), Path.of("self/../secret.txt"));

        assertThatThrownBy(() -> TarWriter.writeTree(data, "data", OutputStream.nullOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("sneaky")
                .hasMessageContaining("points outside the copied directory");
    }

    @Test
    void refusesASourceThatIsASymlink() throws IOException {
        Path data = sampleTree(tmp.resolve("data"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), data);

        assertThatThrownBy(() -> TarWriter.writeTree(link, "data", OutputStream.nullOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(link.toString())
                .hasMessageContaining("symbolic link");
    }

    @Test
    void refusesAMissingSource() {
        Path missing = tmp.resolve("missing");

        assertThatThrownBy(() -> TarWriter.writeTree(missing, "x", OutputStream.nullOutputStream()))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void refusesSpecialFiles() throws Exception {
        Path data = sampleTree(tmp.resolve("data"));
        Path fifo = data.resolve("sub/pipe");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            Assumptions.abort("mkfifo is not available");
            return;
        }
        Assumptions.assumeTrue(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");

        assertThatThrownBy(() -> TarWriter.writeTree(data, "data", OutputStream.nullOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("sub/pipe")
                .hasMessageContaining("special file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/abs", "a/../b", "..", "./a", "a/.", "a//b", "a\0b", "a/"})
    void rejectsInvalidEntryNames(String name) {
        TarWriter writer = new TarWriter(OutputStream.nullOutputStream());

        assertThatThrownBy(() -> writer.file(name, 0, InputStream.nullInputStream(), 0644, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TarWriter.writeTree(tmp, name, OutputStream.nullOutputStream()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acceptsDirectoryNamesWithATrailingSlash() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.directory("a/", TIME);
            writer.directory("a/b", TIME);
        }

        assertThat(readAll(out.toByteArray())).extracting(Entry::name).containsExactly("a", "a/b");
    }

    @Test
    void failsWhenTheContentIsShorterThanTheSize() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter writer = new TarWriter(out);

        assertThatThrownBy(() -> writer.file("a", 10, stream("short"), 0644, 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("'a'")
                .hasMessageContaining("5 of 10");
        assertThatThrownBy(() -> writer.file("b", 0, InputStream.nullInputStream(), 0644, 0))
                .isInstanceOf(IllegalStateException.class);
        int written = out.size();
        assertThatCode(writer::close).doesNotThrowAnyException();
        assertThat(out.size()).as("close after a failure adds no end marker").isEqualTo(written);
    }

    @Test
    void closeFinishesOnceAndLeavesTheStreamOpen() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        TarWriter writer = new TarWriter(out);
        writer.file("a", 1, stream("x"), 0644, 0);

        writer.close();
        writer.close();
        writer.finish();

        assertThat(out.size()).isEqualTo(10240);
        assertThat(closed[0]).isFalse();
        assertThatThrownBy(() -> writer.directory("b", 0)).isInstanceOf(IllegalStateException.class);
        byte[] bytes = out.toByteArray();
        assertThat(Arrays.copyOfRange(bytes, 1024, bytes.length)).containsOnly(0);
    }

    @Test
    void gnuTarExtractsOurArchives() throws IOException {
        Fixtures.assumeGnuTar();
        Path data = sampleTree(tmp.resolve("src/data"));
        Files.createDirectories(data.resolve("sub/" + "l".repeat(120)));
        Files.writeString(data.resolve("sub/" + "l".repeat(120) + "/" + "f".repeat(150) + ".txt"), "long");
        if (Fixtures.unicodeFileNames()) {
            Files.writeString(data.resolve("données-été.txt"), "unicode");
        }
        Files.createSymbolicLink(data.resolve("sub/to-a"), Path.of("../a.txt"));
        Fixtures.writeRandom(data.resolve("random.bin"), 1_000_003, 7);
        Fixtures.fixTimes(data, TIME);
        Path archive = tmp.resolve("data.tar");
        try (OutputStream out = Files.newOutputStream(archive)) {
            TarWriter.writeTree(data, "data", out);
        }
        Path extracted = Files.createDirectories(tmp.resolve("extracted"));

        Fixtures.gnuTarExtract(archive, extracted);

        assertThat(Fixtures.describe(extracted.resolve("data"))).isEqualTo(Fixtures.describe(data));
        assertThat(Fixtures.describe(data)).containsEntry("run.sh", "file " + Fixtures.sha256(data.resolve(
                "run.sh")) + " x 1600000000").containsEntry("sub/to-a", "link ../a.txt");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    /**
     * Creates {@code a.txt}, {@code empty.txt}, {@code run.sh} (executable), {@code empty-dir/},
     * {@code sub/b.txt} and {@code sub/deeper/c.txt} under {@code root}, all with time {@link #TIME}.
     */
    static Path sampleTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("sub/deeper"));
        Files.createDirectories(root.resolve("empty-dir"));
        Files.writeString(root.resolve("a.txt"), "alpha");
        Files.writeString(root.resolve("empty.txt"), "");
        Files.writeString(root.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(root.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(root.resolve("sub/b.txt"), "bravo bravo");
        Files.writeString(root.resolve("sub/deeper/c.txt"), "charlie");
        Fixtures.fixTimes(root, TIME);
        return root;
    }

    private static List<Entry> readAll(byte[] archive) throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(archive));
        List<Entry> entries = new ArrayList<>();
        for (Entry e; (e = reader.next()) != null; ) {
            entries.add(e);
        }
        return entries;
    }

    /** The type flags of the headers in an archive whose entries all have empty content, or pax headers. */
    private static List<Character> typeFlags(byte[] archive) throws IOException {
        List<Character> flags = new ArrayList<>();
        int pos = 0;
        while (pos + 512 <= archive.length && archive[pos] != 0) {
            char type = (char) archive[pos + 156];
            flags.add(type);
            String size = new String(archive, pos + 124, 11, UTF_8);
            long contentSize = Long.parseLong(size, 8);
            pos += 512 + (int) ((contentSize + 511) / 512 * 512);
        }
        return flags;
    }

    /** Keeps the first bytes written and counts the rest. */
    private static final class HeadCapture extends OutputStream {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        private final int limit;
        long count;

        HeadCapture(int limit) {
            this.limit = limit;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            int keep = (int) Math.max(0, Math.min(len, limit - count));
            head.write(b, off, keep);
            count += len;
        }
    }

    /** A stream of {@code size} bytes that leaves the caller's buffer as it is (cheap: no copying). */
    private static final class ZeroStream extends InputStream {
        private long left;

        ZeroStream(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            left -= n;
            return n;
        }
    }
}
