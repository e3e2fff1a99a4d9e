package dev.sandbox4j.langchain4j;

import static java.util.Objects.requireNonNull;

import dev.langchain4j.code.CodeExecutionEngine;
import dev.sandbox4j.CellOutput;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A LangChain4j {@link CodeExecutionEngine} for one language, running each piece of code in a sandbox of a
 * {@link SandboxClient}.
 *
 * <pre>{@code
 * CodeExecutionEngine python = SandboxCodeExecutionEngine.create(client, "python");
 * python.execute("print(6 * 7)");        // "42\n"
 * }</pre>
 *
 * <p>By default every {@link #execute(String)} is a one-shot run: a fresh box, removed afterwards. With
 * {@link Builder#persistentSession(boolean)} the engine keeps one session for all its calls, so files (and, with
 * {@code SessionOptions.stateful(true)}, variables) survive from one call to the next; {@link #close()} closes it.
 *
 * <p>{@link #execute(String)} returns what the program printed when it ran to a successful end (in a stateful
 * session with no output, the value of the last expression, as a notebook shows it). Otherwise it returns a report
 * the model can act on: the status ({@code nonzero_exit}, {@code timed_out}, {@code compile_error}, ...), the exit
 * code, why the program was stopped, and both streams. A failing program is a result, not an exception; a
 * {@link dev.sandbox4j.SandboxException} means the sandbox itself failed (no engine, image missing).
 *
 * <p>Thread-safe. The client belongs to the caller; the engine never closes it.
 *
 * @since 0.2
 */
public final class SandboxCodeExecutionEngine implements CodeExecutionEngine, AutoCloseable {
    private final SandboxClient client;
    private final String language;
    private final SessionOptions sessionOptions;
    private final RunOptions runOptions;
    private final boolean persistentSession;
    private @Nullable SandboxSession session;
    private boolean closed;

    private SandboxCodeExecutionEngine(Builder b) {
        this.client = b.client;
        this.language = b.language;
        this.sessionOptions = b.sessionOptions;
        this.runOptions = b.runOptions;
        this.persistentSession = b.persistentSession;
    }

    /**
     * An engine for {@code language} with default options (one-shot runs).
     *
     * @throws IllegalArgumentException if the client has no such language
     */
    public static SandboxCodeExecutionEngine create(SandboxClient client, String language) {
        return builder(client, language).build();
    }

    /** A builder of an engine for {@code language} (an id such as {@code python}, or an alias such as {@code py}). */
    public static Builder builder(SandboxClient client, String language) {
        return new Builder(client, language);
    }

    /** The language this engine runs. */
    public String language() {
        return language;
    }

    /**
     * Runs {@code code} and returns its output, or a report of how it failed (see the class description).
     *
     * @throws dev.sandbox4j.SandboxException if the sandbox could not run it (no engine, image missing)
     */
    @Override
    public String execute(String code) {
        requireNonNull(code, "code");
        ExecutionResult r = persistentSession
                ? session().run(code, runOptions)
                : client.run(language, code, sessionOptions, runOptions);
        return format(r);
    }

    private synchronized SandboxSession session() {
        if (closed) {
            throw new IllegalStateException("this SandboxCodeExecutionEngine (" + language + ") is closed");
        }
        if (session == null || !session.isOpen()) {
            session = client.openSession(language, sessionOptions);
        }
        return session;
    }

    /** Closes the persistent session, if any. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        if (session != null) {
            session.close();
            session = null;
        }
    }

    /** The text {@link #execute(String)} returns for a result. */
    static String format(ExecutionResult r) {
        if (r.status() == ExecutionStatus.OK) {
            if (r.stdout().isEmpty() && r.cell() != null) {
                String value = lastValue(r.cell());
                if (value != null) {
                    return value;
                }
            }
            return r.stdout();
        }
        StringBuilder sb = new StringBuilder("status: ").append(r.status().wireName());
        if (r.status() == ExecutionStatus.BLOCKED_BY_POLICY) {
            sb.append(" (the security policy refused the code; nothing ran)");
            r.violations().forEach(v -> sb.append("\n- ").append(v));
            return sb.toString();
        }
        sb.append(" (exit code ").append(r.exitCode()).append(')');
        if (r.killReason() != null) {
            sb.append("\nstopped: ").append(r.killReason());
        }
        if (r.cell() != null && r.cell().error() != null) {
            CellOutput.CellError e = r.cell().error();
            sb.append("\nerror: ").append(e.name()).append(": ").append(e.value());
        }
        appendStream(sb, "stdout", r.stdout(), r.stdoutTruncated());
        appendStream(sb, "stderr", r.stderr(), r.stderrTruncated());
        return sb.toString();
    }

    private static @Nullable String lastValue(CellOutput cell) {
        return cell.value().get("text/plain");
    }

    private static void appendStream(StringBuilder sb, String name, String text, boolean truncated) {
        if (text.isEmpty()) {
            return;
        }
        if (sb.charAt(sb.length() - 1) != '\n') {
            sb.append('\n');
        }
        sb.append(name).append(truncated ? " (truncated)" : "").append(":\n").append(text);
        if (!text.endsWith("\n")) {
            sb.append('\n');
        }
    }

    /** Configures a {@link SandboxCodeExecutionEngine}. */
    public static final class Builder {
        private final SandboxClient client;
        private final String language;
        private SessionOptions sessionOptions = SessionOptions.defaults();
        private RunOptions runOptions = RunOptions.defaults();
        private boolean persistentSession;

        private Builder(SandboxClient client, String language) {
            this.client = requireNonNull(client, "client");
            requireNonNull(language, "language");
            String id = language.trim().toLowerCase(Locale.ROOT);
            if (id.isEmpty()) {
                throw new IllegalArgumentException("language must not be blank; expected one of "
                        + client.languages());
            }
            this.language = id;
        }

        /** Options of the boxes the engine starts (limits, runtime, policy, stateful). Default: defaults. */
        public Builder sessionOptions(SessionOptions options) {
            this.sessionOptions = requireNonNull(options, "options");
            return this;
        }

        /** Options of every run (timeout, libraries, ...). Default: defaults (the session's or client's timeout). */
        public Builder runOptions(RunOptions options) {
            this.runOptions = requireNonNull(options, "options");
            return this;
        }

        /**
         * Whether all calls run in one session that the engine keeps open (files, and variables in a stateful
         * session, survive between calls) instead of a fresh box each. Default false.
         */
        public Builder persistentSession(boolean persistentSession) {
            this.persistentSession = persistentSession;
            return this;
        }

        /**
         * Builds the engine.
         *
         * @throws IllegalArgumentException if the client has no such language
         */
        public SandboxCodeExecutionEngine build() {
            if (!client.languages().contains(language)) {
                client.imageFor(language); // resolves aliases (py, js, ...) or throws naming the languages
            }
            return new SandboxCodeExecutionEngine(this);
        }
    }
}
