package dev.sandbox4j.server;


import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** {@code GET /v1/languages} answers from a cache: asking the engine about every image each time is too slow. */
final class LanguagesCache {
    private static final long TTL_NANOS = Duration.ofSeconds(10).toNanos();
    private final SandboxClient client;
    private volatile long at = Long.MIN_VALUE;
    private volatile List<Map<String, Object>> value = List.of();
    private volatile @Nullable String problem;

    LanguagesCache(SandboxClient client) {
        this.client = client;
    }

    List<Map<String, Object>> get() {
        refresh();
        return value;
    }

    @Nullable String engineProblem() {
        refresh();
        return problem;
    }

    private synchronized void refresh() {
        long now = System.nanoTime();
        if (at != Long.MIN_VALUE && now - at < TTL_NANOS) {
            return;
        }
        List<Map<String, Object>> list = new ArrayList<>();
        String p = null;
        for (String id : client.languages()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("image", client.imageFor(id));
            boolean available = false;
            if (p == null) {
                try {
                    available = client.imageAvailable(id);
                } catch (RuntimeException e) {
                    p = Texts.sanitize(String.valueOf(e.getMessage()), 300);
                }
            }
            m.put("available", available);
            list.add(m);
        }
        value = List.copyOf(list);
        problem = p;
        at = now;
    }
}
