package dev.sandbox4j.tools;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.FileEntry;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.text.Texts;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** {@code write_file}, {@code read_file} and {@code list_files}: files of a session, through the API only. */
final class FileTools {
    private final ToolSessions sessions;
    private final ResultText results;
    private final long maxFileBytes;
    private final int maxOutputChars;

    FileTools(ToolSessions sessions, ResultText results, long maxFileBytes, int maxOutputChars) {
        this.sessions = sessions;
        this.results = results;
        this.maxFileBytes = maxFileBytes;
        this.maxOutputChars = maxOutputChars;
    }

    ToolResult write(SessionOwner owner, String id, String path, String content, @Nullable String encoding) {
        checkPath(path);
        String enc = encoding == null ? "text" : encoding.toLowerCase(Locale.ROOT);
        byte[] bytes = switch (enc) {
            case "text" -> content.getBytes(StandardCharsets.UTF_8);
            case "base64" -> {
                try {
                    yield Base64.getMimeDecoder().decode(content);
                } catch (IllegalArgumentException ex) {
                    throw new ToolError("'content' is not valid Base64 (" + ex.getMessage() + ").");
                }
            }
            default -> throw new ToolError("Expected encoding one of [text, base64] but was '"
                    + Texts.sanitize(encoding, 20) + "'.");
        };
        if (bytes.length > maxFileBytes) {
            throw new ToolError("File is " + bytes.length + " bytes; at most " + maxFileBytes + " can be written.");
        }
        return sessions.with(owner, id, s -> {
            s.session().putFile(path, bytes);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", path);
            m.put("size", bytes.length);
            return ToolResult.ok("Wrote " + bytes.length + " bytes to '" + path + "'.", m);
        });
    }

    ToolResult read(SessionOwner owner, String id, String path, @Nullable String encoding) {
        checkPath(path);
        String enc = encoding == null ? "auto" : encoding.toLowerCase(Locale.ROOT);
        if (!List.of("auto", "text", "base64").contains(enc)) {
            throw new ToolError("Expected encoding one of [auto, text, base64] but was '"
                    + Texts.sanitize(encoding, 20) + "'.");
        }
        return sessions.with(owner, id, s -> {
            byte[] content;
            try {
                content = s.session().getFile(path, DataSize.ofBytes(maxFileBytes));
            } catch (FileTooLargeException big) {
                long limit = big.limit().bytes();
                String size = big.size().isPresent() ? big.size().getAsLong() + " bytes"
                        : "more than " + limit + " bytes";
                throw new ToolError("File '" + Texts.sanitize(path, 120) + "' is " + size + "; at most " + limit
                        + " can be read. Print a part of it with execute_code instead.");
            }
            String mime = Artifact.mimeTypeOf(path);
            String text = enc.equals("base64") ? null : utf8(content);
            if (enc.equals("text") && text == null) {
                throw new ToolError("File '" + Texts.sanitize(path, 120) + "' is not UTF-8 text; read it with "
                        + "encoding=base64.");
            }
            List<ToolImage> images = mime.startsWith("image/")
                    ? List.of(new ToolImage(baseName(path), mime, content))
                    : List.of();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", path);
            m.put("size", content.length);
            m.put("mime_type", mime);
            m.put("encoding", text != null ? "text" : "base64");
            m.put("content", text != null ? text : Base64.getEncoder().encodeToString(content));
            String body;
            if (text != null) {
                body = "'" + path + "' (" + content.length + " bytes):\n" + results.cut(text);
            } else if (!images.isEmpty()) {
                body = "'" + path + "' is an image (" + mime + ", " + content.length + " bytes), attached.";
            } else {
                String b64 = Base64.getEncoder().encodeToString(content);
                body = "'" + path + "' (" + mime + ", " + content.length + " bytes) as Base64:\n"
                        + (b64.length() > maxOutputChars
                                ? b64.substring(0, maxOutputChars) + "… [Base64 truncated; the full content is in "
                                        + "the structured result]"
                                : b64);
            }
            return new ToolResult(body, images, m, false);
        });
    }

    /**
     * Lists a directory with {@link dev.sandbox4j.SandboxSession#listFiles}: links are reported, never followed, and
     * a path that is itself a link is refused, as the HTTP API does.
     */
    ToolResult list(SessionOwner owner, String id, @Nullable String path) {
        String dir = path == null || path.isBlank() ? "." : path;
        checkPath(dir);
        return sessions.with(owner, id, s -> {
            List<FileEntry> listing;
            try {
                listing = s.session().listFiles(dir);
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof NoSuchFileException) {
                    throw new ToolError("There is no directory '" + Texts.sanitize(dir, 120) + "' in session '" + id
                            + "'.");
                }
                throw e;
            } catch (IllegalArgumentException e) {
                throw new ToolError("Cannot list '" + Texts.sanitize(dir, 120) + "': " + e.getMessage() + ". Only "
                        + "directories under the work directory and /tmp are listed, and a symbolic link is not "
                        + "followed; read a file with read_file.");
            }
            List<Map<String, Object>> entries = listing.stream().map(e -> entry(dir, e)).toList();
            StringBuilder text = new StringBuilder();
            text.append(entries.isEmpty() ? "'" + dir + "' is empty." : "'" + dir + "' (" + entries.size()
                    + " entries):");
            for (FileEntry e : listing) {
                text.append("\n").append(e.name()).append(e.type() == FileEntry.Type.DIRECTORY ? "/" : "")
                        .append(e.type() == FileEntry.Type.FILE ? "  " + e.size() + " bytes" : "")
                        .append(e.type() == FileEntry.Type.SYMLINK ? " -> " + e.linkTarget() : "");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", dir);
            m.put("entries", entries);
            m.put("truncated", false);
            return ToolResult.ok(results.cut(text.toString()), m);
        });
    }

    /** An entry as {@code list_files} (and the HTTP API) answer it: its path as the caller named the directory. */
    static Map<String, Object> entry(String dir, FileEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("path", dir.equals(".") ? e.name() : (dir.endsWith("/") ? dir : dir + "/") + e.name());
        m.put("type", e.type().wireName());
        m.put("size", e.size());
        return m;
    }

    static void checkPath(String path) {
        if (path.isBlank()) {
            throw new ToolError("Missing argument 'path'.");
        }
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                throw new ToolError("Path '" + Texts.sanitize(path, 120) + "' must not contain control characters.");
            }
        }
        for (String seg : path.split("/")) {
            if (seg.equals("..")) {
                throw new ToolError("Path '" + Texts.sanitize(path, 120) + "' must not contain '..' (path "
                        + "traversal); use a path under the work directory.");
            }
        }
        if (path.length() > 1024) {
            throw new ToolError("Path is longer than 1024 characters.");
        }
    }

    private static @Nullable String utf8(byte[] content) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
            return s.indexOf('\0') >= 0 ? null : s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
