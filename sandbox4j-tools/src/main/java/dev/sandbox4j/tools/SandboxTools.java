package dev.sandbox4j.tools;

import static java.util.Objects.requireNonNull;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.BackendException;
import dev.sandbox4j.BackendUnavailableException;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.DataSize;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.ImageUnavailableException;
import dev.sandbox4j.PoolExhaustedException;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxException;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionClosedException;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.text.Texts;
import dev.sandbox4j.policy.Violation;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
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
 * can see or use them (the LangChain4j tools use the chat memory id, the MCP server its MCP session, the HTTP
 * service the tenant plus MCP session). Session ids are chosen by the caller or generated, and are unique within a
 * scope. Each scope may hold at most {@link Builder#maxSessionsPerScope(int)} sessions, all scopes together at most
 * {@link Builder#maxSessions(int)}. A session not used for {@link Builder#idleTimeout(Duration)} is closed.
 *
 * <p><b>Errors.</b> No call throws for bad input or a failing engine: unknown tools, sessions or languages, missing
 * or malformed arguments, path traversal, oversized files and engine failures come back as a {@link ToolResult}
 * with {@code isError} and a message that says what to do. A program that runs and fails is not an error.
 *
 * <p><b>Threads and ownership.</b> Thread-safe; calls on different sessions run in parallel, calls on one session
 * one after the other. The tools use the {@link SandboxClient} but do not own it: {@link #close()} closes the
 * sessions the tools opened, never the client.
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
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Duration FILE_OP_TIMEOUT = Duration.ofSeconds(30);
    private static final int EXPIRED_MEMORY = 32;
    /**
     * Lists directory $1, NUL-separated {@code type \t size \t name}; exit 2: missing, 3: not a directory, 4: it
     * resolves (through a link the box made) outside $2 (the work directory) and /tmp. {@code cd -P} pins the
     * directory, so the check holds for what {@code find} lists.
     */
    static final String LIST_SCRIPT = "if [ -d \"$1\" ]; then "
            + "cd -P -- \"$1\" || exit 1; r=$(pwd -P); case \"$r\" in \"$2\"|\"$2\"/*|/tmp|/tmp/*) ;; "
            + "*) echo \"resolves to $r\" >&2; exit 4;; esac; "
            + "exec find . -mindepth 1 -maxdepth 1 -printf '%y\\t%s\\t%f\\0'; "
            + "elif [ -e \"$1\" ]; then echo 'not a directory' >&2; exit 3; "
            + "else echo 'no such directory' >&2; exit 2; fi";

    private final SandboxClient client;
    private final SessionOptions sessionOptions;
    private final Duration idleTimeout;
    private final int maxSessionsPerScope;
    private final int maxSessions;
    private final Duration maxTimeout;
    private final int maxOutputChars;
    private final long maxFileBytes;
    private final Clock clock;
    private final List<ToolSpec> specs;
    private final Map<String, Scope> scopes = new ConcurrentHashMap<>();
    /** Sessions open or being opened, in all scopes (kept apart from the scopes' locks: no lock nesting). */
    private final AtomicInteger reserved = new AtomicInteger();
    private final @Nullable ScheduledExecutorService reaper;
    private final Duration closeGrace;
    /** Calls in flight (party 0 is {@link #close()}), so closing can let them finish and remove their boxes. */
    private final Phaser calls = new Phaser(1);
    private volatile boolean closed;

    private SandboxTools(Builder b) {
        this.client = b.client;
        this.sessionOptions = b.sessionOptions;
        this.idleTimeout = b.idleTimeout;
        this.maxSessionsPerScope = b.maxSessionsPerScope;
        this.maxSessions = b.maxSessions;
        this.maxTimeout = b.maxTimeout;
        this.maxOutputChars = b.maxOutputChars;
        this.maxFileBytes = b.maxFileSize.bytes();
        this.clock = b.clock;
        this.closeGrace = b.closeGrace;
        this.specs = ToolCatalog.specs(List.copyOf(client.languages()), maxTimeout.toSeconds(), maxFileBytes);
        if (b.reaperInterval.isZero()) {
            this.reaper = null;
        } else {
            this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sandbox4j-tools-reaper");
                t.setDaemon(true);
                return t;
            });
            long ms = b.reaperInterval.toMillis();
            reaper.scheduleWithFixedDelay(this::reapIdleQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
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
        requireNonNull(tool, "tool");
        Args a = new Args(arguments == null ? Map.of() : arguments);
        return guard(tool, () -> switch (tool) {
            case EXECUTE_CODE -> doExecute(scope, a.optString("language"), a.string("code"),
                    a.stringList("libraries"), a.seconds("timeout"), a.optString("session_id"));
            case CREATE_SESSION -> doCreateSession(scope, a.string("language"), a.optBoolean("stateful"),
                    a.optString("session_id"));
            case CLOSE_SESSION -> doCloseSession(scope, a.string("session_id"));
            case LIST_SESSIONS -> doListSessions(scope);
            case WRITE_FILE -> doWriteFile(scope, a.string("session_id"), a.string("path"),
                    a.stringAllowEmpty("content"), a.optString("encoding"));
            case READ_FILE -> doReadFile(scope, a.string("session_id"), a.string("path"), a.optString("encoding"));
            case LIST_FILES -> doListFiles(scope, a.string("session_id"), a.optString("path"));
            case INSTALL_PACKAGES -> doInstall(scope, a.string("session_id"), a.stringList("packages"));
            case LIST_LANGUAGES -> doListLanguages();
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
        return guard(EXECUTE_CODE, () -> doExecute(scope, language, code, libraries, timeout, sessionId));
    }

    /** {@code create_session}; {@code stateful == null} means stateful where the language supports it. */
    public ToolResult createSession(String scope, String language, @Nullable Boolean stateful,
            @Nullable String sessionId) {
        return guard(CREATE_SESSION, () -> doCreateSession(scope, language, stateful, sessionId));
    }

    /** {@code close_session}. */
    public ToolResult closeSession(String scope, String sessionId) {
        return guard(CLOSE_SESSION, () -> doCloseSession(scope, sessionId));
    }

    /** {@code list_sessions}: the sessions of {@code scope}. */
    public ToolResult listSessions(String scope) {
        return guard(LIST_SESSIONS, () -> doListSessions(scope));
    }

    /** {@code write_file}; {@code encoding} is {@code text} (default) or {@code base64}. */
    public ToolResult writeFile(String scope, String sessionId, String path, String content,
            @Nullable String encoding) {
        return guard(WRITE_FILE, () -> doWriteFile(scope, sessionId, path, content, encoding));
    }

    /** {@code read_file}; {@code encoding} is {@code auto} (default), {@code text} or {@code base64}. */
    public ToolResult readFile(String scope, String sessionId, String path, @Nullable String encoding) {
        return guard(READ_FILE, () -> doReadFile(scope, sessionId, path, encoding));
    }

    /** {@code list_files}; {@code path == null} lists the work directory. */
    public ToolResult listFiles(String scope, String sessionId, @Nullable String path) {
        return guard(LIST_FILES, () -> doListFiles(scope, sessionId, path));
    }

    /** {@code install_packages}. */
    public ToolResult installPackages(String scope, String sessionId, List<String> packages) {
        return guard(INSTALL_PACKAGES, () -> doInstall(scope, sessionId, packages));
    }

    /** {@code list_languages}. */
    public ToolResult listLanguages() {
        return guard(LIST_LANGUAGES, this::doListLanguages);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Number of open sessions in {@code scope}. */
    public int sessionCount(String scope) {
        Scope s = scopes.get(scope);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.sessions.size();
        }
    }

    /** Number of scopes the tools remember (tests: empty scopes are forgotten after the idle timeout). */
    int scopeCount() {
        return scopes.size();
    }

    /** Number of open sessions in all scopes. */
    public int sessionCount() {
        int n = 0;
        for (Scope s : scopes.values()) {
            synchronized (s) {
                n += s.sessions.size();
            }
        }
        return n;
    }

    /**
     * Closes every session of {@code scope} (the conversation or MCP session ended). Waits for calls running in those
     * sessions to finish.
     *
     * @return how many sessions were closed
     */
    public int closeScope(String scope) {
        Scope s = scopes.remove(scope);
        if (s == null) {
            return 0;
        }
        List<Entry> entries;
        synchronized (s) {
            s.removed = true;
            entries = new ArrayList<>(s.sessions.values());
            s.sessions.clear();
        }
        entries.forEach(this::closeEntry);
        return entries.size();
    }

    /**
     * Closes the sessions that have not been used for the idle timeout (a background thread also does this every
     * {@link Builder#reaperInterval(Duration)}). Sessions in use are skipped.
     *
     * @return how many sessions were closed
     */
    public int reapIdle() {
        Instant now = clock.instant();
        List<Entry> expired = new ArrayList<>();
        for (Map.Entry<String, Scope> se : scopes.entrySet()) {
            Scope s = se.getValue();
            synchronized (s) {
                for (var it = s.sessions.values().iterator(); it.hasNext(); ) {
                    Entry e = it.next();
                    if (!e.lastUsed.plus(idleTimeout).isAfter(now) && e.lock.tryLock()) {
                        try {
                            e.closing = true;
                        } finally {
                            e.lock.unlock();
                        }
                        it.remove();
                        s.rememberExpired(e.id);
                        s.lastActivity = now;
                        expired.add(e);
                    }
                }
                // forget a conversation that has had no session for a while (its expiry notes go with it)
                if (s.sessions.isEmpty() && s.pending.isEmpty() && !s.lastActivity.plus(idleTimeout).isAfter(now)) {
                    s.removed = true;
                    scopes.remove(se.getKey(), s);
                }
            }
        }
        for (Entry e : expired) {
            log.info("Closing session {} ({}) of scope {}: idle for {}", e.id, e.session.id(), e.scope, idleTimeout);
            closeEntry(e);
        }
        return expired.size();
    }

    private void reapIdleQuietly() {
        try {
            reapIdle();
        } catch (RuntimeException e) {
            log.warn("Reaping idle sessions failed", e);
        }
    }

    /**
     * Refuses new calls, waits up to {@link Builder#closeGrace(Duration)} for calls in flight (so a one-shot run
     * removes its own box), then closes every session the tools opened (not the client) and stops the reaper.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (reaper != null) {
            reaper.shutdownNow();
        }
        try {
            calls.awaitAdvanceInterruptibly(calls.arrive(), closeGrace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Closing with {} tool call(s) still running after {}", calls.getUnarrivedParties(), closeGrace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (String scope : List.copyOf(scopes.keySet())) {
            closeScope(scope);
        }
    }

    // ------------------------------------------------------------------ the tools

    private ToolResult doExecute(String scope, @Nullable String language, String code, List<String> libraries,
            @Nullable Duration timeout, @Nullable String sessionId) {
        requireScope(scope);
        if (code.isBlank()) {
            throw new ToolError("Missing argument 'code': give the program's source code.");
        }
        RunOptions.Builder run = RunOptions.builder().captureArtifacts(true).libraries(libraries);
        if (timeout != null) {
            run.timeout(checkTimeout(timeout));
        }
        if (sessionId == null) {
            if (language == null || language.isBlank()) {
                throw new ToolError("Missing argument 'language' (one of " + languages()
                        + "); it is required unless you run in a session (session_id).");
            }
            ExecutionResult r = client.run(language, code, sessionOptions, run.build());
            return runResult(r, canonical(language), null);
        }
        return withSession(scope, sessionId, e -> {
            if (language != null && !language.isBlank() && client.languages().contains(language)
                    && !language.equals(e.session.language())) {
                throw new ToolError("Session '" + e.id + "' runs " + e.session.language() + ", not '" + language
                        + "'. Create a " + language + " session or run without session_id.");
            }
            ExecutionResult r = e.session.run(code, run.build());
            return runResult(r, e.session.language(), e.id);
        });
    }

    private ToolResult doCreateSession(String scope, String language, @Nullable Boolean stateful,
            @Nullable String requestedId) {
        requireScope(scope);
        if (requestedId != null && !SESSION_ID.matcher(requestedId).matches()) {
            throw new ToolError("Invalid session_id '" + Texts.sanitize(requestedId, 70) + "': use 1 to 64 "
                    + "letters, digits, '_', '.' or '-', starting with a letter or digit; or omit it.");
        }
        String id = requestedId != null ? requestedId : "s-" + UUID.randomUUID().toString().substring(0, 8);
        Scope s = reserve(scope, id);
        SandboxSession session = null;
        boolean registered = false;
        try {
            session = open(language, stateful);
            Instant now = clock.instant();
            Entry e = new Entry(id, scope, session, now);
            synchronized (s) {
                s.pending.remove(id);
                if (s.removed || closed) {
                    throw new ToolError("The conversation ended while the session was being created.");
                }
                s.sessions.put(id, e);
                s.expired.remove(id);
                registered = true;
            }
            log.info("Opened session {} ({}, {}) for scope {}", id, session.id(), session.language(), scope);
            Map<String, Object> m = sessionMap(e);
            return ToolResult.ok("Created " + (e.session.isStateful() ? "stateful " : "") + e.session.language()
                    + " session '" + id + "'" + (e.session.isStateful()
                            ? " (variables, files and packages persist between runs)"
                            : " (files and packages persist between runs)")
                    + "; it closes after " + human(idleTimeout) + " without use.", m);
        } finally {
            synchronized (s) {
                s.pending.remove(id);
            }
            if (!registered) {
                reserved.decrementAndGet();
                if (session != null) {
                    session.close();
                }
            }
        }
    }

    private SandboxSession open(String language, @Nullable Boolean stateful) {
        SessionOptions base = sessionOptions;
        if (stateful != null) {
            return client.openSession(language, base.toBuilder().stateful(stateful).build());
        }
        try {
            return client.openSession(language, base.toBuilder().stateful(true).build());
        } catch (UnsupportedOperationException e) { // no kernel for this language: files still persist
            return client.openSession(language, base.toBuilder().stateful(false).build());
        }
    }

    private ToolResult doCloseSession(String scope, String id) {
        Scope s = scopes.get(scope);
        Entry e = null;
        if (s != null) {
            synchronized (s) {
                e = s.sessions.remove(id);
            }
        }
        if (e == null) {
            throw unknownSession(s, id);
        }
        closeEntry(e);
        log.info("Closed session {} ({}) of scope {}", id, e.session.id(), scope);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", id);
        m.put("closed", true);
        return ToolResult.ok("Closed session '" + id + "'.", m);
    }

    private ToolResult doListSessions(String scope) {
        List<Entry> entries = entries(scope);
        List<Map<String, Object>> list = entries.stream().map(this::sessionMap).toList();
        StringBuilder text = new StringBuilder();
        if (entries.isEmpty()) {
            text.append("No open sessions. Create one with create_session.");
        } else {
            text.append(entries.size()).append(" open session(s) (at most ").append(maxSessionsPerScope)
                    .append("):");
            for (Entry e : entries) {
                text.append("\n- ").append(e.id).append(": ").append(e.session.language())
                        .append(e.session.isStateful() ? ", stateful" : "").append(", idle ")
                        .append(human(Duration.between(e.lastUsed, clock.instant())));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sessions", list);
        m.put("max_sessions", maxSessionsPerScope);
        return ToolResult.ok(text.toString(), m);
    }

    private ToolResult doWriteFile(String scope, String id, String path, String content, @Nullable String encoding) {
        checkPath(path);
        String enc = encoding == null ? "text" : encoding.toLowerCase(Locale.ROOT);
        byte[] bytes = switch (enc) {
            case "text" -> content.getBytes(StandardCharsets.UTF_8);
            case "base64" -> {
                try {
                    yield Base64.getMimeDecoder().decode(content);
                } catch (IllegalArgumentException ex) {
                    throw new ToolError("'content' is not valid Base64 (" + ex.getMessage() + ").");
                }
            }
            default -> throw new ToolError("Expected encoding one of [text, base64] but was '"
                    + Texts.sanitize(encoding, 20) + "'.");
        };
        if (bytes.length > maxFileBytes) {
            throw new ToolError("File is " + bytes.length + " bytes; at most " + maxFileBytes + " can be written.");
        }
        return withSession(scope, id, e -> {
            e.session.putFile(path, bytes);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", path);
            m.put("size", bytes.length);
            return ToolResult.ok("Wrote " + bytes.length + " bytes to '" + path + "'.", m);
        });
    }

    private ToolResult doReadFile(String scope, String id, String path, @Nullable String encoding) {
        checkPath(path);
        String enc = encoding == null ? "auto" : encoding.toLowerCase(Locale.ROOT);
        if (!List.of("auto", "text", "base64").contains(enc)) {
            throw new ToolError("Expected encoding one of [auto, text, base64] but was '"
                    + Texts.sanitize(encoding, 20) + "'.");
        }
        return withSession(scope, id, e -> {
            byte[] content;
            try {
                content = e.session.getFile(path, DataSize.ofBytes(maxFileBytes));
            } catch (FileTooLargeException big) {
                long limit = big.limit().bytes();
                String size = big.size().isPresent() ? big.size().getAsLong() + " bytes"
                        : "more than " + limit + " bytes";
                throw new ToolError("File '" + Texts.sanitize(path, 120) + "' is " + size + "; at most " + limit
                        + " can be read. Print a part of it with execute_code instead.");
            }
            String mime = Artifact.mimeTypeOf(path);
            String text = enc.equals("base64") ? null : utf8(content);
            if (enc.equals("text") && text == null) {
                throw new ToolError("File '" + Texts.sanitize(path, 120) + "' is not UTF-8 text; read it with "
                        + "encoding=base64.");
            }
            List<ToolImage> images = mime.startsWith("image/")
                    ? List.of(new ToolImage(baseName(path), mime, content))
                    : List.of();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", path);
            m.put("size", content.length);
            m.put("mime_type", mime);
            m.put("encoding", text != null ? "text" : "base64");
            m.put("content", text != null ? text : Base64.getEncoder().encodeToString(content));
            String body;
            if (text != null) {
                body = "'" + path + "' (" + content.length + " bytes):\n" + truncate(text);
            } else if (!images.isEmpty()) {
                body = "'" + path + "' is an image (" + mime + ", " + content.length + " bytes), attached.";
            } else {
                String b64 = Base64.getEncoder().encodeToString(content);
                body = "'" + path + "' (" + mime + ", " + content.length + " bytes) as Base64:\n"
                        + (b64.length() > maxOutputChars
                                ? b64.substring(0, maxOutputChars) + "… [Base64 truncated; the full content is in "
                                        + "the structured result]"
                                : b64);
            }
            return new ToolResult(body, images, m, false);
        });
    }

    private ToolResult doListFiles(String scope, String id, @Nullable String path) {
        String dir = path == null || path.isBlank() ? "." : path;
        checkPath(dir);
        return withSession(scope, id, e -> {
            ExecutionResult r = e.session.exec(List.of("/bin/sh", "-c", LIST_SCRIPT, "list", dir,
                    sessionOptions.runtime().workdir()),
                    RunOptions.builder().timeout(FILE_OP_TIMEOUT).outputLimit(DataSize.ofMegabytes(1)).build());
            if (r.exitCode() == 2) {
                throw new ToolError("There is no directory '" + Texts.sanitize(dir, 120) + "' in session '" + id
                        + "'.");
            }
            if (r.exitCode() == 3) {
                throw new ToolError("'" + Texts.sanitize(dir, 120) + "' is not a directory; read it with read_file.");
            }
            if (r.exitCode() == 4) {
                throw new ToolError("'" + Texts.sanitize(dir, 120) + "' " + Texts.sanitize(r.stderr().strip(), 160)
                        + " (through a symbolic link in the box), outside " + sessionOptions.runtime().workdir()
                        + " and /tmp; only those can be listed.");
            }
            if (r.status() != ExecutionStatus.OK && r.status() != ExecutionStatus.OUTPUT_LIMIT) {
                throw new ToolError("Listing '" + Texts.sanitize(dir, 120) + "' failed (" + r.status().wireName()
                        + "): " + Texts.sanitize(r.stderr(), 300));
            }
            List<Map<String, Object>> entries = new ArrayList<>();
            for (String line : r.stdout().split("\0")) {
                String[] f = line.split("\t", 3);
                if (f.length < 3) {
                    continue;
                }
                Map<String, Object> en = new LinkedHashMap<>();
                en.put("name", f[2]);
                en.put("path", dir.equals(".") ? f[2] : (dir.endsWith("/") ? dir : dir + "/") + f[2]);
                en.put("type", switch (f[0]) {
                    case "f" -> "file";
                    case "d" -> "directory";
                    case "l" -> "symlink";
                    default -> "other";
                });
                en.put("size", parseLong(f[1]));
                entries.add(en);
            }
            entries.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
            StringBuilder text = new StringBuilder();
            text.append(entries.isEmpty() ? "'" + dir + "' is empty." : "'" + dir + "' (" + entries.size()
                    + " entries):");
            for (Map<String, Object> en : entries) {
                text.append("\n").append(en.get("name")).append("directory".equals(en.get("type")) ? "/" : "")
                        .append("file".equals(en.get("type")) ? "  " + en.get("size") + " bytes" : "");
            }
            if (r.stdoutTruncated()) {
                text.append("\n[listing truncated]");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("path", dir);
            m.put("entries", entries);
            m.put("truncated", r.stdoutTruncated());
            return ToolResult.ok(truncate(text.toString()), m);
        });
    }

    private ToolResult doInstall(String scope, String id, List<String> packages) {
        if (packages.isEmpty()) {
            throw new ToolError("Missing argument 'packages': name at least one package.");
        }
        return withSession(scope, id, e -> {
            ExecutionResult r = e.session.install(packages);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", id);
            m.put("status", r.status().wireName());
            m.put("exit_code", r.exitCode());
            m.put("duration_ms", r.duration().toMillis());
            m.put("installed", e.session.installedLibraries());
            m.put("stdout", truncate(r.stdout()));
            m.put("stderr", truncate(r.stderr()));
            StringBuilder text = new StringBuilder();
            if (r.isOk()) {
                text.append("Installed ").append(String.join(", ", packages)).append(" (")
                        .append(seconds(r.duration())).append(").");
            } else {
                text.append("Installing ").append(String.join(", ", packages)).append(" failed: ")
                        .append(r.status().wireName()).append(", exit code ").append(r.exitCode()).append('.');
                appendStream(text, "stderr", r.stderr(), r.stderrTruncated());
                appendStream(text, "stdout", r.stdout(), r.stdoutTruncated());
            }
            return new ToolResult(text.toString(), List.of(), m, !r.isOk());
        });
    }

    private ToolResult doListLanguages() {
        List<Map<String, Object>> list = new ArrayList<>();
        StringBuilder text = new StringBuilder("Languages:");
        for (String lang : languages()) {
            Map<String, Object> m = new LinkedHashMap<>();
            boolean available = client.imageAvailable(lang);
            m.put("language", lang);
            m.put("image", client.imageFor(lang));
            m.put("available", available);
            list.add(m);
            text.append("\n- ").append(lang).append(available ? "" : " (image missing: not usable)");
        }
        return ToolResult.ok(text.toString(), Map.of("languages", list));
    }

    // ------------------------------------------------------------------ results

    private ToolResult runResult(ExecutionResult r, String language, @Nullable String sessionId) {
        List<ToolImage> images = new ArrayList<>();
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (Artifact a : r.artifacts()) {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("name", a.name());
            am.put("mime_type", a.mimeType());
            am.put("size", a.size());
            artifacts.add(am);
            if (a.isImage()) {
                images.add(new ToolImage(a.name(), a.mimeType(), a.content()));
            }
        }
        CellOutput cell = r.cell();
        if (cell != null) {
            int n = 0;
            for (Map<String, String> bundle : cell.displays()) {
                ToolImage img = image(bundle, "display-" + (++n));
                if (img != null && images.stream().noneMatch(i -> Arrays.equals(i.data(), img.data()))) {
                    images.add(img);
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.status().wireName());
        m.put("exit_code", r.exitCode());
        m.put("duration_ms", r.duration().toMillis());
        m.put("stdout", truncate(r.stdout()));
        m.put("stderr", truncate(r.stderr()));
        m.put("stdout_truncated", r.stdoutTruncated() || r.stdout().length() > maxOutputChars);
        m.put("stderr_truncated", r.stderrTruncated() || r.stderr().length() > maxOutputChars);
        m.put("kill_reason", r.killReason());
        m.put("language", language);
        m.put("session_id", sessionId);
        m.put("artifacts", artifacts);
        List<Map<String, Object>> violations = new ArrayList<>();
        for (Violation v : r.violations()) {
            Map<String, Object> vm = new LinkedHashMap<>();
            vm.put("rule", v.rule());
            vm.put("severity", v.severity().name().toLowerCase(Locale.ROOT));
            vm.put("message", v.description());
            vm.put("line", v.line());
            violations.add(vm);
        }
        m.put("violations", violations);
        if (cell != null) {
            m.put("execution_count", cell.executionCount());
            m.put("value", cell.value());
            if (cell.error() != null) {
                Map<String, Object> em = new LinkedHashMap<>();
                em.put("name", cell.error().name());
                em.put("value", cell.error().value());
                em.put("traceback", cell.error().traceback());
                m.put("exception", em);
            }
        }

        StringBuilder text = new StringBuilder();
        text.append("status: ").append(r.status().wireName()).append(" (exit code ").append(r.exitCode())
                .append(", ").append(seconds(r.duration())).append(')');
        if (r.killReason() != null) {
            text.append("\nkilled: ").append(r.killReason());
        }
        if (r.status() == ExecutionStatus.BLOCKED_BY_POLICY) {
            text.append("\nThe security policy refused the code; nothing ran:");
            for (Violation v : r.violations()) {
                text.append("\n- ").append(v.description()).append(" (line ").append(v.line()).append(')');
            }
        }
        appendStream(text, "stdout", r.stdout(), r.stdoutTruncated());
        appendStream(text, "stderr", r.stderr(), r.stderrTruncated());
        if (cell != null) {
            String value = cell.value().get("text/plain");
            if (value != null) {
                text.append("\nresult: ").append(truncate(value));
            }
            if (cell.error() != null && r.stderr().isBlank()) {
                text.append("\nexception: ").append(cell.error().name()).append(": ").append(cell.error().value());
                String tb = String.join("\n", cell.error().traceback());
                if (!tb.isBlank()) {
                    text.append('\n').append(truncate(tb));
                }
            }
            if (cell.kernelRestarted()) {
                text.append("\nThe session's interpreter was restarted: variables from earlier runs are gone.");
            }
        }
        if (!images.isEmpty()) {
            text.append("\nimages: ").append(String.join(", ", images.stream().map(ToolImage::name).toList()))
                    .append(" (attached)");
        }
        List<String> files = r.artifacts().stream().filter(a -> !a.isImage())
                .map(a -> a.name() + " (" + a.size() + " bytes)").toList();
        if (!files.isEmpty()) {
            text.append("\nfiles in output/: ").append(String.join(", ", files));
            if (sessionId != null) {
                text.append(" (read them with read_file, path output/<name>)");
            }
        }
        if (r.stdout().isEmpty() && r.stderr().isEmpty() && images.isEmpty() && cell == null) {
            text.append("\n(no output)");
        }
        return new ToolResult(text.toString(), images, m, false);
    }

    private static @Nullable ToolImage image(Map<String, String> bundle, String name) {
        String png = bundle.get("image/png");
        if (png != null) {
            try {
                return new ToolImage(name + ".png", "image/png", Base64.getMimeDecoder().decode(png));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        String svg = bundle.get("image/svg+xml");
        if (svg != null) {
            return new ToolImage(name + ".svg", "image/svg+xml", svg.getBytes(StandardCharsets.UTF_8));
        }
        String jpeg = bundle.get("image/jpeg");
        if (jpeg != null) {
            try {
                return new ToolImage(name + ".jpg", "image/jpeg", Base64.getMimeDecoder().decode(jpeg));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    private void appendStream(StringBuilder text, String name, String content, boolean truncatedByLimit) {
        if (content.isEmpty()) {
            return;
        }
        text.append("\n--- ").append(name).append(" ---\n").append(truncate(content));
        if (truncatedByLimit) {
            text.append("\n[").append(name).append(" truncated at the sandbox's output limit]");
        }
    }

    /** Keeps the head and the tail of long text (errors are usually at the end). */
    private String truncate(String s) {
        if (s.length() <= maxOutputChars) {
            return s;
        }
        int head = maxOutputChars * 2 / 3;
        int tail = maxOutputChars - head;
        return s.substring(0, head) + "\n… [" + (s.length() - head - tail) + " characters omitted] …\n"
                + s.substring(s.length() - tail);
    }

    // ------------------------------------------------------------------ sessions

    private Scope reserve(String scope, String id) {
        while (true) {
            if (closed) {
                throw new ToolError("The sandbox tools are closed.");
            }
            Scope s = scopes.computeIfAbsent(scope, k -> new Scope());
            synchronized (s) {
                if (s.removed) {
                    continue; // closeScope raced us: take a fresh one
                }
                if (s.sessions.containsKey(id) || s.pending.contains(id)) {
                    throw new ToolError("A session '" + id + "' already exists; use it, or close it first.");
                }
                if (s.sessions.size() + s.pending.size() >= maxSessionsPerScope) {
                    throw new ToolError("Session limit reached: at most " + maxSessionsPerScope + " open sessions ("
                            + String.join(", ", s.sessions.keySet()) + "). Close one with close_session first.");
                }
                if (reserved.incrementAndGet() > maxSessions) {
                    reserved.decrementAndGet();
                    throw new ToolError("The sandbox is busy: " + maxSessions + " sessions are open. Run without "
                            + "a session, or try again later.");
                }
                s.pending.add(id);
                s.lastActivity = clock.instant();
                return s;
            }
        }
    }

    private interface SessionCall {
        ToolResult apply(Entry e);
    }

    private ToolResult withSession(String scope, String id, SessionCall call) {
        requireScope(scope);
        Scope s = scopes.get(scope);
        Entry e = null;
        if (s != null) {
            synchronized (s) {
                e = s.sessions.get(id);
            }
        }
        if (e == null) {
            throw unknownSession(s, id);
        }
        e.lock.lock();
        try {
            if (e.closing) {
                throw new ToolError("Session '" + id + "' was closed (idle for " + human(idleTimeout)
                        + "). Create a new one with create_session.");
            }
            e.lastUsed = clock.instant();
            try {
                return call.apply(e);
            } finally {
                e.lastUsed = clock.instant();
            }
        } finally {
            e.lock.unlock();
        }
    }

    private ToolError unknownSession(@Nullable Scope s, String id) {
        List<String> open = List.of();
        boolean expired = false;
        if (s != null) {
            synchronized (s) {
                open = List.copyOf(s.sessions.keySet());
                expired = s.expired.contains(id);
            }
        }
        if (expired) {
            return new ToolError("Session '" + Texts.sanitize(id, 70) + "' expired after " + human(idleTimeout)
                    + " without use and was closed, with its files. Create a new one with create_session.");
        }
        return new ToolError("Unknown session_id '" + Texts.sanitize(id, 70) + "'. "
                + (open.isEmpty() ? "There are no open sessions; create one with create_session, or run without "
                        + "session_id." : "Open sessions: " + open + "."));
    }

    private List<Entry> entries(String scope) {
        Scope s = scopes.get(scope);
        if (s == null) {
            return List.of();
        }
        synchronized (s) {
            return List.copyOf(s.sessions.values());
        }
    }

    private Map<String, Object> sessionMap(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", e.id);
        m.put("language", e.session.language());
        m.put("stateful", e.session.isStateful());
        m.put("created_at", e.created.toString());
        m.put("last_used_at", e.lastUsed.toString());
        m.put("expires_at", e.lastUsed.plus(idleTimeout).toString());
        return m;
    }

    /** Closes a session already removed from its scope (each entry passes here exactly once). */
    private void closeEntry(Entry e) {
        reserved.decrementAndGet();
        e.lock.lock(); // wait for a running call
        try {
            e.closing = true;
            e.session.close();
        } catch (RuntimeException ex) {
            log.warn("Closing session {} ({}) failed", e.id, e.session.id(), ex);
        } finally {
            e.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ arguments and errors

    private ToolResult guard(String tool, java.util.function.Supplier<ToolResult> body) {
        if (closed) {
            return ToolResult.error("The sandbox tools are closed.");
        }
        calls.register();
        try {
            return body.get();
        } catch (ToolError e) {
            return ToolResult.error(e.getMessage());
        } catch (IllegalArgumentException e) {
            return ToolResult.error("Invalid arguments for " + tool + ": " + e.getMessage());
        } catch (UnsupportedOperationException e) {
            return ToolResult.error("Not supported: " + e.getMessage());
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException nf) {
                return ToolResult.error("No such file '" + Texts.sanitize(String.valueOf(nf.getFile()), 120)
                        + "'. List the directory with list_files.");
            }
            log.warn("Tool {} failed", tool, e);
            return ToolResult.error("The sandbox failed (" + tool + "): " + Texts.sanitize(e.getMessage(), 300));
        } catch (SandboxException e) {
            log.warn("Tool {} failed: {}", tool, e.toString());
            return ToolResult.error(sandboxError(e));
        } catch (RuntimeException e) {
            log.warn("Tool {} failed", tool, e);
            return ToolResult.error("Internal error in " + tool + " (" + e.getClass().getSimpleName() + "): "
                    + Texts.sanitize(String.valueOf(e.getMessage()), 300));
        } finally {
            calls.arriveAndDeregister();
        }
    }

    private static String sandboxError(SandboxException e) {
        String msg = Texts.sanitize(String.valueOf(e.getMessage()), 400);
        return switch (e) {
            case ImageUnavailableException i -> "The language's image is not available: " + msg;
            case SessionClosedException c -> "The session is closed: " + msg + ". Create a new one with create_session.";
            case PoolExhaustedException p -> "The sandbox is busy: " + msg + ". Try again later.";
            case BackendUnavailableException b -> "The sandbox engine is unavailable: " + msg;
            case BackendException b -> "The sandbox engine failed: " + msg;
        };
    }

    private Duration checkTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ToolError("'timeout' (" + timeout.toMillis() / 1000.0 + " s) must be positive.");
        }
        if (timeout.compareTo(maxTimeout) > 0) {
            throw new ToolError("'timeout' (" + timeout.toSeconds() + " s) must be at most " + maxTimeout.toSeconds()
                    + " s.");
        }
        return timeout;
    }

    private void checkPath(String path) {
        if (path.isBlank()) {
            throw new ToolError("Missing argument 'path'.");
        }
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                throw new ToolError("Path '" + Texts.sanitize(path, 120) + "' must not contain control characters.");
            }
        }
        for (String seg : path.split("/")) {
            if (seg.equals("..")) {
                throw new ToolError("Path '" + Texts.sanitize(path, 120) + "' must not contain '..' (path "
                        + "traversal); use a path under the work directory.");
            }
        }
        if (path.length() > 1024) {
            throw new ToolError("Path is longer than 1024 characters.");
        }
    }

    private static void requireScope(String scope) {
        if (scope.isBlank()) {
            throw new ToolError("Internal error: the caller gave no scope.");
        }
    }

    private List<String> languages() {
        return List.copyOf(client.languages());
    }

    private String canonical(String language) {
        return client.languages().contains(language) ? language : language.toLowerCase(Locale.ROOT);
    }

    private static @Nullable String utf8(byte[] content) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
            return s.indexOf('\0') >= 0 ? null : s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toMillis() / 1000.0);
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        return (s / 3600) + " h";
    }

    /** A caller mistake or a refusal, turned into an error result with this message. */
    private static final class ToolError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ToolError(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Scope {
        final Map<String, Entry> sessions = new LinkedHashMap<>();
        final java.util.Set<String> pending = new LinkedHashSet<>();
        final java.util.Set<String> expired = new LinkedHashSet<>();
        boolean removed;
        Instant lastActivity = Instant.EPOCH;

        void rememberExpired(String id) {
            expired.add(id);
            if (expired.size() > EXPIRED_MEMORY) {
                expired.remove(expired.iterator().next());
            }
        }
    }

    private static final class Entry {
        final String id;
        final String scope;
        final SandboxSession session;
        final Instant created;
        final ReentrantLock lock = new ReentrantLock();
        volatile Instant lastUsed;
        volatile boolean closing;

        Entry(String id, String scope, SandboxSession session, Instant created) {
            this.id = id;
            this.scope = scope;
            this.session = session;
            this.created = created;
            this.lastUsed = created;
        }
    }

    /** Reads tool arguments as a model sends them (JSON values), with messages that name the argument. */
    private static final class Args {
        private final Map<String, ?> map;

        Args(Map<String, ?> map) {
            this.map = map;
        }

        String string(String name) {
            String s = optString(name);
            if (s == null || s.isBlank()) {
                throw new ToolError("Missing argument '" + name + "'.");
            }
            return s;
        }

        String stringAllowEmpty(String name) {
            String s = optString(name);
            if (s == null) {
                throw new ToolError("Missing argument '" + name + "'.");
            }
            return s;
        }

        @Nullable String optString(String name) {
            Object v = map.get(name);
            if (v == null) {
                return null;
            }
            if (v instanceof String s) {
                return s;
            }
            throw new ToolError("Argument '" + name + "' must be a string, not " + describe(v) + ".");
        }

        @Nullable Boolean optBoolean(String name) {
            Object v = map.get(name);
            if (v == null) {
                return null;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                return Boolean.parseBoolean(s);
            }
            throw new ToolError("Argument '" + name + "' must be true or false, not " + describe(v) + ".");
        }

        List<String> stringList(String name) {
            Object v = map.get(name);
            if (v == null) {
                return List.of();
            }
            if (v instanceof String s) { // a model that sends "numpy" instead of ["numpy"]
                return s.isBlank() ? List.of() : List.of(s);
            }
            if (v instanceof Collection<?> c) {
                List<String> out = new ArrayList<>();
                for (Object o : c) {
                    if (!(o instanceof String s) || s.isBlank()) {
                        throw new ToolError("Argument '" + name + "' must be a list of non-empty strings.");
                    }
                    out.add(s);
                }
                return out;
            }
            throw new ToolError("Argument '" + name + "' must be a list of strings, not " + describe(v) + ".");
        }

        @Nullable Duration seconds(String name) {
            Object v = map.get(name);
            if (v == null) {
                return null;
            }
            double d;
            if (v instanceof Number n) {
                d = n.doubleValue();
            } else if (v instanceof String s) {
                try {
                    d = Double.parseDouble(s.strip());
                } catch (NumberFormatException e) {
                    throw new ToolError("Argument '" + name + "' must be a number of seconds, not '"
                            + Texts.sanitize(s, 30) + "'.");
                }
            } else {
                throw new ToolError("Argument '" + name + "' must be a number of seconds, not " + describe(v) + ".");
            }
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new ToolError("Argument '" + name + "' (" + v + ") must be a positive number of seconds.");
            }
            return Duration.ofMillis(Math.max(1, (long) Math.min(d * 1000, Long.MAX_VALUE / 2)));
        }

        private static String describe(Object v) {
            return switch (v) {
                case Number n -> "the number " + n;
                case Boolean b -> "the boolean " + b;
                case Collection<?> c -> "a list";
                case Map<?, ?> m -> "an object";
                default -> "'" + Texts.sanitize(String.valueOf(v), 30) + "'";
            };
        }
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
        private int maxSessions = 32;
        private Duration maxTimeout = Duration.ofMinutes(5);
        private int maxOutputChars = 20_000;
        private DataSize maxFileSize = DataSize.ofMegabytes(1);
        private Duration reaperInterval = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();
        private Duration closeGrace = Duration.ofSeconds(10);

        private Builder(SandboxClient client) {
            this.client = requireNonNull(client, "client");
        }

        /** Options of the sessions and one-shot runs the tools start (limits, policy, labels); default: defaults. */
        public Builder sessionOptions(SessionOptions options) {
            this.sessionOptions = requireNonNull(options, "options");
            return this;
        }

        /** How long a session may go unused before it is closed. The default is 15 minutes. */
        public Builder idleTimeout(Duration idleTimeout) {
            checkPositive("idleTimeout", idleTimeout);
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
            if (max < 1) {
                throw new IllegalArgumentException("maxSessions (" + max + ") must be at least 1");
            }
            this.maxSessions = max;
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
            requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("reaperInterval (" + interval + ") must not be negative");
            }
            this.reaperInterval = interval;
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

        /** The clock for idle expiry (tests). */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
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
