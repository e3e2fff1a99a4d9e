package dev.sandbox4j.core;

import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.RuntimeConfig;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.spi.DirectBackend;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.SandboxBackend;
import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one session is, as its parts (box, programs, kernel, files, installer) need it: resolved once when it opens,
 * immutable.
 *
 * @param id the session's id
 * @param handler its language
 * @param image the image its box runs
 * @param options its options (the runtime's work directory is the box's home)
 * @param defaultTimeout the timeout of a run that sets none
 * @param expiresAt when its lifetime ends, or {@code null}
 * @param backend the engine its box lives in
 * @param events where audit events go
 * @param principal who uses it, for audit events
 * @param policy the security policy its code is checked against, or {@code null}
 * @param install registries and network for library installation
 */
record SessionContext(String id, LanguageHandler handler, String image, SessionOptions options,
        Duration defaultTimeout, @Nullable Instant expiresAt, SandboxBackend backend, SandboxEventListener events,
        String principal, @Nullable SecurityPolicy policy, InstallConfig install) {

    RuntimeConfig runtime() {
        return options.runtime();
    }

    /** The backend as a {@link DirectBackend} (boxes without commands, reached through a runtime), or null. */
    @Nullable DirectBackend direct() {
        return backend instanceof DirectBackend d ? d : null;
    }

    /** The work directory, the sandbox user's home. */
    String home() {
        return options.runtime().workdir();
    }

    /** The uid:gid untrusted code runs as. */
    String user() {
        return options.runtime().user();
    }

    /** Why a run was stopped when the session's lifetime ran out. */
    String lifetimeReason() {
        return "session lifetime of " + Texts.human(options.sessionTimeout()) + " exceeded";
    }

    /** The environment every program in the box starts with, then {@code extra}. */
    Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = baseEnv(options.runtime());
        env.putAll(extra);
        return env;
    }

    /** The environment every program of a box with this runtime starts with (the work directory is home). */
    static Map<String, String> baseEnv(RuntimeConfig runtime) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", runtime.workdir());
        env.put("TMPDIR", "/tmp");
        env.putAll(runtime.env());
        return env;
    }
}
