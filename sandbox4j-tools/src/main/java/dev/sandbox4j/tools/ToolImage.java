package dev.sandbox4j.tools;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * An image a tool call produced: a plot drawn by the program (matplotlib, R), an image file it wrote to its output
 * directory, or an image file read with {@code read_file}.
 *
 * @param name file name (e.g. {@code figure-1.png}) or a generated one for inline plots ({@code display-1.png})
 * @param mimeType {@code image/png}, {@code image/svg+xml}, {@code image/jpeg}, …
 * @param data the image's bytes (copied in and out)
 * @since 0.2
 */
public record ToolImage(String name, String mimeType, byte[] data) {
    public ToolImage {
        requireNonNull(name, "name");
        requireNonNull(mimeType, "mimeType");
        data = requireNonNull(data, "data").clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The bytes as standard Base64 (what MCP's ImageContent carries). */
    public String base64() {
        return Base64.getEncoder().encodeToString(data);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof ToolImage i && name.equals(i.name) && mimeType.equals(i.mimeType)
                && Arrays.equals(data, i.data);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "ToolImage[name=" + name + ", mimeType=" + mimeType + ", " + data.length + " bytes]";
    }
}
