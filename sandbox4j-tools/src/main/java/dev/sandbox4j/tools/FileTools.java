package dev.sandbox4j.tools;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.text.Texts;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** {@code write_file}, {@code read_file} and {@code list_files}: files of a session. */
final class FileTools {
    private static final Duration FILE_OP_TIMEOUT = Duration.ofSeconds(30);

    private final ToolScopes sessions;
    private final ResultText results;
    private final long maxFileBytes;
    private final int maxOutputChars;
    private final String workdir;

    FileTools(ToolScopes sessions, ResultText results, long maxFileBytes, int maxOutputChars, String workdir) {
        this.sessions = sessions;
        this.results = results;
        this.maxFileBytes = maxFileBytes;
        this.maxOutputChars = maxOutputChars;
        this.workdir = workdir;
    }

    ToolResult write(String scope, String id, String path, String content, @Nullable String encoding) {
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
        return sessions.with(scope, id, s -> {
            s.session().putFile(path, bytes);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", path);
            m.put("size", bytes.length);
            return ToolResult.ok("Wrote " + bytes.length + " bytes to '" + path + "'.", m);
        });
    }

    ToolResult read(String scope, String id, String path, @Nullable String encoding) {
        checkPath(path);
        String enc = encoding == null ? "auto" : encoding.toLowerCase(Locale.ROOT);
        if (!List.of("auto", "text", "base64").contains(enc)) {
            throw new ToolError("Expected encoding one of [auto, text, base64] but was '"
                    + Texts.sanitize(encoding, 20) + "'.");
        }
        return sessions.with(scope, id, s -> {
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

    /** Lists a directory with {@link SandboxTools#LIST_SCRIPT} in the box. */
    ToolResult list(String scope, String id, @Nullable String path) {
        String dir = path == null || path.isBlank() ? "." : path;
        checkPath(dir);
        return sessions.with(scope, id, e -> {
            ExecutionResult r = e.session().exec(List.of("/bin/sh", "-c", SandboxTools.LIST_SCRIPT, "list", dir,
                    workdir), RunOptions.builder().timeout(FILE_OP_TIMEOUT).outputLimit(DataSize.ofMegabytes(1)).build());
            if (r.exitCode() == 2) {
                throw new ToolError("There is no directory '" + Texts.sanitize(dir, 120) + "' in session '" + id
                        + "'.");
            }
            if (r.exitCode() == 3) {
                throw new ToolError("'" + Texts.sanitize(dir, 120) + "' is not a directory; read it with read_file.");
            }
            if (r.exitCode() == 4) {
                throw new ToolError("'" + Texts.sanitize(dir, 120) + "' " + Texts.sanitize(r.stderr().strip(), 160)
                        + " (through a symbolic link in the box), outside " + workdir
                        + " and /tmp; only those can be listed.");
            }
            if (r.status() != ExecutionStatus.OK && r.status() != ExecutionStatus.OUTPUT_LIMIT) {
                throw new ToolError("Listing '" + Texts.sanitize(dir, 120) + "' failed (" + r.status().wireName()
                        + "): " + Texts.sanitize(r.stderr(), 300));
            }
            List<Map<String, Object>> entries = new ArrayList<>();
            for (String line : r.stdout().split("\0")) {
                String[] f = line.split("\t", 3);
                if (f.length < 3) {
                    continue;
                }
                Map<String, Object> en = new LinkedHashMap<>();
                en.put("name", f[2]);
                en.put("path", dir.equals(".") ? f[2] : (dir.endsWith("/") ? dir : dir + "/") + f[2]);
                en.put("type", switch (f[0]) {
                    case "f" -> "file";
                    case "d" -> "directory";
                    case "l" -> "symlink";
                    default -> "other";
                });
                en.put("size", parseLong(f[1]));
                entries.add(en);
            }
            entries.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
            StringBuilder text = new StringBuilder();
            text.append(entries.isEmpty() ? "'" + dir + "' is empty." : "'" + dir + "' (" + entries.size()
                    + " entries):");
            for (Map<String, Object> en : entries) {
                text.append("\n").append(en.get("name")).append("directory".equals(en.get("type")) ? "/" : "")
                        .append("file".equals(en.get("type")) ? "  " + en.get("size") + " bytes" : "");
            }
            if (r.stdoutTruncated()) {
                text.append("\n[listing truncated]");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", dir);
            m.put("entries", entries);
            m.put("truncated", r.stdoutTruncated());
            return ToolResult.ok(results.cut(text.toString()), m);
        });
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
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
