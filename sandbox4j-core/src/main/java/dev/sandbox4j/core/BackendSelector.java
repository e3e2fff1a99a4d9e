package dev.sandbox4j.core;

import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.spi.Availability;
import dev.sandbox4j.spi.BackendConfig;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.spi.SandboxBackendFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks a backend: the explicit factory, else the named one, else the available one with the highest priority. */
public final class BackendSelector {
    private static final Logger log = LoggerFactory.getLogger(BackendSelector.class);

    private BackendSelector() {}

    public static List<SandboxBackendFactory> discover() {
        Map<String, SandboxBackendFactory> found = new LinkedHashMap<>();
        ClassLoader ctx = Thread.currentThread().getContextClassLoader();
        if (ctx != null) {
            ServiceLoader.load(SandboxBackendFactory.class, ctx).forEach(f -> found.putIfAbsent(f.name(), f));
        }
        ServiceLoader.load(SandboxBackendFactory.class, BackendSelector.class.getClassLoader())
                .forEach(f -> found.putIfAbsent(f.name(), f));
        List<SandboxBackendFactory> list = new ArrayList<>(found.values());
        list.sort(Comparator.comparingInt(SandboxBackendFactory::priority).reversed());
        return list;
    }

    public static SandboxBackend select(
            @Nullable String name, @Nullable SandboxBackendFactory explicit, BackendConfig config) {
        if (explicit != null) {
            return explicit.create(config);
        }
        return select(name, config, discover());
    }

    static SandboxBackend select(@Nullable String name, BackendConfig config, List<SandboxBackendFactory> factories) {
        if (factories.isEmpty()) {
            throw new BackendUnavailableException(
                    "No sandbox backend on the classpath; add sandbox4j-backend-docker", List.of(), null);
        }
        List<String> attempts = new ArrayList<>();
        for (SandboxBackendFactory f : factories) {
            if (name != null ? !f.name().equalsIgnoreCase(name) : !f.autoDetected()) {
                continue; // a backend that is not auto-detected is used only when named
            }
            Availability a;
            try {
                a = f.probe(config);
            } catch (RuntimeException e) {
                a = Availability.unavailable("probe failed: " + e);
            }
            if (a.available()) {
                log.trace("Backend {} available: {}", f.name(), a.detail());
                return f.create(config);
            }
            attempts.add(f.name() + ": " + a.detail());
        }
        if (name != null && attempts.isEmpty()) {
            List<String> names = factories.stream().map(SandboxBackendFactory::name).toList();
            throw new IllegalArgumentException("Expected backend one of " + names + " but was '" + name + "'");
        }
        throw new BackendUnavailableException("No container engine answers (run `sandbox4j doctor`; "
                + "scripts/setup-engine.sh installs and starts Docker)", attempts, null);
    }
}
