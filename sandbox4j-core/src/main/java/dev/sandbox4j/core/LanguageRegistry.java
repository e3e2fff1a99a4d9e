package dev.sandbox4j.core;

import dev.sandbox4j.text.Texts;
import dev.sandbox4j.spi.LanguageHandler;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Language handlers by id and alias: discovered ones, then explicitly added ones (which win). */
public final class LanguageRegistry {
    private final Map<String, LanguageHandler> byId = new TreeMap<>();
    private final Map<String, LanguageHandler> byName = new TreeMap<>();
    private final Map<String, LanguageHandler> byExtension = new TreeMap<>();

    private LanguageRegistry() {}

    /** Handlers found with {@link ServiceLoader} (context class loader, then this one's), plus {@code extra}. */
    public static LanguageRegistry discover(Collection<LanguageHandler> extra) {
        LanguageRegistry r = new LanguageRegistry();
        ClassLoader ctx = Thread.currentThread().getContextClassLoader();
        if (ctx != null) {
            ServiceLoader.load(LanguageHandler.class, ctx).forEach(r::addIfAbsent);
        }
        ServiceLoader.load(LanguageHandler.class, LanguageRegistry.class.getClassLoader()).forEach(r::addIfAbsent);
        extra.forEach(h -> r.add(h, true));
        return r;
    }

    private void addIfAbsent(LanguageHandler h) {
        if (!byId.containsKey(h.id())) {
            add(h, false);
        }
    }

    private void add(LanguageHandler h, boolean explicit) {
        String id = h.id().toLowerCase(Locale.ROOT);
        LanguageHandler old = byId.put(id, h);
        if (old != null) {
            byName.values().removeIf(x -> x == old);
            byExtension.values().removeIf(x -> x == old);
        }
        byName.put(id, h);
        for (String alias : h.aliases()) {
            byName.putIfAbsent(alias.toLowerCase(Locale.ROOT), h);
        }
        for (String ext : h.fileExtensions()) {
            if (explicit) {
                byExtension.put(ext.toLowerCase(Locale.ROOT), h);
            } else {
                byExtension.putIfAbsent(ext.toLowerCase(Locale.ROOT), h);
            }
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

    /** Whether an id or alias names a language, case-insensitively. */
    public boolean knows(String language) {
        return byName.containsKey(language.trim().toLowerCase(Locale.ROOT));
    }

    /** The canonical ids, sorted. */
    public Set<String> ids() {
        return new TreeSet<>(byId.keySet());
    }

    /** The handlers, sorted by id. */
    public List<LanguageHandler> handlers() {
        return List.copyOf(byId.values());
    }

    /**
     * The language of a program file, from its extension ({@link LanguageHandler#fileExtensions()}, ignoring case):
     * {@code hello.py} is python, {@code Main.java} java, {@code analysis.R} r.
     *
     * @return the handler, or empty when the name has no extension or no handler claims it
     */
    public Optional<LanguageHandler> forFileName(String fileName) {
        String name = fileName.substring(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            return Optional.empty();
        }
        return Optional.ofNullable(byExtension.get(name.substring(dot + 1).toLowerCase(Locale.ROOT)));
    }

    /** Every claimed extension (lower case, without the dot) with its language id, sorted by extension. */
    public Map<String, String> extensions() {
        Map<String, String> out = new TreeMap<>();
        byExtension.forEach((ext, h) -> out.put(ext, h.id()));
        return out;
    }
}
