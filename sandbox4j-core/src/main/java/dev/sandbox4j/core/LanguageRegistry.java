package dev.sandbox4j.core;

import dev.sandbox4j.internal.Texts;
import dev.sandbox4j.spi.LanguageHandler;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Language handlers by id and alias: discovered ones, then explicitly added ones (which win). */
public final class LanguageRegistry {
    private final Map<String, LanguageHandler> byId = new TreeMap<>();
    private final Map<String, LanguageHandler> byName = new TreeMap<>();

    private LanguageRegistry() {}

    /** Handlers found with {@link ServiceLoader} (context class loader, then this one's), plus {@code extra}. */
    public static LanguageRegistry discover(Collection<LanguageHandler> extra) {
        LanguageRegistry r = new LanguageRegistry();
        ClassLoader ctx = Thread.currentThread().getContextClassLoader();
        if (ctx != null) {
            ServiceLoader.load(LanguageHandler.class, ctx).forEach(r::addIfAbsent);
        }
        ServiceLoader.load(LanguageHandler.class, LanguageRegistry.class.getClassLoader()).forEach(r::addIfAbsent);
        extra.forEach(r::add);
        return r;
    }

    private void addIfAbsent(LanguageHandler h) {
        if (!byId.containsKey(h.id())) {
            add(h);
        }
    }

    private void add(LanguageHandler h) {
        String id = h.id().toLowerCase(Locale.ROOT);
        LanguageHandler old = byId.put(id, h);
        if (old != null) {
            byName.values().removeIf(x -> x == old);
        }
        byName.put(id, h);
        for (String alias : h.aliases()) {
            byName.putIfAbsent(alias.toLowerCase(Locale.ROOT), h);
        }
    }

    /**
     * The handler for an id or alias, case-insensitively.
     *
     * @throws IllegalArgumentException naming the known languages if there is none
     */
    public LanguageHandler get(String language) {
        LanguageHandler h = byName.get(language.trim().toLowerCase(Locale.ROOT));
        if (h == null) {
            throw new IllegalArgumentException("Expected language one of " + ids() + " but was '"
                    + Texts.sanitize(language, 40) + "'");
        }
        return h;
    }

    public Set<String> ids() {
        return new TreeSet<>(byId.keySet());
    }
}
