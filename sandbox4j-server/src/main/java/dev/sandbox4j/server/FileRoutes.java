package dev.sandbox4j.server;

import static dev.sandbox4j.server.Api.caller;
import static dev.sandbox4j.server.Api.json;

import dev.sandbox4j.FileEntry;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.service.ManagedSession;
import io.javalin.http.Context;
import java.nio.file.NoSuchFileException;
import java.io.UncheckedIOException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The routes of a session's files: upload, download and directory listings. */
@SuppressWarnings("try") // permits and uses are held for the scope of a try block, not referenced
final class FileRoutes {
    private final ServerConfig config;
    private final RunSlots slots;
    private final Bodies bodies;
    private final SessionRoutes sessions;

    FileRoutes(ServerConfig config, RunSlots slots, Bodies bodies, SessionRoutes sessions) {
        this.config = config;
        this.slots = slots;
        this.bodies = bodies;
        this.sessions = sessions;
    }


    /** {@code PUT /v1/sessions/{id}/files/{path}}: the body is the file's bytes. */
    void putFile(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        String path = RequestValidator.path("path", ctx.pathParam("path"));
        byte[] content = bodies.body(ctx, config.maxFileSize().bytes(), "file", "max_file_size");
        try (RunLimiter.Permit p = acquire(ctx, caller); ManagedSession.Use u = ms.use()) {
            ms.session().putFile(path, content);
        } catch (IllegalArgumentException e) {
            throw invalidPath(e); // e.g. a symbolic link the box made that leads outside /workspace and /tmp
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("path", path);
        body.put("size", content.length);
        json(ctx, 201, body);
    }

    /** {@code GET /v1/sessions/{id}/files/{path}}: the file's bytes. */
    void getFile(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        String path = RequestValidator.path("path", ctx.pathParam("path"));
        byte[] content;
        try (RunLimiter.Permit p = acquire(ctx, caller); ManagedSession.Use u = ms.use()) {
            content = ms.session().getFile(path, config.maxFileSize());
        } catch (FileTooLargeException big) {
            long limit = big.limit().bytes();
            throw bodies.tooLarge("file '" + Texts.sanitize(path, 120) + "' is "
                    + (big.size().isPresent() ? big.size().getAsLong() : "more than " + limit) + " bytes; downloads "
                    + "are limited to " + limit + " bytes (max_file_size)", limit);
        } catch (IllegalArgumentException e) {
            throw invalidPath(e); // e.g. a symbolic link the box made that leads outside /workspace and /tmp
        }
        ctx.status(200).contentType("application/octet-stream").result(content);
    }
    /**
     * {@code GET /v1/sessions/{id}/files?dir=}: the entries of a directory (not recursive), through
     * {@link dev.sandbox4j.SandboxSession#listFiles}: links reported, never followed; a directory that is a link, or
     * resolves outside the work directory and /tmp, is refused.
     */
    void listFiles(Context ctx) {
        Caller caller = caller(ctx);
        ManagedSession ms = session(ctx);
        String dir = ctx.queryParam("dir");
        dir = dir == null || dir.isEmpty() ? "." : RequestValidator.path("dir", dir);
        List<FileEntry> listing;
        try (RunLimiter.Permit p = acquire(ctx, caller); ManagedSession.Use u = ms.use()) {
            listing = ms.session().listFiles(dir);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                throw ApiException.notFound(Problem.FILE_NOT_FOUND, "there is no directory '"
                        + Texts.sanitize(dir, 120) + "' in session '" + ms.id() + "'");
            }
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, Problem.INVALID_PATH, ApiErrors.message(e), Map.of("field", "dir"), null, e);
        }
        List<Map<String, Object>> entries = new ArrayList<>();
        for (FileEntry f : listing) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", f.name());
            e.put("path", dir.equals(".") ? f.name() : (dir.endsWith("/") ? dir : dir + "/") + f.name());
            e.put("type", f.type().wireName());
            e.put("size", f.size());
            e.put("modified_at", f.modified() == null ? null
                    : f.modified().truncatedTo(ChronoUnit.MILLIS).toString());
            entries.add(e);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session_id", ms.id());
        body.put("dir", dir);
        body.put("entries", entries);
        body.put("truncated", false);
        json(ctx, 200, body);
    }

    private static ApiException invalidPath(IllegalArgumentException e) {
        return ApiErrors.invalidPath(e);
    }

    private RunLimiter.Permit acquire(Context ctx, Caller caller) {
        return slots.acquire(ctx, caller);
    }

    private ManagedSession session(Context ctx) {
        return sessions.session(ctx);
    }
}
