package dev.sandbox4j.tools;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.service.SessionOwner;
import dev.sandbox4j.service.SessionService;
import dev.sandbox4j.text.Texts;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox tools an LLM agent calls, independent of any agent framework: {@code execute_code},
 * {@code create_session}, {@code close_session}, {@code list_sessions}, {@code write_file}, {@code read_file},
 * {@code list_files}, {@code install_packages} and {@code list_languages}. The MCP server and the LangChain4j and
 * Spring AI integrations adapt this class; {@link #specs()} describes each tool (name, description, JSON schemas).
 *
 * <pre>{@code
 * try (SandboxClient client = SandboxClient.builder().build();
 *      SandboxTools tools = SandboxTools.builder(client).build()) {
 *     ToolResult r = tools.call("chat-42", "execute_code", Map.of("language", "python", "code", "print(6*7)"));
 *     System.out.println(r.text());   // status: ok (exit code 0, 0.31 s) ... 42
 * }
 * }</pre>
 *
 * <p><b>Scopes.</b> Every call names a <em>scope</em>: the owner of the sessions it creates and the only one that
 * can see or use them (the LangChain4j tools use the chat memory id, the MCP server its MCP session). A scope given as
 * a string belongs to the {@link SessionOwner#LOCAL_TENANT local tenant}; a {@link SessionOwner} names the tenant and
 * the principal too (the HTTP service: the API key's tenant, scope {@code mcp/<MCP session>}). Session ids are chosen
 * by the caller or generated, and are unique within a scope. Each scope may hold at most
 * {@link Builder#maxSessionsPerScope(int)} sessions.
 *
 * <p><b>Sessions.</b> The sessions live in a {@link SessionService}: the tools' own (with
 * {@link Builder#maxSessions(int)}, {@link Builder#idleTimeout(Duration)} and {@link Builder#reaperInterval}), or one
 * shared with other front doors ({@link Builder#sessionService}), whose caps, listing, idle and lifetime reaping then
 * cover the tools' sessions too. A session not used for {@link Builder#idleTimeout(Duration)} is closed.
 *
 * <p><b>Errors.</b> No call throws for bad input or a failing engine: unknown tools, sessions or languages, missing
 * or malformed arguments, path traversal, oversized files and engine failures come back as a {@link ToolResult}
 * with {@code isError} and a message that says what to do. A program that runs and fails is not an error.
 *
 * <p><b>Threads and ownership.</b> Thread-safe; calls on different sessions run in parallel, calls on one session
 * one after the other. The tools use the {@link SandboxClient} (and a shared {@link SessionService}) but do not own
 * it: {@link #close()} closes the sessions the tools opened (and their own service), never the client.
 *
 * @since 0.2
 */
public final class SandboxTools implements AutoCloseable {
    public static final String EXECUTE_CODE = "execute_code";
    public static final String CREATE_SESSION = "create_session";
    public static final String CLOSE_SESSION = "close_session";
    public static final String LIST_SESSIONS = "list_sessions";
    public static final String WRITE_FILE = "write_file";
    public static final String READ_FILE = "read_file";
    public static final String LIST_FILES = "list_files";
    public static final String INSTALL_PACKAGES = "install_packages";
    public static final String LIST_LANGUAGES = "list_languages";

    private static final Logger log = LoggerFactory.getLogger(SandboxTools.class);
    private final SandboxClient client;
    private final SessionOptions sessionOptions;
    private final Duration maxTimeout;
    private final List<ToolSpec> specs;
    private final ToolSessions sessions;
    private final ResultText results;
    private final FileTools files;
    /** The service the tools made, which they close; {@code null} when it is shared. */
    private final @Nullable SessionService ownService;
    private final Duration closeGrace;
    /** Calls in flight (party 0 is {@link #close()}), so closing can let them finish and remove their boxes. */
    private final Phaser calls = new Phaser(1);
    private volatile boolean closed;

    private SandboxTools(Builder b) {
        this.client = b.client;
        this.sessionOptions = b.sessionOptions;
        this.maxTimeout = b.maxTimeout;
        this.closeGrace = b.closeGrace;
        long maxFileBytes = b.maxFileSize.bytes();
        this.specs = ToolCatalog.specs(List.copyOf(client.languages()), maxTimeout.toSeconds(), maxFileBytes);
        SessionService service = b.sessionService;
        this.ownService = service != null ? null : b.ownService.build();
        this.sessions = new ToolSessions(service != null ? service : ownService, sessionOptions, b.idleTimeout,
                b.maxSessionsPerScope, b.clock);
        this.results = new ResultText(b.maxOutputChars);
        this.files = new FileTools(sessions, results, maxFileBytes, b.maxOutputChars);
    }

    /** A builder for tools over {@code client} (which the tools use but never close). */
    public static Builder builder(SandboxClient client) {
        return new Builder(client);
    }

    /** The names of the tools, in the order of {@link #specs()}; the same for every client (help texts list them). */
    public static List<String> toolNames() {
        return ToolCatalog.specs(List.of(), 0, 0).stream().map(ToolSpec::name).toList();
    }

    /** The description of every tool, in a stable order; the language enum lists the client's languages. */
    public List<ToolSpec> specs() {
        return specs;
    }

    /** The description of the tool named {@code name}, or {@code null}. */
    public @Nullable ToolSpec spec(String name) {
        for (ToolSpec s : specs) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ generic entry point

    /**
     * Calls the tool {@code tool} with JSON-like arguments (values {@code String}, {@code Number}, {@code Boolean},
     * {@code List}, {@code Map}; {@code null} means absent), as an adapter receives them from a model.
     *
     * @param scope the owner of the sessions (a conversation, an MCP session); see the class description
     * @return the result; never throws for bad input or engine failures (see {@link ToolResult#isError()})
     */
    public ToolResult call(String scope, String tool, @Nullable Map<String, ?> arguments) {
        requireNonNull(scope, "scope");
        return call(() -> owner(scope), tool, arguments);
    }

    /** {@link #call(String, String, Map)} for a scope of a tenant, with the principal audit events name. */
    public ToolResult call(SessionOwner owner, String tool, @Nullable Map<String, ?> arguments) {
        requireNonNull(owner, "owner");
        return call(() -> owner, tool, arguments);
    }

    private ToolResult call(Supplier<SessionOwner> owner, String tool, @Nullable Map<String, ?> arguments) {
        requireNonNull(tool, "tool");
        ToolArgs a = new ToolArgs(arguments == null ? Map.of() : arguments);
        return guard(tool, () -> switch (tool) {
            case EXECUTE_CODE -> doExecute(owner.get(), a.optString("language"), a.string("code"),
                    a.stringList("libraries"), a.seconds("timeout"), a.seconds("cpu_time_limit"),
                    a.optString("session_id"));
            case CREATE_SESSION -> sessions.create(owner.get(), a.string("language"), a.optBoolean("stateful"),
                    a.optString("session_id"));
            case CLOSE_SESSION -> sessions.close(owner.get(), a.string("session_id"));
            case LIST_SESSIONS -> sessions.list(owner.get());
            case WRITE_FILE -> files.write(owner.get(), a.string("session_id"), a.string("path"),
                    a.stringAllowEmpty("content"), a.optString("encoding"));
            case READ_FILE -> files.read(owner.get(), a.string("session_id"), a.string("path"), a.optString("encoding"));
            case LIST_FILES -> files.list(owner.get(), a.string("session_id"), a.optString("path"));
            case INSTALL_PACKAGES -> doInstall(owner.get(), a.string("session_id"), a.stringList("packages"));
            case LIST_LANGUAGES -> ToolCatalog.languages(client);
            default -> throw new ToolError("Unknown tool '" + Texts.sanitize(tool, 60) + "'. Tools: "
                    + specs.stream().map(ToolSpec::name).toList());
        });
    }

    // ------------------------------------------------------------------ typed entry points

    /**
     * {@code execute_code}: runs {@code code} once in a fresh sandbox ({@code sessionId == null}) or in a session.
     *
     * @param language required without a session; with one, it must be absent or the session's language
     * @param timeout {@code null} for the session's (or client's) default; at most {@link Builder#maxTimeout}
     */
    public ToolResult executeCode(String scope, @Nullable String language, String code, List<String> libraries,
            @Nullable Duration timeout, @Nullable String sessionId) {
        return executeCode(scope, language, code, libraries, timeout, null, sessionId);
    }

    /**
     * {@code execute_code} with a CPU-time limit ({@code cpu_time_limit}).
     *
     * @param cpuTimeLimit the CPU time (user + system) the program's processes may use together
     *     ({@link RunOptions#cpuTimeLimit()}), or {@code null} for none; at most {@link Builder#maxTimeout}
     * @see #executeCode(String, String, String, List, Duration, String)
     * @since 0.2
     */
    public ToolResult executeCode(String scope, @Nullable String language, String code, List<String> libraries,
            @Nullable Duration timeout, @Nullable Duration cpuTimeLimit, @Nullable String sessionId) {
        return guard(EXECUTE_CODE, () -> doExecute(owner(scope), language, code, libraries, timeout, cpuTimeLimit,
                sessionId));
    }

    /** {@code create_session}; {@code stateful == null} means stateful where the language supports it. */
    public ToolResult createSession(String scope, String language, @Nullable Boolean stateful,
            @Nullable String sessionId) {
        return guard(CREATE_SESSION, () -> sessions.create(owner(scope), language, stateful, sessionId));
    }

    /** {@code close_session}. */
    public ToolResult closeSession(String scope, String sessionId) {
        return guard(CLOSE_SESSION, () -> sessions.close(owner(scope), sessionId));
    }

    /** {@code list_sessions}: the sessions of {@code scope}. */
    public ToolResult listSessions(String scope) {
        return guard(LIST_SESSIONS, () -> sessions.list(owner(scope)));
    }

    /** {@code write_file}; {@code encoding} is {@code text} (default) or {@code base64}. */
    public ToolResult writeFile(String scope, String sessionId, String path, String content,
            @Nullable String encoding) {
        return guard(WRITE_FILE, () -> files.write(owner(scope), sessionId, path, content, encoding));
    }

    /** {@code read_file}; {@code encoding} is {@code auto} (default), {@code text} or {@code base64}. */
    public ToolResult readFile(String scope, String sessionId, String path, @Nullable String encoding) {
        return guard(READ_FILE, () -> files.read(owner(scope), sessionId, path, encoding));
    }

    /** {@code list_files}; {@code path == null} lists the work directory. */
    public ToolResult listFiles(String scope, String sessionId, @Nullable String path) {
        return guard(LIST_FILES, () -> files.list(owner(scope), sessionId, path));
    }

    /** {@code install_packages}. */
    public ToolResult installPackages(String scope, String sessionId, List<String> packages) {
        return guard(INSTALL_PACKAGES, () -> doInstall(owner(scope), sessionId, packages));
    }

    /** {@code list_languages}. */
    public ToolResult listLanguages() {
        return guard(LIST_LANGUAGES, () -> ToolCatalog.languages(client));
    }

    // ------------------------------------------------------------------ lifecycle

    /** Number of open sessions in {@code scope}. */
    public int sessionCount(String scope) {
        return scope.isBlank() ? 0 : sessions.count(owner(scope));
    }

    /** Number of scopes holding sessions the tools opened (the tools keep nothing of a scope without sessions). */
    int scopeCount() {
        return sessions.scopeCount();
    }

    /** Number of open sessions the tools opened, in all scopes. */
    public int sessionCount() {
        return sessions.count();
    }

    /**
     * Closes every session of {@code scope} (the conversation or MCP session ended); a run in progress in one of
     * them ends killed.
     *
     * @return how many sessions were closed
     */
    public int closeScope(String scope) {
        return scope.isBlank() ? 0 : sessions.closeScope(owner(scope), "ended");
    }

    /** {@link #closeScope(String)} for a scope of a tenant. */
    public int closeScope(SessionOwner owner) {
        return sessions.closeScope(owner, "ended");
    }

    /**
     * Closes the sessions of the tools' {@link SessionService} that have not been used for their idle timeout or
     * outlived their lifetime ({@link SessionService#reap()}; a background thread also does this every
     * {@link Builder#reaperInterval(Duration)}). Sessions in use are skipped.
     *
     * @return how many sessions were closed
     */
    public int reapIdle() {
        return sessions.service().reap();
    }

    /**
     * Refuses new calls, waits up to {@link Builder#closeGrace(Duration)} for calls in flight (so a one-shot run
     * removes its own box), then closes every session the tools opened and the tools' own {@link SessionService}
     * (never the client, nor a shared service). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            calls.awaitAdvanceInterruptibly(calls.arrive(), closeGrace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Closing with {} tool call(s) still running after {}", calls.getUnarrivedParties(), closeGrace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sessions.closeAll("shutdown");
        if (ownService != null) {
            ownService.close();
        }
    }

    // ------------------------------------------------------------------ the tools

    private ToolResult doExecute(SessionOwner owner, @Nullable String language, String code, List<String> libraries,
            @Nullable Duration timeout, @Nullable Duration cpuTimeLimit, @Nullable String sessionId) {
        if (code.isBlank()) {
            throw new ToolError("Missing argument 'code': give the program's source code.");
        }
        RunOptions.Builder run = RunOptions.builder().captureArtifacts(true).libraries(libraries);
        if (timeout != null) {
            run.timeout(ToolArgs.checkTimeout(timeout, maxTimeout));
        }
        if (cpuTimeLimit != null) {
            run.cpuTimeLimit(ToolArgs.checkSeconds("cpu_time_limit", cpuTimeLimit, maxTimeout));
        }
        if (sessionId == null) {
            if (language == null || language.isBlank()) {
                throw new ToolError("Missing argument 'language' (one of " + languages()
                        + "); it is required unless you run in a session (session_id).");
            }
            ExecutionResult r = client.run(language, code, sessions.oneShotOptions(owner), run.build());
            return results.run(r, canonical(language), null);
        }
        return sessions.with(owner, sessionId, s -> {
            SandboxSession session = s.session();
            if (language != null && !language.isBlank() && client.languages().contains(language)
                    && !language.equals(session.language())) {
                throw new ToolError("Session '" + s.label() + "' runs " + session.language() + ", not '" + language
                        + "'. Create a " + language + " session or run without session_id.");
            }
            return results.run(session.run(code, run.build()), session.language(), s.label());
        });
    }

    private ToolResult doInstall(SessionOwner owner, String id, List<String> packages) {
        if (packages.isEmpty()) {
            throw new ToolError("Missing argument 'packages': name at least one package.");
        }
        return sessions.with(owner, id, s -> results.install(s.session().install(packages), id, packages,
                s.session().installedLibraries()));
    }

    // ------------------------------------------------------------------ arguments and errors

    private ToolResult guard(String tool, Supplier<ToolResult> body) {
        if (closed) {
            return ToolResult.error("The sandbox tools are closed.");
        }
        calls.register();
        try {
            return body.get();
        } catch (RuntimeException e) {
            return ToolError.toResult(tool, e);
        } finally {
            calls.arriveAndDeregister();
        }
    }

    /** A scope of the local tenant. */
    private static SessionOwner owner(String scope) {
        if (scope.isBlank()) {
            throw new ToolError("Internal error: the caller gave no scope.");
        }
        return SessionOwner.local(scope);
    }

    private List<String> languages() {
        return List.copyOf(client.languages());
    }

    private String canonical(String language) {
        return client.languages().contains(language) ? language : language.toLowerCase(Locale.ROOT);
    }

    /**
     * Configures {@link SandboxTools}. Every setter checks its argument at once.
     *
     * @since 0.2
     */
    public static final class Builder {
        private final SandboxClient client;
        private SessionOptions sessionOptions = SessionOptions.defaults();
        private Duration idleTimeout = Duration.ofMinutes(15);
        private int maxSessionsPerScope = 4;
        private Duration maxTimeout = Duration.ofMinutes(5);
        private int maxOutputChars = 20_000;
        private DataSize maxFileSize = DataSize.ofMegabytes(1);
        private Clock clock = Clock.systemUTC();
        private Duration closeGrace = Duration.ofSeconds(10);
        private @Nullable SessionService sessionService;
        /** The tools' own service unless one is shared: it checks and keeps maxSessions, reaperInterval and the rest. */
        private final SessionService.Builder ownService;

        private Builder(SandboxClient client) {
            this.client = requireNonNull(client, "client");
            this.ownService = SessionService.builder(client).idleTimeout(idleTimeout).clock(clock);
        }

        /** Options of the sessions and one-shot runs the tools start (limits, policy, labels); default: defaults. */
        public Builder sessionOptions(SessionOptions options) {
            this.sessionOptions = requireNonNull(options, "options");
            return this;
        }

        /** How long a session may go unused before it is closed. The default is 15 minutes. */
        public Builder idleTimeout(Duration idleTimeout) {
            ownService.idleTimeout(idleTimeout);
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** At most this many sessions per scope (conversation). The default is 4. */
        public Builder maxSessionsPerScope(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxSessionsPerScope (" + max + ") must be at least 1");
            }
            this.maxSessionsPerScope = max;
            return this;
        }

        /** At most this many sessions in all scopes together. The default is 32. */
        public Builder maxSessions(int max) {
            ownService.maxSessions(max);
            return this;
        }

        /** The longest {@code timeout} a model may ask for. The default is 5 minutes. */
        public Builder maxTimeout(Duration maxTimeout) {
            checkPositive("maxTimeout", maxTimeout);
            this.maxTimeout = maxTimeout;
            return this;
        }

        /**
         * Each stream (stdout, stderr) in a result is cut in the middle past this many characters, so a flood of
         * output does not fill the model's context. The default is 20000.
         */
        public Builder maxOutputChars(int max) {
            if (max < 100) {
                throw new IllegalArgumentException("maxOutputChars (" + max + ") must be at least 100");
            }
            this.maxOutputChars = max;
            return this;
        }

        /** The largest file {@code write_file} accepts and {@code read_file} returns. The default is 1 MiB. */
        public Builder maxFileSize(DataSize size) {
            requireNonNull(size, "size");
            if (size.bytes() < 1) {
                throw new IllegalArgumentException("maxFileSize (" + size + ") must be positive");
            }
            this.maxFileSize = size;
            return this;
        }

        /**
         * How often a background thread closes idle sessions; {@link Duration#ZERO} for none (then call
         * {@link SandboxTools#reapIdle()}). The default is 30 seconds.
         */
        public Builder reaperInterval(Duration interval) {
            ownService.reaperInterval(interval);
            return this;
        }

        /**
         * How long {@link SandboxTools#close()} waits for calls in flight before closing the sessions under them.
         * The default is 10 seconds.
         */
        public Builder closeGrace(Duration grace) {
            requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("closeGrace (" + grace + ") must not be negative");
            }
            this.closeGrace = grace;
            return this;
        }

        /**
         * Keeps the tools' sessions in {@code service}, shared with other front doors (its caps, listing and reaping
         * then cover them; {@link #maxSessions}, {@link #reaperInterval} and {@link #clock} are the service's own
         * business). The tools never close it. By default the tools make and close a service of their own.
         */
        public Builder sessionService(SessionService service) {
            this.sessionService = requireNonNull(service, "service");
            return this;
        }

        /** The clock for idle expiry (tests). */
        public Builder clock(Clock clock) {
            ownService.clock(clock);
            this.clock = clock;
            return this;
        }

        private static void checkPositive(String name, Duration d) {
            requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " (" + d + ") must be positive");
            }
        }

        public SandboxTools build() {
            return new SandboxTools(this);
        }
    }
}
