package dev.sandbox4j.langchain4j;

import static java.util.Objects.requireNonNull;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolMemoryId;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.tools.SandboxTools;
import dev.sandbox4j.tools.ToolImage;
import dev.sandbox4j.tools.ToolResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The sandbox tools as LangChain4j {@link Tool @Tool} methods: run code, sessions, files, libraries and languages.
 * Give an instance to {@code AiServices.builder(...).tools(...)}.
 *
 * <pre>{@code
 * try (SandboxClient client = SandboxClient.builder().build();
 *      SandboxAgentTools tools = SandboxAgentTools.create(client)) {
 *     Assistant assistant = AiServices.builder(Assistant.class)
 *             .chatModel(model)
 *             .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
 *             .tools(tools)
 *             .build();
 *     assistant.chat("alice", "Plot sin(x) for x in [0, 2*pi]");
 * }
 * }</pre>
 *
 * <p><b>Sessions per conversation.</b> Each tool receives the chat memory id ({@link ToolMemoryId}); the sessions a
 * conversation creates belong to it (its <em>scope</em>), and no other conversation can see or use them. An AI
 * service without a memory id (no {@code @MemoryId} parameter) shares one scope, {@value #DEFAULT_SCOPE}. Call
 * {@link #endConversation(Object)} when a conversation ends to close its sessions at once; otherwise they close
 * after the idle timeout of the {@link SandboxTools}.
 *
 * <p><b>Results.</b> Each tool returns the text the model reads (status, exit code, output) and, with
 * {@link Builder#imagesAsContent(boolean) imagesAsContent} (the default), each plot or image file as an
 * {@link ImageContent}, which LangChain4j puts into the tool result message for models that accept images there.
 * Without it, images are described in the text (name, type, size). A call that fails (unknown session or language,
 * bad arguments, engine failure) throws a {@link SandboxToolException} with a message for the model; LangChain4j's
 * default error handler sends that message back as an error result. A program that runs and fails is not an error.
 *
 * <p>Thread-safe. The {@link SandboxTools} given to {@link #builder(SandboxTools)} belong to the caller; those made
 * by {@link #create(SandboxClient)} or {@link #builder(SandboxClient)} are closed by {@link #close()} (their
 * sessions, never the client).
 *
 * @since 0.2
 */
public final class SandboxAgentTools implements AutoCloseable {
    /** The scope of calls without a memory id. */
    public static final String DEFAULT_SCOPE = "default";

    private final SandboxTools tools;
    private final boolean ownsTools;
    private final boolean imagesAsContent;

    private SandboxAgentTools(SandboxTools tools, boolean ownsTools, boolean imagesAsContent) {
        this.tools = tools;
        this.ownsTools = ownsTools;
        this.imagesAsContent = imagesAsContent;
    }

    /** Tools over {@code client} with default settings; {@link #close()} closes their sessions (not the client). */
    public static SandboxAgentTools create(SandboxClient client) {
        return builder(client).build();
    }

    /**
     * A builder of tools over {@code client} with a default {@link SandboxTools}, which {@link #close()} closes
     * (their sessions, never the client).
     */
    public static Builder builder(SandboxClient client) {
        return new Builder(null, requireNonNull(client, "client"));
    }

    /** A builder over existing tools (their limits, session options), which stay the caller's to close. */
    public static Builder builder(SandboxTools tools) {
        return new Builder(requireNonNull(tools, "tools"), null);
    }

    /** The tool layer underneath (e.g. to inspect {@link SandboxTools#sessionCount(String)}). */
    public SandboxTools sandboxTools() {
        return tools;
    }

    @Tool(name = SandboxTools.EXECUTE_CODE, value = Descriptions.EXECUTE_CODE)
    public List<Content> executeCode(
            @ToolMemoryId @Nullable Object memoryId,
            @P(name = "language", description = Descriptions.LANGUAGE, required = false) @Nullable String language,
            @P(name = "code", description = "Source code of the program") String code,
            @P(name = "libraries", description = Descriptions.LIBRARIES, required = false)
                    @Nullable List<String> libraries,
            @P(name = "timeout", description = "Time limit of the run in seconds", required = false)
                    @Nullable Double timeoutSeconds,
            @P(name = "cpu_time_limit", description = "CPU time (user + system) the program's processes may use "
                    + "together, in seconds; past it the run is killed and ends timed_out. Unlike timeout it does "
                    + "not count time spent waiting on a busy machine", required = false)
                    @Nullable Double cpuTimeLimitSeconds,
            @P(name = "session_id", description = Descriptions.SESSION_ID_OPTIONAL, required = false)
                    @Nullable String sessionId) {
        return answer(tools.executeCode(scope(memoryId), blankToNull(language), code == null ? "" : code,
                libraries == null ? List.of() : libraries, seconds("timeout", timeoutSeconds),
                seconds("cpu_time_limit", cpuTimeLimitSeconds), blankToNull(sessionId)));
    }

    /** {@code execute_code} without a CPU-time limit (the signature before it had one). */
    public List<Content> executeCode(@Nullable Object memoryId, @Nullable String language, String code,
            @Nullable List<String> libraries, @Nullable Double timeoutSeconds, @Nullable String sessionId) {
        return executeCode(memoryId, language, code, libraries, timeoutSeconds, null, sessionId);
    }

    private static @Nullable Duration seconds(String name, @Nullable Double value) {
        if (value == null) {
            return null;
        }
        if (!(value > 0) || value.isInfinite()) {
            throw new SandboxToolException(
                    "Invalid '" + name + "' (" + value + "): give a positive number of seconds.");
        }
        return Duration.ofMillis(Math.max(1, Math.round(Math.min(value, 1e9) * 1000)));
    }

    @Tool(name = SandboxTools.CREATE_SESSION, value = Descriptions.CREATE_SESSION)
    public List<Content> createSession(
            @ToolMemoryId @Nullable Object memoryId,
            @P(name = "language", description = Descriptions.SESSION_LANGUAGE) String language,
            @P(name = "stateful", description = Descriptions.STATEFUL, required = false) @Nullable Boolean stateful,
            @P(name = "session_id", description = "Optional id to give the session; generated when absent",
                    required = false) @Nullable String sessionId) {
        return answer(tools.createSession(scope(memoryId), language == null ? "" : language, stateful,
                blankToNull(sessionId)));
    }

    @Tool(name = SandboxTools.CLOSE_SESSION, value = "Closes a session and deletes its sandbox with all its files.")
    public List<Content> closeSession(
            @ToolMemoryId @Nullable Object memoryId,
            @P(name = "session_id", description = Descriptions.SESSION_ID) String sessionId) {
        return answer(tools.closeSession(scope(memoryId), nullToEmpty(sessionId)));
    }

    @Tool(name = SandboxTools.LIST_SESSIONS,
            value = "Lists the open sessions of this conversation with their language and when they expire.")
    public List<Content> listSessions(@ToolMemoryId @Nullable Object memoryId) {
        return answer(tools.listSessions(scope(memoryId)));
    }

    @Tool(name = SandboxTools.WRITE_FILE, value = Descriptions.WRITE_FILE)
    public List<Content> writeFile(
            @ToolMemoryId @Nullable Object memoryId,
            @P(name = "session_id", description = Descriptions.SESSION_ID) String sessionId,
            @P(name = "path", description = "File path, e.g. data/input.csv") String path,
            @P(name = "content", description = "File content: text, or Base64 with encoding=base64") String content,
            @P(name = "encoding", description = "text (default) or base64", required = false)
                    @Nullable String encoding) {
        return answer(tools.writeFile(scope(memoryId), nullToEmpty(sessionId), nullToEmpty(path),
                nullToEmpty(content), blankToNull(encoding)));
    }

    @Tool(name = SandboxTools.READ_FILE, value = Descriptions.READ_FILE)
    public List<Content> readFile(
            @ToolMemoryId @Nullable Object memoryId,
            @P(name = "session_id", description = Descriptions.SESSION_ID) String sessionId,
            @P(name = "path", description = "File path, e.g. output/result.csv") String path,
            @P(name = "encoding", description = "auto (default: text when the file is UTF-8 text, Base64 otherwise),"
                    + " text or base64", required = false) @Nullable String encoding) {
        return answer(tools.readFile(scope(memoryId), nullToEmpty(sessionId), nullToEmpty(path),
                blankToNull(encoding)));
    }

    @Tool(name = SandboxTools.LIST_FILES,
            value = "Lists the entries of a directory in a session's sandbox (not recursive).")
    public List<Content> listFiles(
            @ToolMemoryId @Nullable Object memoryId,
            @P(name = "session_id", description = Descriptions.SESSION_ID) String sessionId,
            @P(name = "path", description = "Directory; default: the work directory", required = false)
                    @Nullable String path) {
        return answer(tools.listFiles(scope(memoryId), nullToEmpty(sessionId), blankToNull(path)));
    }

    @Tool(name = SandboxTools.INSTALL_PACKAGES, value = Descriptions.INSTALL_PACKAGES)
    public List<Content> installPackages(
            @ToolMemoryId @Nullable Object memoryId,
            @P(name = "session_id", description = Descriptions.SESSION_ID) String sessionId,
            @P(name = "packages", description = "Package specifications, e.g. [\"requests==2.32.3\"]")
                    List<String> packages) {
        return answer(tools.installPackages(scope(memoryId), nullToEmpty(sessionId),
                packages == null ? List.of() : packages));
    }

    @Tool(name = SandboxTools.LIST_LANGUAGES,
            value = "Lists the languages the sandbox can run and whether each one's image is available.")
    public List<Content> listLanguages() {
        return answer(tools.listLanguages());
    }

    /**
     * Closes the sessions of a conversation (e.g. when its chat memory is evicted or the user leaves).
     *
     * @return how many sessions were closed
     */
    public int endConversation(@Nullable Object memoryId) {
        return tools.closeScope(scope(memoryId));
    }

    /** Closes the tool layer's sessions if this object made it (from a client); otherwise nothing. Idempotent. */
    @Override
    public void close() {
        if (ownsTools) {
            tools.close();
        }
    }

    /** The scope of a memory id: its string form, {@link #DEFAULT_SCOPE} for none. */
    static String scope(@Nullable Object memoryId) {
        if (memoryId == null) {
            return DEFAULT_SCOPE;
        }
        String s = memoryId.toString();
        return s.isBlank() ? DEFAULT_SCOPE : s;
    }

    /** The contents the model gets for a result, or the exception LangChain4j turns into an error result. */
    List<Content> answer(ToolResult r) {
        if (r.isError()) {
            throw new SandboxToolException(r.text());
        }
        return toContents(r, imagesAsContent);
    }

    static List<Content> toContents(ToolResult r, boolean imagesAsContent) {
        List<Content> out = new ArrayList<>(1 + r.images().size());
        if (imagesAsContent) {
            out.add(TextContent.from(r.text()));
            for (ToolImage image : r.images()) {
                out.add(ImageContent.from(image.base64(), image.mimeType()));
            }
        } else {
            out.add(TextContent.from(r.text() + describe(r.images())));
        }
        return out;
    }

    /** A text note about images that are not sent as content. */
    static String describe(List<ToolImage> images) {
        if (images.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n\nImages produced (not shown here): ");
        for (int i = 0; i < images.size(); i++) {
            ToolImage image = images.get(i);
            sb.append(i == 0 ? "" : ", ").append(image.name()).append(" (").append(image.mimeType()).append(", ")
                    .append(image.data().length).append(" bytes)");
        }
        return sb.append('.').toString();
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String nullToEmpty(@Nullable String s) {
        return s == null ? "" : s;
    }

    /** Configures {@link SandboxAgentTools}. */
    public static final class Builder {
        private final @Nullable SandboxTools tools;
        private final @Nullable SandboxClient client;
        private boolean imagesAsContent = true;

        private Builder(@Nullable SandboxTools tools, @Nullable SandboxClient client) {
            this.tools = tools;
            this.client = client;
        }

        /**
         * Whether plots and image files come back as {@link ImageContent} (default true). LangChain4j 1.19 sends
         * images in tool results to Anthropic, Amazon Bedrock and Gemini; its other providers (OpenAI Chat
         * Completions, Azure OpenAI, Ollama, Mistral, ...) throw {@code UnsupportedFeatureException} for them. Set it
         * to false for those: images are then described in the text (name, type, size).
         */
        public Builder imagesAsContent(boolean imagesAsContent) {
            this.imagesAsContent = imagesAsContent;
            return this;
        }

        public SandboxAgentTools build() {
            if (tools != null) {
                return new SandboxAgentTools(tools, false, imagesAsContent);
            }
            return new SandboxAgentTools(SandboxTools.builder(requireNonNull(client)).build(), true, imagesAsContent);
        }
    }

    /** Tool and parameter descriptions (annotation values must be constants). */
    static final class Descriptions {
        static final String EXECUTE_CODE = "Runs a program in an isolated sandbox (no network, limited CPU, memory "
                + "and time) and returns its status, exit code, stdout and stderr. Without session_id the program "
                + "runs in a fresh sandbox that is thrown away afterwards; with session_id it runs in that session, "
                + "where files (and, in a stateful session, variables) survive between calls. Plots (matplotlib, R) "
                + "and images saved to the 'output' directory come back as images. A failing program is a normal "
                + "result: read its status and stderr.";
        static final String CREATE_SESSION = "Starts a sandbox session for one language and returns its session_id. "
                + "Pass the id to execute_code, write_file, read_file, list_files and install_packages; files and "
                + "installed packages persist in the session, and in a stateful session (the default where the "
                + "language supports it, e.g. Python) variables persist too. Idle sessions expire; close sessions you "
                + "no longer need with close_session.";
        static final String WRITE_FILE = "Writes a file into a session's sandbox (relative paths are under the work "
                + "directory; parent directories are created).";
        static final String READ_FILE = "Reads a file from a session's sandbox, e.g. a result the program wrote. "
                + "Text comes back as text, binary content as Base64, images also as an image.";
        static final String INSTALL_PACKAGES = "Installs packages into a session with the language's package manager "
                + "(pip, npm, Maven, Go modules, R); later runs in the session can use them. The sandbox is online "
                + "only while installing.";
        static final String LANGUAGE = "Programming language, e.g. python, javascript, java, cpp, go, r "
                + "(list_languages lists them); required unless session_id is given";
        static final String SESSION_LANGUAGE = "Programming language of the session, e.g. python, javascript, java, "
                + "cpp, go, r (list_languages lists them)";
        static final String LIBRARIES = "Packages to install before the run (pip, npm, Maven coordinates, Go modules, "
                + "R packages)";
        static final String SESSION_ID = "Id of a session from create_session";
        static final String SESSION_ID_OPTIONAL = "Id of a session from create_session; omit for a one-off run";
        static final String STATEFUL = "Keep variables between runs (a kernel). Default: true where the language "
                + "supports it";

        private Descriptions() {}
    }
}
