package dev.sandbox4j.core.lang;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import dev.sandbox4j.core.policy.scan.RubyScanner;
import dev.sandbox4j.policy.LanguageRules;
import dev.sandbox4j.policy.SourceScanner;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ruby (Debian bookworm's {@code ruby}, 3.1, with its standard library): writes {@code main.rb} and runs it with
 * {@code ruby}, standard output unbuffered (a one-line prelude sets {@code $stdout.sync}, as {@code python3 -u} does
 * for Python), so what a program printed before a timeout is not lost. Image {@code sandbox4j/ruby:bookworm} from the
 * recipe {@code images/ruby/}.
 *
 * <p>Not (yet) offered: a kernel (stateful sessions; {@link #kernelPlan} is the SPI's {@code null}) and installing
 * gems ({@link #installPlan} is the SPI's default, which refuses).
 *
 * <p>The whole language is this class, its scanner ({@link RubyScanner}), its image recipe and its tests: the
 * registry, the policy presets, the CLI's help and the image builder find it from here.
 */
public final class RubyHandler implements LanguageHandler {
    static final String ID = "ruby";
    /** Loaded before the program ({@code ruby -r}): output reaches the caller as it is written. */
    private static final String PRELUDE = "$stdout.sync = true\n";
    /** A call by name whose first argument follows: {@code send(}, {@code method :}, {@code public_send }. */
    private static final String SEND = "\\b(?:send|public_send|__send__|method|public_method|instance_method)"
            + "\\s*\\(?\\s*";

    /**
     * The default security rules for {@value #ID} code (severities on the scale {@link LanguageRules} describes).
     * Ruby runs commands in many spellings ({@code system}, {@code exec}, {@code spawn}, backticks, {@code %x},
     * {@code IO.popen}, {@code Open3}, {@code open("|cmd")}); reflection ({@code send}, {@code const_get}) and
     * {@code eval} reach everything else by computed names, so they rank like Java's reflection.
     */
    private static final LanguageRules RULES = LanguageRules.builder(ID)
            .pattern("system", "(?<![\\w.@$:])(?<!\\bdef\\s)(?:system|exec|spawn)(?![?!\\w])"
                            + "(?!\\s*(?:=(?![=~>])|:(?!:)))"
                            + "|\\b(?:Kernel|Process)\\s*(?:\\.|::)\\s*(?:system|exec|spawn)\\b"
                            + "|" + SEND + ":(?:system|exec|spawn|`)(?![\\w?!=])",
                    "runs a system command or replaces the process", HIGH)
            .pattern("backticks", "(?<!\\$)`[^`]*`?|%x[^\\w\\s]", "runs a shell command (backticks, %x)", HIGH)
            .pattern("popen", "\\b(?:IO|File)\\s*(?:\\.|::)\\s*popen\\b|\\bOpen3\\s*(?:\\.|::)\\s*\\w+"
                            + "|\\bPTY\\s*(?:\\.|::)\\s*spawn\\b",
                    "runs a command through a pipe or a pseudo-terminal", HIGH)
            .stringsPattern("pipe-open", "(?:(?<![\\w.@$:])open|\\b(?:Kernel|IO|File|URI)\\s*\\.\\s*"
                            + "(?:open|read|readlines|write|binread|binwrite|foreach))\\s*\\(?\\s*['\"]\\|",
                    "runs a command through open(\"|cmd\")", HIGH)
            .pattern("native", "\\bFiddle\\b|\\bFFI\\s*::|(?<![\\w.@$:])syscall(?![?!\\w])(?!\\s*(?:=(?![=~>])|:(?!:)))",
                    "calls native code or raw system calls", HIGH)
            .pattern("fork", "(?<![\\w.@$:])fork(?![?!\\w])(?!\\s*(?:=(?![=~>])|:(?!:)))"
                            + "|\\b(?:Kernel|Process)\\s*(?:\\.|::)\\s*fork\\b|\\bProcess\\s*(?:\\.|::)\\s*daemon\\b",
                    "creates processes", MEDIUM)
            .pattern("eval", "(?<![\\w@$:])(?:eval|instance_eval|class_eval|module_eval)(?![?!\\w])"
                            + "(?!\\s*(?:=(?![=~>])|:(?!:)))"
                            + "|" + SEND + ":(?:eval|instance_eval|class_eval|module_eval)\\b(?![?!=])"
                            + "|\\bRubyVM\\s*::\\s*InstructionSequence\\b",
                    "evaluates dynamically built code", MEDIUM)
            .pattern("send", "(?<![\\w@$:])(?:send|public_send|__send__|const_get|instance_variable_get"
                            + "|instance_variable_set|instance_method|public_method)(?![?!\\w])"
                            + "(?!\\s*(?:=(?![=~>])|:(?!:)))|(?<![\\w@$:])method\\s*\\(\\s*:",
                    "calls methods or reads constants by computed name (reflection: a way around static checks)",
                    MEDIUM)
            .pattern("network", "\\bNet\\s*::\\s*(?:HTTP|HTTPS|FTP|SMTP|POP3|IMAP|Telnet)\\b"
                            + "|\\b(?:TCPSocket|TCPServer|UDPSocket|UNIXSocket|UNIXServer|Socket|Addrinfo|OpenURI)\\b"
                            + "|\\bURI\\s*(?:\\.|::)\\s*open\\b",
                    "network access", MEDIUM)
            .pattern("deserialise", "\\bMarshal\\s*(?:\\.|::)\\s*(?:load|restore)\\b"
                            + "|\\b(?:YAML|Psych)\\s*(?:\\.|::)\\s*(?:load|unsafe_load|load_file|unsafe_load_file"
                            + "|load_stream)\\b|\\b(?:JSON|Oj)\\s*(?:\\.|::)\\s*(?:load|restore)\\b",
                    "deserialisation of untrusted data can run code", MEDIUM)
            .pattern("delete", "\\b(?:File|FileUtils|Dir)\\s*(?:\\.|::)\\s*(?:delete|unlink|rm|rm_f|rm_r|rm_rf"
                            + "|rmtree|remove|remove_dir|remove_entry|remove_entry_secure|remove_file|rmdir"
                            + "|safe_unlink)\\b|\\.\\s*(?:rmtree|unlink)\\b",
                    "deletes files", MEDIUM)
            .stringsPattern("file-write", "\\b(?:File|IO)\\s*(?:\\.|::)\\s*(?:write|binwrite)\\b"
                            + "|\\bFileUtils\\s*(?:\\.|::)\\s*(?:touch|cp|cp_r|copy|copy_file|mv|move|mkdir|mkdir_p"
                            + "|makedirs|ln|ln_s|ln_sf|symlink|install|chmod|chmod_R|chown|chown_R)\\b"
                            + "|(?:\\bFile\\s*(?:\\.|::)\\s*(?:open|new)|(?<![\\w.@$:])open)\\s*\\(?[^)\\n]*?"
                            + "['\"][rb+]*[wa][rb+]*(?::[-\\w]+)?['\"]"
                            + "|\\bFile\\s*::\\s*(?:WRONLY|RDWR|CREAT|APPEND|TRUNC)\\b",
                    "writes files", LOW)
            .pattern("env", "\\bENV\\b", "reads or changes the environment", LOW)
            .pattern("process", "\\bProcess\\s*(?:\\.|::)\\s*(?:kill|setsid|setpgid|setrlimit|setpriority|detach"
                            + "|wait|wait2|waitpid|waitall)\\b|\\bSignal\\s*(?:\\.|::)\\s*trap\\b"
                            + "|\\bThread\\s*(?:\\.|::)\\s*(?:new|start|fork)\\b|(?<![\\w.@$:])trap\\s*\\(",
                    "processes, threads and signals", LOW)
            .modules(List.of("open3", "pty", "shell", "posix/spawn", "childprocess"), "runs system commands", HIGH)
            .modules(List.of("fiddle", "ffi"), "calls native code", HIGH)
            .module("socket", "raw network sockets", MEDIUM)
            .modules(List.of("net", "open-uri", "resolv", "openssl", "webrick", "drb", "httparty", "faraday",
                    "rest-client", "excon", "httpx", "typhoeus", "mechanize", "websocket"),
                    "network client/server", MEDIUM)
            .modules(List.of("aws-sdk", "aws-sdk-core", "aws-sdk-s3", "google/cloud", "azure", "fog", "kubeclient",
                    "docker"), "cloud / infrastructure SDK", MEDIUM)
            .module("erb", "templates run the Ruby code in their text", MEDIUM)
            .module("fileutils", "file operations", LOW)
            .module("etc", "user and system information", LOW)
            .build();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("rb");
    }

    @Override
    public Set<String> fileExtensions() {
        return Set.of("rb");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/ruby:bookworm";
    }

    /** The {@link RubyScanner}: comments, strings, heredocs, percent literals and requires of ruby code. */
    @Override
    public SourceScanner scanner() {
        return new RubyScanner();
    }

    @Override
    public LanguageRules defaultRules() {
        return RULES;
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("main.rb", code.getBytes(StandardCharsets.UTF_8));
        files.put("sandbox4j_prelude.rb", PRELUDE.getBytes(StandardCharsets.UTF_8));
        List<String> argv = new ArrayList<>(List.of("ruby", "-r" + context.path("sandbox4j_prelude.rb"),
                context.path("main.rb")));
        argv.addAll(context.args());
        return new ExecutionPlan(files, argv, Map.of());
    }
}
