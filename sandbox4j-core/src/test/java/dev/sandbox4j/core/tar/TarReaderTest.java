package dev.sandbox4j.core.tar;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.core.tar.TarReader.Entry;
import dev.sandbox4j.core.tar.TarReader.Entry.Type;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarReaderTest {

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------------------------------------------------------
    // Basics

    @Test
    void readsEntriesWrittenByTarWriter() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.directory("data", 1_600_000_000_000L);
            writer.file("data/a.txt", 5, stream("hello"), 0644, 1_600_000_001_000L);
            writer.file("data/run.sh", 3, stream("#!x"), 0755, 1_600_000_002_000L);
            writer.symlink("data/link", "a.txt", 1_600_000_003_000L);
        }

        TarReader reader = new TarReader(new ByteArrayInputStream(out.toByteArray()));
        assertThat(reader.next()).isEqualTo(new Entry("data", Type.DIRECTORY, 0, 0755, null, 1_600_000_000_000L));
        assertThat(reader.next()).isEqualTo(new Entry("data/a.txt", Type.FILE, 5, 0644, null, 1_600_000_001_000L));
        assertThat(text(reader.content())).isEqualTo("hello");
        assertThat(reader.next()).isEqualTo(new Entry("data/run.sh", Type.FILE, 3, 0755, null, 1_600_000_002_000L));
        assertThat(reader.next())
                .isEqualTo(new Entry("data/link", Type.SYMLINK, 0, 0777, "a.txt", 1_600_000_003_000L));
        assertThat(reader.next()).isNull();
        assertThat(reader.next()).isNull();
    }

    @Test
    void skipsUnreadAndPartlyReadContent() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.file("one", 1000, stream("1".repeat(1000)), 0644, 0);
            writer.file("two", 700, stream("2".repeat(700)), 0644, 0);
            writer.file("three", 3, stream("333"), 0644, 0);
        }
        TarReader reader = new TarReader(new ByteArrayInputStream(out.toByteArray()));

        assertThat(reader.next().name()).isEqualTo("one");
        InputStream one = reader.content();
        assertThat(one.readNBytes(10)).hasSize(10);
        assertThat(reader.next().name()).isEqualTo("two");
        assertThat(one.read()).as("stale content stream").isEqualTo(-1);
        assertThat(reader.next().name()).isEqualTo("three");
        assertThat(text(reader.content())).isEqualTo("333");
        assertThat(reader.next()).isNull();
    }

    @Test
    void contentIsBoundedAndClosingItKeepsTheUnderlyingStreamOpen() throws IOException {
        byte[] archive = new RawTar().file("a", "abc").file("b", "defg").end();
        boolean[] closed = {false};
        InputStream in = new ByteArrayInputStream(archive) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        TarReader reader = new TarReader(in);

        reader.next();
        try (InputStream content = reader.content()) {
            assertThat(content.readAllBytes()).isEqualTo("abc".getBytes(UTF_8));
            assertThat(content.read()).isEqualTo(-1);
            assertThat(content.read(new byte[10], 0, 10)).isEqualTo(-1);
        }
        assertThat(closed[0]).isFalse();
        assertThat(reader.next().name()).isEqualTo("b");
        assertThat(text(reader.content())).isEqualTo("defg");
    }

    @Test
    void contentWithoutCurrentEntryIsAnError() throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(new RawTar().end()));
        assertThatThrownBy(reader::content).isInstanceOf(IllegalStateException.class);
        assertThat(reader.next()).isNull();
        assertThatThrownBy(reader::content).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyStreamAndStreamEndingBetweenEntriesAreCleanEnds() throws IOException {
        assertThat(new TarReader(InputStream.nullInputStream()).next()).isNull();

        TarReader reader = new TarReader(new ByteArrayInputStream(new RawTar().file("a", "x").bytes()));
        assertThat(reader.next().name()).isEqualTo("a");
        assertThat(reader.next()).isNull();
    }

    @Test
    void stopsAtTheEndMarkerWithoutReadingFurther() throws IOException {
        byte[] garbage = "GARBAGE that is not a tar header at all".getBytes(UTF_8);
        byte[] archive = concat(new RawTar().file("a", "hello").bytes(), new byte[512], garbage);
        ByteArrayInputStream in = new ByteArrayInputStream(archive);
        TarReader reader = new TarReader(in);

        assertThat(reader.next().name()).isEqualTo("a");
        assertThat(reader.next()).isNull();
        assertThat(reader.next()).isNull();
        assertThat(in.readAllBytes()).isEqualTo(garbage);
    }

    @Test
    void stopsAtTheEndMarkerOfAFullArchive() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter writer = new TarWriter(out)) {
            writer.file("a", 5, stream("hello"), 0644, 0);
        }
        byte[] written = out.toByteArray();
        assertThat(written).hasSize(10240);
        byte[] garbage = new byte[3000];
        Arrays.fill(garbage, (byte) 0x5a);
        ByteArrayInputStream in = new ByteArrayInputStream(concat(written, garbage));
        TarReader reader = new TarReader(in);

        assertThat(reader.next().name()).isEqualTo("a");
        assertThat(reader.next()).isNull();
        // header + one content block + the first end-of-archive block were read; nothing else
        assertThat(in.available()).isEqualTo(written.length - 3 * 512 + garbage.length);
    }

    @Test
    void truncatedArchivesFail() throws IOException {
        byte[] archive = new RawTar().file("a", "x".repeat(2000)).end();

        assertThatThrownBy(() -> readAll(Arrays.copyOf(archive, 300)))
                .isInstanceOf(IOException.class).hasMessageContaining("Truncated");
        assertThatThrownBy(() -> readAll(Arrays.copyOf(archive, 512 + 1000)))
                .isInstanceOf(IOException.class).hasMessageContaining("Truncated").hasMessageContaining("'a'");
        assertThatThrownBy(() -> readAll(Arrays.copyOf(archive, 512 + 2010)))
                .isInstanceOf(IOException.class).hasMessageContaining("Truncated");

        TarReader reader = new TarReader(new ByteArrayInputStream(Arrays.copyOf(archive, 512 + 100)));
        reader.next();
        assertThatThrownBy(() -> reader.content().readAllBytes())
                .isInstanceOf(IOException.class).hasMessageContaining("Truncated");
    }

    @Test
    void truncatedExtendedHeaderFails() {
        byte[] pax = new RawTar().pax(Map.of("path", "long/" + "n".repeat(200))).bytes();

        assertThatThrownBy(() -> readAll(pax)).isInstanceOf(IOException.class).hasMessageContaining("Truncated");
        assertThatThrownBy(() -> readAll(Arrays.copyOf(pax, 600)))
                .isInstanceOf(IOException.class).hasMessageContaining("Truncated");
    }

    @Test
    void badChecksumFails() {
        byte[] archive = new RawTar().file("a", "x").end();
        archive[0] = 'b';

        assertThatThrownBy(() -> readAll(archive))
                .isInstanceOf(IOException.class).hasMessageContaining("checksum");
        assertThatThrownBy(() -> readAll("not a tar archive\n".repeat(100).getBytes(UTF_8)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void readsBase256AndSpacePaddedOctalNumbers() throws IOException {
        byte[] header = RawTar.header("odd", '0', 0, "");
        putField(header, 100, "   644 \0"); // mode: leading spaces, trailing space and NUL
        putField(header, 136, " 1234567 \0\0\0"); // mtime
        Arrays.fill(header, 124, 136, (byte) 0); // size 5 in base-256
        header[124] = (byte) 0x80;
        header[135] = 5;
        RawTar.fixChecksum(header);
        byte[] archive = concat(header, RawTar.pad("hello".getBytes(UTF_8)), new byte[1024]);

        TarReader reader = new TarReader(new ByteArrayInputStream(archive));
        Entry entry = reader.next();
        assertThat(entry).isEqualTo(new Entry("odd", Type.FILE, 5, 0644, null, 01234567 * 1000L));
        assertThat(text(reader.content())).isEqualTo("hello");
        assertThat(reader.next()).isNull();
    }

    @Test
    void rejectsBadNumbers() {
        byte[] header = RawTar.header("odd", '0', 0, "");
        putField(header, 124, "00000000009\0");
        RawTar.fixChecksum(header);

        // the field's name is not in the message: Commons Compress parses the numbers
        assertThatThrownBy(() -> readAll(concat(header, new byte[1024])))
                .isInstanceOf(IOException.class).hasMessageContaining("Corrupt");
    }

    @Test
    void usesUstarPrefixPaxRecordsAndGnuLongNames() throws IOException {
        String longName = "d/" + "n".repeat(300);
        String longTarget = "t/" + "l".repeat(300);
        byte[] prefixed = RawTar.header("file.txt", '0', 0, "");
        putField(prefixed, 345, "some/prefix\0");
        RawTar.fixChecksum(prefixed);
        RawTar tar = new RawTar()
                .raw(prefixed)
                .pax(Map.of("comment", "ignored", "path", "pax/é/name", "mtime", "1700000000.25",
                        "SCHILY.xattr.user.x", "y"))
                .file("ignored-ustar-name", "x")
                .global(Map.of("comment", "global, ignored"))
                .pax(Map.of("linkpath", longTarget))
                .symlink("link", "short")
                .gnuLong('L', longName)
                .gnuLong('K', longTarget)
                .entry("ignored", '1', new byte[0], "ignored")
                .pax(Map.of("size", "3"))
                .raw(RawTar.header("sized", '0', 0, "")) // the pax size overrides the header's 0
                .raw(RawTar.pad("abc".getBytes(UTF_8)))
                .entry("v7dir/", '\0', new byte[0], "")
                .entry("fifo", '6', new byte[0], "");

        List<Entry> entries = readAll(tar.end());

        assertThat(entries).extracting(Entry::name).containsExactly(
                "some/prefix/file.txt", "pax/é/name", "link", longName, "sized", "v7dir", "fifo");
        assertThat(entries.get(1).mtimeMillis()).isEqualTo(1_700_000_000_250L);
        assertThat(entries.get(2).linkTarget()).isEqualTo(longTarget);
        assertThat(entries.get(3).type()).isEqualTo(Type.HARDLINK);
        assertThat(entries.get(3).linkTarget()).isEqualTo(longTarget);
        assertThat(entries.get(4).size()).isEqualTo(3);
        assertThat(entries.get(5).type()).isEqualTo(Type.DIRECTORY);
        assertThat(entries.get(6).type()).isEqualTo(Type.OTHER);
    }

    @Test
    void rejectsCorruptPaxRecords() {
        byte[] pax = "99 path=x\n".getBytes(UTF_8);
        byte[] archive = concat(RawTar.header("PaxHeaders/x", 'x', pax.length, ""), RawTar.pad(pax),
                new RawTar().file("x", "").end());

        assertThatThrownBy(() -> readAll(archive)).isInstanceOf(IOException.class).message().containsIgnoringCase("pax");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Our checks over Commons Compress

    @Test
    void classifiesEntriesByTypeFlag() throws IOException {
        // Commons Compress's isFile() is true for all of these but the directory
        byte[] archive = new RawTar().symlink("sym", "t").entry("hard", '1', new byte[0], "sym")
                .entry("chr", '3', new byte[0], "").entry("fifo", '6', new byte[0], "").entry("label", 'V',
                        new byte[0], "").entry("dir", '5', new byte[0], "").entry("unknown", 'Z', new byte[0], "")
                .end();

        assertThat(readAll(archive)).extracting(Entry::type).containsExactly(
                Type.SYMLINK, Type.HARDLINK, Type.OTHER, Type.OTHER, Type.OTHER, Type.DIRECTORY, Type.OTHER);
    }

    @Test
    void refusesOversizedMetadataBeforeReadingIt() {
        int size = TarReader.MAX_METADATA_SIZE + 1;
        byte[] header = RawTar.header("././@LongLink", 'L', size, "");
        // only the header: the reader must fail on the declared size, not after buffering the name
        assertThatThrownBy(() -> readAll(concat(header, new byte[4096])))
                .isInstanceOf(IOException.class).hasMessageContaining("too large");
        byte[] pax = RawTar.header("PaxHeaders/x", 'x', size, "");
        assertThatThrownBy(() -> readAll(concat(pax, new byte[4096])))
                .isInstanceOf(IOException.class).hasMessageContaining("too large");
    }

    @Test
    void refusesLongChainsOfMetadataHeaders() throws IOException {
        RawTar chain = new RawTar();
        for (int i = 0; i < TarReader.MAX_METADATA_HEADERS + 1; i++) {
            chain.pax(Map.of("comment", "header " + i));
        }
        assertThatThrownBy(() -> readAll(chain.file("a", "x").end()))
                .isInstanceOf(IOException.class).hasMessageContaining("extended headers in a row");

        RawTar allowed = new RawTar();
        for (int i = 0; i < TarReader.MAX_METADATA_HEADERS - 1; i++) {
            allowed.pax(Map.of("comment", "header " + i));
        }
        assertThat(readAll(allowed.file("a", "x").end())).extracting(Entry::name).containsExactly("a");
    }

    @Test
    void metadataWithoutAnEntryIsTruncated() {
        // Commons Compress alone ends the archive quietly after a GNU long name without its entry
        assertThatThrownBy(() -> readAll(new RawTar().gnuLong('L', "n".repeat(200)).bytes()))
                .isInstanceOf(IOException.class).hasMessageContaining("Truncated");
        assertThatThrownBy(() -> readAll(new RawTar().gnuLong('L', "n".repeat(200)).end()))
                .isInstanceOf(IOException.class).hasMessageContaining("Truncated");
    }

    @Test
    void verifiesTheChecksumOfMetadataHeaders() {
        byte[] archive = new RawTar().pax(Map.of("path", "p")).file("a", "x").end();
        archive[100] = '1'; // the pax header's mode, not covered by its checksum any more

        assertThatThrownBy(() -> readAll(archive))
                .isInstanceOf(IOException.class).hasMessageContaining("checksum");
    }

    @Test
    void afterAnErrorTheReaderStaysAtTheEnd() throws IOException {
        byte[] archive = new RawTar().file("a", "x").end();
        archive[0] = 'b';
        TarReader reader = new TarReader(new ByteArrayInputStream(archive));

        assertThatThrownBy(reader::next).isInstanceOf(IOException.class);
        assertThat(reader.next()).isNull();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Interoperability with GNU tar

    @Test
    void readsPaxArchiveFromGnuTar() throws IOException {
        checkGnuTarArchive("pax");
    }

    @Test
    void readsGnuFormatArchiveFromGnuTar() throws IOException {
        checkGnuTarArchive("gnu");
    }

    private void checkGnuTarArchive(String format) throws IOException {
        Fixtures.assumeGnuTar();
        Path data = Files.createDirectories(tmp.resolve("src/data"));
        String longDir = "d".repeat(120);
        String longFile = "f".repeat(150) + ".txt";
        Files.createDirectories(data.resolve(longDir).resolve("sub"));
        Files.writeString(data.resolve(longDir).resolve("sub").resolve(longFile), "deep content");
        Files.writeString(data.resolve("plain.txt"), "plain");
        Files.write(data.resolve("empty"), new byte[0]);
        Files.createDirectories(data.resolve("empty-dir"));
        Files.createSymbolicLink(data.resolve("link"), Path.of("plain.txt"));
        String longTarget = longDir + "/sub/" + longFile;
        Files.createSymbolicLink(data.resolve("long-link"), Path.of(longTarget));
        Files.createLink(data.resolve("hard"), data.resolve("plain.txt"));
        Map<String, String> expected = new TreeMap<>(Map.of(
                "data/hard", "plain", // sorted by name, "hard" comes first: "plain.txt" is the hard link
                "data/empty", "",
                "data/" + longDir + "/sub/" + longFile, "deep content"));
        if (Fixtures.unicodeFileNames()) {
            Files.writeString(data.resolve("données-é.txt"), "unicode");
            expected.put("data/données-é.txt", "unicode");
        }

        byte[] archive = Fixtures.gnuTarCreate(tmp.resolve("src"), "--format=" + format, "--sort=name", "data");

        Map<String, String> files = new TreeMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        TarReader reader = new TarReader(new ByteArrayInputStream(archive));
        for (Entry e; (e = reader.next()) != null; ) {
            entries.put(e.name(), e);
            if (e.type() == Type.FILE) {
                files.put(e.name(), text(reader.content()));
            }
        }
        assertThat(files).isEqualTo(expected);
        assertThat(entries.get("data").type()).isEqualTo(Type.DIRECTORY);
        assertThat(entries.get("data/empty-dir").type()).isEqualTo(Type.DIRECTORY);
        assertThat(entries.get("data/" + longDir + "/sub").type()).isEqualTo(Type.DIRECTORY);
        assertThat(entries.get("data/link").type()).isEqualTo(Type.SYMLINK);
        assertThat(entries.get("data/link").linkTarget()).isEqualTo("plain.txt");
        assertThat(entries.get("data/long-link").type()).isEqualTo(Type.SYMLINK);
        assertThat(entries.get("data/long-link").linkTarget()).isEqualTo(longTarget);
        assertThat(entries.get("data/plain.txt").type()).isEqualTo(Type.HARDLINK);
        assertThat(entries.get("data/plain.txt").linkTarget()).isEqualTo("data/hard");
        assertThat(entries.get("data/hard").mtimeMillis() / 1000)
                .isEqualTo(Files.getLastModifiedTime(data.resolve("plain.txt")).toMillis() / 1000);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    private static List<Entry> readAll(byte[] archive) throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(archive));
        List<Entry> entries = new ArrayList<>();
        for (Entry e; (e = reader.next()) != null; ) {
            entries.add(e);
            reader.content().readAllBytes();
        }
        return entries;
    }

    private static void putField(byte[] header, int offset, String value) {
        byte[] bytes = value.getBytes(UTF_8);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(UTF_8));
    }

    static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Builds archives header by header, without the checks of {@link TarWriter}, to craft malicious input. */
    static final class RawTar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        RawTar file(String name, String content) {
            return entry(name, '0', content.getBytes(UTF_8), "");
        }

        RawTar directory(String name) {
            return entry(name, '5', new byte[0], "");
        }

        RawTar symlink(String name, String target) {
            return entry(name, '2', new byte[0], target);
        }

        /** An entry with a raw ustar name (at most 100 bytes; longer names need {@link #pax}). */
        RawTar entry(String name, char type, byte[] content, String link) {
            out.writeBytes(header(name, type, content.length, link));
            out.writeBytes(pad(content));
            return this;
        }

        RawTar pax(Map<String, String> records) {
            return entry("PaxHeaders/x", 'x', paxRecords(new TreeMap<>(records)), "");
        }

        RawTar global(Map<String, String> records) {
            return entry("GlobalHead", 'g', paxRecords(new TreeMap<>(records)), "");
        }

        /** Pax records {@code "<length> <key>=<value>\n"}, where the length counts the whole record. */
        static byte[] paxRecords(Map<String, String> records) {
            StringBuilder sb = new StringBuilder();
            records.forEach((key, value) -> {
                String body = " " + key + "=" + value + "\n";
                int bodyLength = body.getBytes(UTF_8).length;
                int length = bodyLength + 1;
                while (bodyLength + Integer.toString(length).length() != length) {
                    length++;
                }
                sb.append(length).append(body);
            });
            return sb.toString().getBytes(UTF_8);
        }

        RawTar gnuLong(char type, String value) {
            return entry("././@LongLink", type, (value + "\0").getBytes(UTF_8), "");
        }

        RawTar raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        /** The entries so far, without an end-of-archive marker. */
        byte[] bytes() {
            return out.toByteArray();
        }

        /** The entries followed by the end-of-archive marker. */
        byte[] end() {
            return concat(out.toByteArray(), new byte[1024]);
        }

        /** A ustar header block with the given raw name and link (UTF-8, truncated to their fields). */
        static byte[] header(String name, char type, long size, String link) {
            byte[] h = new byte[512];
            put(h, 0, 100, name);
            put(h, 100, 8, "0000644");
            put(h, 108, 8, "0000000");
            put(h, 116, 8, "0000000");
            put(h, 124, 12, String.format("%011o", size));
            put(h, 136, 12, String.format("%011o", 1_600_000_000L));
            h[156] = (byte) type;
            put(h, 157, 100, link);
            put(h, 257, 6, "ustar");
            put(h, 263, 2, "00");
            fixChecksum(h);
            return h;
        }

        static void fixChecksum(byte[] h) {
            Arrays.fill(h, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, 8, String.format("%06o", sum));
            h[154] = 0;
        }

        static byte[] pad(byte[] content) {
            return Arrays.copyOf(content, (content.length + 511) / 512 * 512);
        }

        private static void put(byte[] h, int offset, int length, String value) {
            byte[] bytes = value.getBytes(UTF_8);
            System.arraycopy(bytes, 0, h, offset, Math.min(length, bytes.length));
        }
    }

    /** Shared helpers for the tar tests: GNU tar, file trees, hashes. */
    static final class Fixtures {
        private static Boolean gnuTar;

        private Fixtures() {}

        static synchronized boolean gnuTarAvailable() {
            if (gnuTar == null) {
                try {
                    Process p = new ProcessBuilder("tar", "--version").redirectErrorStream(true).start();
                    String version = new String(p.getInputStream().readAllBytes(), UTF_8);
                    gnuTar = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && version.contains("GNU tar");
                } catch (IOException e) {
                    gnuTar = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    gnuTar = false;
                }
            }
            return gnuTar;
        }

        static void assumeGnuTar() {
            Assumptions.assumeTrue(gnuTarAvailable(), "GNU tar is not on the PATH");
        }

        /** Whether the JVM can create files with non-ASCII names (needs a UTF-8 locale). */
        static boolean unicodeFileNames() {
            try {
                Path.of("é");
                return true;
            } catch (InvalidPathException e) {
                return false;
            }
        }

        /** Runs {@code tar -c -f - -C dir args...} and returns the archive. */
        static byte[] gnuTarCreate(Path dir, String... args) throws IOException {
            Path archive = Files.createTempFile(dir.getParent(), "gnu", ".tar");
            List<String> command = new ArrayList<>(List.of("tar", "-c", "-f", "-", "-C", dir.toString()));
            command.addAll(List.of(args));
            run(new ProcessBuilder(command).redirectOutput(archive.toFile()));
            byte[] bytes = Files.readAllBytes(archive);
            Files.delete(archive);
            return bytes;
        }

        /** Runs {@code tar -x -f - -C dir} with the archive file as standard input. */
        static void gnuTarExtract(Path archive, Path dir) throws IOException {
            run(new ProcessBuilder("tar", "-x", "-f", "-", "-C", dir.toString()).redirectInput(archive.toFile()));
        }

        private static void run(ProcessBuilder builder) throws IOException {
            Path errors = Files.createTempFile("tar", ".err");
            try {
                Process process = builder.redirectError(errors.toFile()).start();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("tar timed out");
                }
                if (process.exitValue() != 0) {
                    throw new IOException(builder.command() + " failed (" + process.exitValue() + "): "
                            + Files.readString(errors));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } finally {
                Files.deleteIfExists(errors);
            }
        }

        /**
         * Describes a tree, links not followed: relative path to {@code "dir <mtime s>"},
         * {@code "file <sha-256> <x|-> <mtime s>"} or {@code "link <target>"}.
         */
        static Map<String, String> describe(Path root) throws IOException {
            Map<String, String> tree = new TreeMap<>();
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : (Iterable<Path>) paths::iterator) {
                    String name = root.relativize(p).toString();
                    long seconds = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000;
                    if (Files.isSymbolicLink(p)) {
                        tree.put(name, "link " + Files.readSymbolicLink(p));
                    } else if (Files.isDirectory(p)) {
                        tree.put(name, "dir " + seconds);
                    } else {
                        boolean executable = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
                                .contains(PosixFilePermission.OWNER_EXECUTE);
                        tree.put(name, "file " + sha256(p) + " " + (executable ? "x" : "-") + " " + seconds);
                    }
                }
            }
            return tree;
        }

        static String sha256(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                return sha256(in);
            }
        }

        static String sha256(InputStream in) throws IOException {
            MessageDigest digest;
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        }

        /** Writes {@code size} pseudo-random bytes to {@code file} in chunks. */
        static void writeRandom(Path file, long size, long seed) throws IOException {
            java.util.Random random = new java.util.Random(seed);
            byte[] chunk = new byte[64 * 1024];
            try (var out = Files.newOutputStream(file)) {
                for (long left = size; left > 0; left -= chunk.length) {
                    random.nextBytes(chunk);
                    out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
            }
        }

        /** Sets the modification time of every path under {@code root} (links excluded) to a fixed value. */
        static void fixTimes(Path root, long millis) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.filter(p -> !Files.isSymbolicLink(p)).forEach(p -> {
                    try {
                        Files.setLastModifiedTime(p, FileTime.fromMillis(millis));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
