package dev.sandbox4j;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How a box is set up, apart from its resource limits: image, user, network, filesystem, OCI runtime.
 *
 * <p>The defaults are hardened; each relaxation is an explicit call:
 * no network ({@link #networkEnabled()} {@code false}), read-only root filesystem, user {@code 65534:65534}
 * (nobody), working directory {@code /workspace} on a size-limited, non-executable tmpfs, no capabilities,
 * no new privileges, an init process that reaps zombies.
 *
 * @param image image to use instead of the language's default, or {@code null} for the default
 * @param user {@code uid:gid} the untrusted code runs as (numeric, not 0)
 * @param networkEnabled whether the box gets a network; {@code false} leaves only loopback
 * @param readOnlyRootFilesystem whether the root filesystem is read-only (writable space is then tmpfs only)
 * @param workdirExecutable whether programs may be executed from the working directory (compiled languages)
 * @param ociRuntime OCI runtime name such as {@code runsc} (gVisor), or {@code null} for the engine's default
 * @param workdir absolute path of the working directory in the box
 * @param env environment variables every process in the box sees (the host's environment is never passed)
 * @param labels extra labels put on the box (the {@code dev.sandbox4j.*} namespace is reserved)
 * @since 0.1
 */
public record RuntimeConfig(
        @Nullable String image,
        String user,
        boolean networkEnabled,
        boolean readOnlyRootFilesystem,
        boolean workdirExecutable,
        @Nullable String ociRuntime,
        String workdir,
        Map<String, String> env,
        Map<String, String> labels) {

    private static final Pattern USER = Pattern.compile("(\\d{1,9}):(\\d{1,9})");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern WORKDIR = Pattern.compile("(/[A-Za-z0-9._-]+)+");
    private static final RuntimeConfig DEFAULTS = new RuntimeConfig(
            null, "65534:65534", false, true, false, null, "/workspace", Map.of(), Map.of());

    /**
     * @throws IllegalArgumentException for a root or malformed user, a relative or odd working directory, bad
     *     environment names or a label in the reserved namespace
     */
    public RuntimeConfig {
        requireNonNull(user, "user");
        requireNonNull(workdir, "workdir");
        if (image != null && image.isBlank()) {
            throw new IllegalArgumentException("image must not be blank (use null for the language's default)");
        }
        var m = USER.matcher(user);
        if (!m.matches()) {
            throw new IllegalArgumentException("Expected user as numeric 'uid:gid' (e.g. '65534:65534') but was '"
                    + Texts.sanitize(user, 40) + "'");
        }
        if (Long.parseLong(m.group(1)) == 0 || Long.parseLong(m.group(2)) == 0) {
            throw new IllegalArgumentException("user (" + user + ") must not be root (uid or gid 0)");
        }
        if (!WORKDIR.matcher(workdir).matches() || hasDotSegment(workdir)) {
            throw new IllegalArgumentException("workdir ('" + Texts.sanitize(workdir, 60)
                    + "') must be an absolute, normalized path such as /workspace");
        }
        if (workdir.equals("/tmp") || isAtOrUnder(workdir, "/proc") || isAtOrUnder(workdir, "/sys")
                || isAtOrUnder(workdir, "/dev")) {
            throw new IllegalArgumentException("workdir (" + workdir + ") must not be /tmp, /proc, /sys or /dev");
        }
        if (ociRuntime != null && !ociRuntime.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("ociRuntime ('" + Texts.sanitize(ociRuntime, 40)
                    + "') must be a runtime name such as 'runc' or 'runsc'");
        }
        env = Map.copyOf(env);
        for (String name : env.keySet()) {
            if (!ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("environment variable name '"
                        + Texts.sanitize(name, 40) + "' is not valid");
            }
        }
        labels = Map.copyOf(labels);
        for (String key : labels.keySet()) {
            if (key.startsWith("dev.sandbox4j.") && !key.equals("dev.sandbox4j.run-id")) {
                throw new IllegalArgumentException("label '" + Texts.sanitize(key, 60)
                        + "' is in the reserved dev.sandbox4j.* namespace");
            }
        }
    }

    /** Whether an absolute path has a {@code .} or {@code ..} segment (such a path is not normalized). */
    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code path} is {@code dir} or lies under it, by whole segments ({@code /system} is not under /sys). */
    private static boolean isAtOrUnder(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }

    /** The hardened defaults described in the class documentation. */
    public static RuntimeConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link RuntimeConfig}; starts from the defaults or from the config it was made from. */
    public static final class Builder {
        private @Nullable String image;
        private String user;
        private boolean networkEnabled;
        private boolean readOnlyRootFilesystem;
        private boolean workdirExecutable;
        private @Nullable String ociRuntime;
        private String workdir;
        private final Map<String, String> env;
        private final Map<String, String> labels;

        private Builder(RuntimeConfig from) {
            image = from.image;
            user = from.user;
            networkEnabled = from.networkEnabled;
            readOnlyRootFilesystem = from.readOnlyRootFilesystem;
            workdirExecutable = from.workdirExecutable;
            ociRuntime = from.ociRuntime;
            workdir = from.workdir;
            env = new LinkedHashMap<>(from.env);
            labels = new LinkedHashMap<>(from.labels);
        }

        /** Image to use instead of the language's default image; {@code null} restores the default. */
        public Builder image(@Nullable String image) {
            this.image = image;
            return this;
        }

        public Builder user(String user) {
            this.user = requireNonNull(user, "user");
            return this;
        }

        /** Gives the box a network. Off by default: the box has loopback only. */
        public Builder networkEnabled(boolean networkEnabled) {
            this.networkEnabled = networkEnabled;
            return this;
        }

        public Builder readOnlyRootFilesystem(boolean readOnlyRootFilesystem) {
            this.readOnlyRootFilesystem = readOnlyRootFilesystem;
            return this;
        }

        public Builder workdirExecutable(boolean workdirExecutable) {
            this.workdirExecutable = workdirExecutable;
            return this;
        }

        public Builder ociRuntime(@Nullable String ociRuntime) {
            this.ociRuntime = ociRuntime;
            return this;
        }

        public Builder workdir(String workdir) {
            this.workdir = requireNonNull(workdir, "workdir");
            return this;
        }

        public Builder env(String name, String value) {
            env.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
            return this;
        }

        /** @throws IllegalArgumentException if a setting is invalid */
        public RuntimeConfig build() {
            return new RuntimeConfig(image, user, networkEnabled, readOnlyRootFilesystem, workdirExecutable,
                    ociRuntime, workdir, env, labels);
        }
    }
}
