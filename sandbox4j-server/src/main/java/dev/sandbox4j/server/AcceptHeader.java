package dev.sandbox4j.server;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Content negotiation for the run endpoints, which answer as one JSON document or as server-sent events. Streaming is
 * chosen only when the client asks for {@code text/event-stream} by name and does not prefer JSON: a client that
 * accepts both equally (generated clients send every type the OpenAPI document lists,
 * {@code application/json, text/event-stream}) gets JSON, the default representation; a wildcard never selects
 * streaming.
 */
final class AcceptHeader {
    private AcceptHeader() {}

    /** Whether an {@code Accept} header asks for server-sent events rather than JSON. */
    static boolean prefersEventStream(@Nullable String accept) {
        if (accept == null) {
            return false;
        }
        double sse = 0;
        double json = -1; // -1: application/json not named
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].strip().toLowerCase(Locale.ROOT);
            double q = quality(parts);
            if (type.equals("text/event-stream")) {
                sse = Math.max(sse, q);
            } else if (type.equals("application/json")) {
                json = Math.max(json, q);
            }
        }
        return sse > 0 && sse > json;
    }

    private static double quality(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    double q = Double.parseDouble(p.substring(2).strip());
                    return q >= 0 && q <= 1 ? q : 0;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}
