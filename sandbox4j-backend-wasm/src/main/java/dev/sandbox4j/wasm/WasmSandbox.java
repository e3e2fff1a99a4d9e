package dev.sandbox4j.wasm;

import dev.sandbox4j.text.Texts;
import static java.util.Objects.requireNonNull;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.JsonLinesAuditListener;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.policy.SecurityPolicy;
import dev.sandbox4j.spi.Availability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Entry point of the WebAssembly backend: a {@link SandboxClient} whose sessions run Python in Pyodide inside Deno
 * processes, with no container engine.
 *
 * <p>Each session is one Deno process that loads Pyodide once (from a memory snapshot made on first use, so a session
 * starts in well under a second) and then runs programs sent over its stdin. Deno's permission sandbox is the
 * boundary: by default the program can read no host file, write none, open no connection, read no environment
 * variable and start no process. Each permission is opened explicitly here.
 *
 * <pre>{@code
 * try (SandboxClient client = WasmSandbox.builder().build();
 *      SandboxSession session = client.openSession("python", true)) {
 *     session.run("x = 6 * 7");
 *     System.out.println(session.run("print(x)").stdout()); // 42
 * }
 * }</pre>
 *
 * <p>Deno and Pyodide are found through {@link Builder#deno}/{@link Builder#pyodide}, else the environment variables
 * {@code SANDBOX4J_DENO}/{@code SANDBOX4J_PYODIDE}, else {@code $SANDBOX4J_WASM_HOME} (default
 * {@code /opt/sandbox4j-wasm}) where {@code scripts/setup-wasm.sh} installs them from npm.
 *
 * @since 0.2
 */
public final class WasmSandbox {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._\\-\\[\\]:]+");

    private WasmSandbox() {}

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether Deno and Pyodide are installed where a default {@link #builder()} looks, and which versions: for
     * {@code doctor}-style checks. Runs {@code deno --version}; never throws.
     */
    public static Availability availability() {
        try {
            WasmInstallation installation = WasmInstallation.locate(null, null, System.getenv());
            Process p = new ProcessBuilder(installation.deno().toString(), "--version")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Availability.unavailable(installation.deno() + " --version failed: "
                        + dev.sandbox4j.text.Texts.sanitize(out.strip(), 200));
            }
            String deno = out.lines().findFirst().orElse("deno ?").strip();
            String pyodide = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(installation.pyodide().resolve("package.json").toFile()).path("version").asText("?");
            return Availability.available(deno + ", pyodide " + pyodide + " (" + installation.deno() + ", "
                    + installation.pyodide() + ")");
        } catch (dev.sandbox4j.BackendUnavailableException e) {
            return Availability.unavailable(e.getMessage());
        } catch (java.io.IOException e) {
            return Availability.unavailable(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Availability.unavailable("interrupted");
        }
    }

    /** Configures a wasm {@link SandboxClient}. Each method validates its argument at once. */
    public static final class Builder {
        private @Nullable Path deno;
        private @Nullable Path pyodide;
        private boolean allowEnv;
        private final List<Path> allowRead = new ArrayList<>();
        private final List<Path> allowWrite = new ArrayList<>();
        private final List<String> allowNet = new ArrayList<>();
        private boolean allowRun;
        private boolean allowFfi;
        private boolean snapshots = true;
        private @Nullable Path snapshotCache;
        private Duration defaultTimeout = SandboxClient.DEFAULT_TIMEOUT;
        private Duration startTimeout = Duration.ofSeconds(120);
        private @Nullable SecurityPolicy policy;
        private SandboxEventListener eventListener = JsonLinesAuditListener.toLogger();
        private String principal = System.getProperty("user.name", "unknown");
        private boolean reapOrphans = true;
        private Map<String, String> environment = System.getenv();
        private @Nullable Path wheels;

        private Builder() {}

        /** The {@code deno} executable. Default: {@code SANDBOX4J_DENO}, else {@code /opt/sandbox4j-wasm/bin/deno}. */
        public Builder deno(Path deno) {
            this.deno = requireNonNull(deno, "deno");
            return this;
        }

        /**
         * The directory of the {@code pyodide} npm package. Default: {@code SANDBOX4J_PYODIDE}, else
         * {@code /opt/sandbox4j-wasm/pyodide}.
         */
        public Builder pyodide(Path pyodide) {
            this.pyodide = requireNonNull(pyodide, "pyodide");
            return this;
        }

        /** Lets programs read environment variables ({@code --allow-env}); Deno's environment is empty anyway. */
        public Builder allowEnv() {
            this.allowEnv = true;
            return this;
        }

        /** Lets programs read these host paths ({@code --allow-read}), through {@code import js} and Deno's API. */
        public Builder allowRead(Path... paths) {
            addPaths(allowRead, paths, "allowRead");
            return this;
        }

        /** Lets programs write these host paths ({@code --allow-write}). */
        public Builder allowWrite(Path... paths) {
            addPaths(allowWrite, paths, "allowWrite");
            return this;
        }

        /**
         * Lets programs connect to these hosts ({@code --allow-net=host[:port],...}), e.g. {@code "pypi.org"} or
         * {@code "10.0.0.5:8080"}. Python's own sockets reach no network in Pyodide; programs use
         * {@code pyodide.http.pyfetch} or JavaScript's {@code fetch}, which Deno checks against this list.
         *
         * @throws IllegalArgumentException if no host is given or a host is malformed
         */
        public Builder allowNet(String... hosts) {
            if (hosts.length == 0) {
                throw new IllegalArgumentException("allowNet needs at least one host (allowAllNet() allows every "
                        + "host)");
            }
            for (String h : hosts) {
                requireNonNull(h, "host");
                if (!HOST.matcher(h).matches()) {
                    throw new IllegalArgumentException("Expected a host such as 'example.com' or 'example.com:443' "
                            + "but was '" + dev.sandbox4j.text.Texts.sanitize(h, 80) + "'");
                }
                allowNet.remove("*");
                allowNet.add(h);
            }
            return this;
        }

        /** Lets programs connect anywhere ({@code --allow-net}). */
        public Builder allowAllNet() {
            allowNet.clear();
            allowNet.add("*");
            return this;
        }

        /** Lets programs start host processes ({@code --allow-run}). This gives up the sandbox: the host is open. */
        public Builder allowRun() {
            this.allowRun = true;
            return this;
        }

        /** Lets programs load native libraries ({@code --allow-ffi}). This gives up the sandbox. */
        public Builder allowFfi() {
            this.allowFfi = true;
            return this;
        }

        /**
         * Whether sessions start from a memory snapshot of an initialised interpreter (default true): made once per
         * Pyodide/Deno installation, it cuts a session's start from seconds to a fraction of one.
         */
        public Builder snapshots(boolean snapshots) {
            this.snapshots = snapshots;
            return this;
        }

        /** Directory of the snapshots. Default {@code ~/.cache/sandbox4j/wasm}. */
        public Builder snapshotCache(Path dir) {
            this.snapshotCache = requireNonNull(dir, "dir");
            return this;
        }

        /** Per-run timeout when neither the run nor the session sets one. Default 30 seconds. */
        public Builder defaultTimeout(Duration timeout) {
            checkPositive("defaultTimeout", timeout);
            this.defaultTimeout = timeout;
            return this;
        }

        /** How long a session's interpreter may take to start (or a snapshot to be made). Default 120 seconds. */
        public Builder startTimeout(Duration timeout) {
            checkPositive("startTimeout", timeout);
            this.startTimeout = timeout;
            return this;
        }

        /** Security policy for sessions that set none. Default: none. */
        public Builder policy(@Nullable SecurityPolicy policy) {
            this.policy = policy;
            return this;
        }

        /** Where audit events go. Default: JSON lines to the SLF4J logger {@code dev.sandbox4j.audit}. */
        public Builder eventListener(SandboxEventListener listener) {
            this.eventListener = requireNonNull(listener, "listener");
            return this;
        }

        /** Who uses this client, for audit events of sessions that name none. */
        public Builder principal(String principal) {
            requireNonNull(principal, "principal");
            if (principal.isBlank()) {
                throw new IllegalArgumentException("principal must not be blank");
            }
            this.principal = principal;
            return this;
        }

        /**
         * Whether to kill, when the client starts, driver processes that a crashed JVM left behind (a program stuck
         * in a loop keeps its Deno process alive after the JVM died). Default true.
         */
        public Builder reapOrphans(boolean reapOrphans) {
            this.reapOrphans = reapOrphans;
            return this;
        }

        /**
         * A local directory of wheels (like pip's {@code --find-links}, e.g. a mirror's {@code files/}) from which
         * {@link dev.sandbox4j.SandboxSession#install} installs pure-Python wheels ({@code py3-none-any}) into the
         * session's interpreter, offline. Dependencies are not resolved: name each library needed. Default: none,
         * and {@code install} is unsupported.
         *
         * @throws IllegalArgumentException if it is not a directory
         */
        public Builder wheels(Path directory) {
            requireNonNull(directory, "directory");
            if (!java.nio.file.Files.isDirectory(directory)) {
                throw new IllegalArgumentException("wheels directory '" + directory + "' does not exist");
            }
            this.wheels = directory.toAbsolutePath().normalize();
            return this;
        }

        /** The environment variables looked up ({@code SANDBOX4J_*}); for tests. */
        Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** The Deno permissions configured so far. */
        DenoPermissions permissions() {
            return new DenoPermissions(allowEnv, allowRead, allowWrite, allowNet, allowRun, allowFfi);
        }

        /**
         * Finds Deno and Pyodide and prepares the client (no interpreter is started yet).
         *
         * @throws dev.sandbox4j.BackendUnavailableException if Deno or Pyodide is missing; the message names each
         *     place looked at and {@code scripts/setup-wasm.sh}
         */
        public WasmSandboxClient build() {
            WasmInstallation installation = WasmInstallation.locate(deno, pyodide, environment);
            Path cache = snapshotCache != null ? snapshotCache
                    : Path.of(System.getProperty("user.home"), ".cache", "sandbox4j", "wasm");
            return WasmSandboxClient.create(new WasmSandboxClient.Config(installation, permissions(),
                    snapshots ? cache : null, defaultTimeout, startTimeout, policy, eventListener, principal,
                    reapOrphans, wheels));
        }

        private static void checkPositive(String name, Duration d) {
            requireNonNull(d, name);
            if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(7)) > 0) {
                throw new IllegalArgumentException(name + " (" + d + ") must be positive and at most 7 days");
            }
        }

        private static void addPaths(List<Path> into, Path[] paths, String what) {
            if (paths.length == 0) {
                throw new IllegalArgumentException(what + " needs at least one path");
            }
            for (Path p : paths) {
                requireNonNull(p, "path");
                String s = p.toAbsolutePath().normalize().toString();
                if (s.contains(",")) {
                    throw new IllegalArgumentException(what + " path '" + s + "' must not contain ',' (Deno's list "
                            + "separator)");
                }
                into.add(Path.of(s));
            }
        }
    }
}
