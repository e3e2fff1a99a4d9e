package dev.sandbox4j.server;


import dev.sandbox4j.text.Texts;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;

/** Reading request bodies within their limits (413 past them, the rest drained so the client sees the answer). */
final class Bodies {
    /** How much of an oversized body is read and thrown away so the client sees the 413 (beyond: close). */
    static final long DRAIN_LIMIT = 64L * 1024 * 1024;

    private final ServerConfig config;
    private final ServerMetrics metrics;

    Bodies(ServerConfig config, ServerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    byte[] jsonBody(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type != null && !type.isBlank() && !type.toLowerCase(Locale.ROOT).contains("json")) {
            drain(ctx, 0);
            throw new ApiException(415, Problem.UNSUPPORTED_MEDIA_TYPE, "Expected Content-Type application/json but "
                    + "was '" + Texts.sanitize(type, 80) + "'");
        }
        return body(ctx, config.maxBodySize().bytes(), "request body", "max_body_size");
    }

    /**
     * Reads the request body, at most {@code max} bytes.
     *
     * @throws ApiException 413 when it is larger (the rest is read and dropped, up to {@link #DRAIN_LIMIT}, so the
     *     client gets to see the answer)
     */
    byte[] body(Context ctx, long max, String what, String setting) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            if (declared <= DRAIN_LIMIT) {
                drain(ctx, 0); // it is on its way: take it, so the client gets to read the answer
            } else {
                ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE); // do not wait for it
            }
            throw tooLarge(what + " is " + declared + " bytes; the limit is " + max + " bytes (" + setting + ")", max);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), max));
            byte[] buf = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > max) {
                    drain(ctx, total);
                    throw tooLarge(what + " is larger than the limit of " + max + " bytes (" + setting + ")", max);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new ApiException(400, Problem.INVALID_REQUEST, "could not read the request body: "
                    + Texts.sanitize(String.valueOf(e.getMessage()), 200), Map.of(), null, e);
        }
    }

    ApiException tooLarge(String detail, long limit) {
        metrics.rejected("too_large");
        return ApiException.tooLarge(detail, limit);
    }

    /** Reads and drops the rest of the body (bounded), or marks the connection to be closed. */
    private static void drain(Context ctx, long alreadyRead) {
        try {
            InputStream in = ctx.req().getInputStream();
            byte[] buf = new byte[65536];
            long total = alreadyRead;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > DRAIN_LIMIT) {
                    ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            ctx.attribute(DisconnectWatcher.CLOSE_CONNECTION, Boolean.TRUE);
        }
    }

}
