package dev.sandbox4j;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A file a run produced in its output directory ({@link RunOptions.Builder#captureArtifacts(boolean)}): a plot saved
 * by matplotlib or R, or any file the program wrote there.
 *
 * @param name path relative to the output directory, with {@code /} separators (e.g. {@code figure-1.png})
 * @param mimeType guessed from the name's extension; {@code application/octet-stream} when unknown
 * @param size length of the content in bytes
 * @param content the file's bytes (the array is copied in and out)
 * @since 0.2
 */
public record Artifact(String name, String mimeType, long size, byte[] content) {
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("svg", "image/svg+xml"), Map.entry("webp", "image/webp"),
            Map.entry("pdf", "application/pdf"), Map.entry("json", "application/json"),
            Map.entry("csv", "text/csv"), Map.entry("txt", "text/plain"), Map.entry("md", "text/markdown"),
            Map.entry("html", "text/html"), Map.entry("htm", "text/html"), Map.entry("xml", "application/xml"),
            Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"),
            Map.entry("parquet", "application/vnd.apache.parquet"), Map.entry("wav", "audio/wav"),
            Map.entry("mp4", "video/mp4"), Map.entry("eps", "application/postscript"),
            Map.entry("ps", "application/postscript"), Map.entry("tsv", "text/tab-separated-values"));

    public Artifact {
        requireNonNull(name, "name");
        requireNonNull(mimeType, "mimeType");
        content = requireNonNull(content, "content").clone();
        if (size != content.length) {
            throw new IllegalArgumentException("size " + size + " does not match the content's " + content.length
                    + " bytes");
        }
    }

    /** An artifact with its MIME type guessed from the name. */
    public static Artifact of(String name, byte[] content) {
        return new Artifact(name, mimeTypeOf(name), content.length, content);
    }

    /** The MIME type for a file name's extension, {@code application/octet-stream} when unknown. */
    public static String mimeTypeOf(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot < name.lastIndexOf('/')) {
            return "application/octet-stream";
        }
        return TYPES.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), "application/octet-stream");
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    /** The content as standard Base64 (what the HTTP API and MCP send). */
    public String base64() {
        return Base64.getEncoder().encodeToString(content);
    }

    /** Whether the MIME type is an image type. */
    public boolean isImage() {
        return mimeType.startsWith("image/");
    }

    /**
     * Writes the artifact under {@code dir} (its name may contain sub-directories, which are created).
     *
     * @return the written file
     * @throws IOException if it cannot be written, or the name would leave {@code dir}
     */
    public Path writeTo(Path dir) throws IOException {
        Path base = dir.toAbsolutePath().normalize();
        Path target = base.resolve(name).normalize();
        if (!target.startsWith(base) || target.equals(base)) {
            throw new IOException("artifact name '" + Texts.sanitize(name, 80) + "' leaves " + base);
        }
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target); // never write through a symlink left at that name
        return Files.write(target, content);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof Artifact a && name.equals(a.name) && mimeType.equals(a.mimeType) && size == a.size
                && Arrays.equals(content, a.content);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(content);
    }

    /** Shows the size, never the content. */
    @Override
    public String toString() {
        return "Artifact[name=" + name + ", mimeType=" + mimeType + ", size=" + size + "]";
    }
}
