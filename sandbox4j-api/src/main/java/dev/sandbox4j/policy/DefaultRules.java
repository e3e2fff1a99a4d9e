package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The built-in rule set. Severities follow one scale across languages: HIGH = runs other programs or native code,
 * MEDIUM = escapes static checking or reaches outside (eval, dynamic import, deletion, network, deserialisation,
 * reflection, cloud SDKs), LOW = touches the box (file writes, processes/threads, environment, os-level modules).
 */
final class DefaultRules {
    private DefaultRules() {}

    private static SecurityPattern p(String lang, String id, String regex, String description, Severity s) {
        return new SecurityPattern(lang + "." + id, regex, description, s, PatternScope.CODE, Set.of(lang));
    }

    private static SecurityPattern ps(String lang, String id, String regex, String description, Severity s) {
        return new SecurityPattern(lang + "." + id, regex, description, s, PatternScope.CODE_AND_STRINGS,
                Set.of(lang));
    }

    private static RestrictedModule m(String lang, String name, String description, Severity s) {
        return RestrictedModule.of(lang, name, description, s);
    }

    /**
     * {@code rm -rf /} written as an argument list rather than a shell command: {@code ["rm", "-rf", "/"]} (Python's
     * subprocess, Java's ProcessBuilder and Runtime.exec arrays, Go's exec.Command), {@code spawn('rm', ['-r', '-f',
     * '/*'])} (Node) and {@code system2("rm", c("-rf", "/"))} (R): the quoted {@code rm} (or {@code /bin/rm}), then
     * only quoted options with an r or f ({@code --recursive}, {@code --force} and {@code --no-preserve-root}
     * included) up to a quoted {@code /} or {@code /*}. Between elements only commas, whitespace and the opening of a
     * list or call ({@code [}, {@code {}, {@code c(}, {@code args = }) may stand, so {@code ["rm", "-rf", "/tmp/x"]}
     * and an {@code "rm"} followed by unrelated strings do not match.
     */
    static final String RM_RF_ROOT_ARGV;

    static {
        String sep = "\\s*,\\s*(?:\\w+\\s*=\\s*)?(?:(?:c|list|List\\.of|Arrays\\.asList|arrayOf|listOf)\\s*\\(\\s*"
                + "|\\[\\s*|\\{\\s*|new\\s+String\\s*\\[\\s*]\\s*\\{\\s*)?";
        String option = "(?:-[a-zA-Z]*[rRf][a-zA-Z]*|--recursive|--force|--no-preserve-root)";
        RM_RF_ROOT_ARGV = "([\"'])(?:/usr)?(?:/bin/)?rm\\1" + "(?:" + sep + "([\"'])" + option + "\\2)+" + sep
                + "([\"'])/\\*?\\3";
    }

    /** Blatantly destructive, any language (also inside strings: they are usually shell commands). */
    static List<SecurityPattern> destructive() {
        return List.of(
                new SecurityPattern("any.fork-bomb", ":\\s*\\(\\s*\\)\\s*\\{\\s*:\\s*\\|\\s*:\\s*&\\s*\\}",
                        "shell fork bomb", HIGH, PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.rm-rf-root", "\\brm\\s+(-[a-zA-Z]*[rf][a-zA-Z]*\\s+)+(--no-preserve-root\\s+)?/(\\s|\\*|['\"]|$)",
                        "recursive deletion of the root filesystem", HIGH, PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.rm-rf-root-argv", RM_RF_ROOT_ARGV,
                        "recursive deletion of the root filesystem (rm with its arguments as a list)", HIGH,
                        PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.mkfs", "\\bmkfs(\\.\\w+)?\\s+/dev/", "formats a disk", HIGH,
                        PatternScope.CODE_AND_STRINGS, Set.of()),
                new SecurityPattern("any.raw-disk-write", "\\bdd\\s+[^\\n]*\\bof=/dev/(sd|nvme|vd|xvd|hd)",
                        "writes to a raw disk", HIGH, PatternScope.CODE_AND_STRINGS, Set.of()));
    }

    static List<SecurityPattern> patterns() {
        List<SecurityPattern> l = new ArrayList<>();
        // ---- python
        l.add(p("python", "os-system", "\\bos\\s*\\.\\s*(system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?|fork|forkpty)\\s*\\(",
                "runs a system command or replaces/forks the process", HIGH));
        l.add(p("python", "eval", "(?<![\\w.])(eval|exec|compile)\\s*\\(", "evaluates dynamically built code", MEDIUM));
        l.add(p("python", "builtins", "\\b__builtins__\\b|\\bbuiltins\\s*\\.\\s*(eval|exec|__import__)|\\bglobals\\s*\\(\\s*\\)\\s*\\[",
                "reaches builtins indirectly (a way around import and eval rules)", MEDIUM));
        l.add(p("python", "delete", "\\b(os\\s*\\.\\s*(remove|unlink|rmdir|removedirs)|shutil\\s*\\.\\s*rmtree|\\.\\s*unlink)\\s*\\(",
                "deletes files", MEDIUM));
        l.add(ps("python", "file-write", "\\bopen\\s*\\([^)]*?['\"][rbt+]*[wax][rbt+]*['\"]|\\.write_(text|bytes)\\s*\\(",
                "writes files", LOW));
        l.add(p("python", "yaml-load", "\\byaml\\s*\\.\\s*(unsafe_)?load\\s*\\((?![^)]*SafeLoader)", "unsafe YAML deserialisation", MEDIUM));
        l.add(p("python", "environ", "\\bos\\s*\\.\\s*(environ|getenv|putenv)\\b", "reads or changes the environment", LOW));
        // ---- javascript
        l.add(p("javascript", "eval", "(?<![\\w.$])(eval|Function)\\s*\\(|\\bnew\\s+Function\\s*\\(", "evaluates dynamically built code", MEDIUM));
        l.add(p("javascript", "process-binding", "\\bprocess\\s*\\.\\s*(binding|_linkedBinding|dlopen)\\s*\\(", "native bindings", HIGH));
        l.add(p("javascript", "fetch", "(?<![\\w.$])fetch\\s*\\(|\\bnew\\s+(WebSocket|XMLHttpRequest)\\s*\\(", "network request", MEDIUM));
        l.add(p("javascript", "delete", "\\bfs(\\.promises)?\\s*\\.\\s*(unlink|unlinkSync|rm|rmSync|rmdir|rmdirSync)\\s*\\(", "deletes files", MEDIUM));
        l.add(p("javascript", "file-write", "\\bfs(\\.promises)?\\s*\\.\\s*(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream)\\s*\\(",
                "writes files", LOW));
        l.add(p("javascript", "env", "\\bprocess\\s*\\.\\s*env\\b", "reads the environment", LOW));
        // ---- java
        l.add(p("java", "runtime-exec", "\\bRuntime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*\\.\\s*exec\\s*\\(|\\bnew\\s+ProcessBuilder\\s*\\(|\\bProcessBuilder\\s*\\.",
                "runs a system command", HIGH));
        l.add(p("java", "reflection", "\\bClass\\s*\\.\\s*forName\\s*\\(|\\.\\s*(getDeclaredMethod|getDeclaredField|setAccessible)\\s*\\(",
                "reflection (a way around static checks)", MEDIUM));
        l.add(p("java", "unsafe", "\\bsun\\s*\\.\\s*misc\\s*\\.\\s*Unsafe\\b|\\bSystem\\s*\\.\\s*(load|loadLibrary)\\s*\\(", "native code / Unsafe", HIGH));
        l.add(p("java", "delete", "\\bFiles\\s*\\.\\s*(delete|deleteIfExists)\\s*\\(|\\.\\s*delete\\s*\\(\\s*\\)", "deletes files", MEDIUM));
        l.add(p("java", "file-write", "\\bnew\\s+(FileOutputStream|FileWriter|PrintWriter\\s*\\(\\s*new\\s+File)\\b|\\bFiles\\s*\\.\\s*(write|writeString|newOutputStream|newBufferedWriter)\\s*\\(",
                "writes files", LOW));
        l.add(p("java", "exit", "\\bSystem\\s*\\.\\s*exit\\s*\\(|\\bRuntime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*\\.\\s*halt\\s*\\(", "exits the JVM", LOW));
        l.add(p("java", "env", "\\bSystem\\s*\\.\\s*getenv\\s*\\(", "reads the environment", LOW));
        // ---- cpp
        l.add(p("cpp", "system", "(?<![\\w.>:])(std\\s*::\\s*)?(system|popen|execl|execlp|execle|execv|execvp|execvpe|execve|posix_spawnp?)\\s*\\(",
                "runs a system command", HIGH));
        l.add(p("cpp", "fork", "(?<![\\w.>])(fork|vfork|clone)\\s*\\(", "creates processes", MEDIUM));
        l.add(p("cpp", "asm", "\\b(__asm__|asm)\\s*(volatile\\s*)?[({]", "inline assembly", MEDIUM));
        l.add(p("cpp", "dlopen", "\\bdlopen\\s*\\(", "loads native libraries at run time", HIGH));
        l.add(p("cpp", "socket", "(?<![\\w.>])socket\\s*\\(", "raw sockets", MEDIUM));
        l.add(p("cpp", "delete", "(?<![\\w.>])(remove|unlink|rmdir)\\s*\\(|\\bstd\\s*::\\s*filesystem\\s*::\\s*remove(_all)?\\s*\\(",
                "deletes files", MEDIUM));
        l.add(ps("cpp", "file-write", "\\bfopen\\s*\\([^)]*['\"][rb+]*[wa][b+]*['\"]|\\bstd\\s*::\\s*ofstream\\b|\\bofstream\\b", "writes files", LOW));
        l.add(p("cpp", "env", "(?<![\\w.>])(getenv|setenv|putenv)\\s*\\(", "reads or changes the environment", LOW));
        // ---- go
        l.add(p("go", "exec", "\\bexec\\s*\\.\\s*(Command|CommandContext)\\s*\\(|\\bsyscall\\s*\\.\\s*(Exec|ForkExec|StartProcess)\\s*\\(|\\bos\\s*\\.\\s*StartProcess\\s*\\(",
                "runs a system command", HIGH));
        l.add(p("go", "delete", "\\bos\\s*\\.\\s*(Remove|RemoveAll)\\s*\\(", "deletes files", MEDIUM));
        l.add(p("go", "file-write", "\\bos\\s*\\.\\s*(WriteFile|Create|OpenFile)\\s*\\(|\\bioutil\\s*\\.\\s*WriteFile\\s*\\(", "writes files", LOW));
        l.add(p("go", "env", "\\bos\\s*\\.\\s*(Getenv|Setenv|Environ|LookupEnv)\\s*\\(", "reads or changes the environment", LOW));
        // ---- r
        l.add(p("r", "system", "(?<![\\w.])(system|system2|shell|shell\\.exec|pipe)\\s*\\(", "runs a system command", HIGH));
        l.add(p("r", "dyn-load", "(?<![\\w.])(dyn\\.load|library\\.dynam)\\s*\\(|\\.(C|Call|External|Fortran)\\s*\\(", "loads native code", HIGH));
        l.add(p("r", "eval", "(?<![\\w.])eval\\s*\\(\\s*(parse|str2lang|str2expression)\\s*\\(", "evaluates code built from text", MEDIUM));
        l.add(p("r", "delete", "(?<![\\w.])(file\\.remove|unlink)\\s*\\(", "deletes files", MEDIUM));
        l.add(p("r", "network", "(?<![\\w.])(url|download\\.file|socketConnection|make\\.socket|curlGetHeaders)\\s*\\(", "network access", MEDIUM));
        l.add(p("r", "file-write", "(?<![\\w.])(writeLines|write\\.csv|write\\.table|saveRDS|save|sink|cat\\s*\\([^)]*\\bfile\\s*=)\\s*\\(?",
                "writes files", LOW));
        l.add(p("r", "env", "(?<![\\w.])Sys\\.(getenv|setenv)\\s*\\(", "reads or changes the environment", LOW));
        return l;
    }

    static List<RestrictedModule> modules() {
        List<RestrictedModule> l = new ArrayList<>();
        // python
        for (String n : List.of("subprocess", "pty", "commands", "popen2")) {
            l.add(m("python", n, "runs system commands", HIGH));
        }
        for (String f : List.of("system", "popen", "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp",
                "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
                "posix_spawn", "posix_spawnp", "fork", "forkpty")) {
            // catches `from os import system` + `system(...)`, which the os-system pattern cannot see
            l.add(m("python", "os." + f, "runs a system command or replaces/forks the process", HIGH));
        }
        for (String n : List.of("ctypes", "cffi", "_ctypes")) {
            l.add(m("python", n, "calls native code", HIGH));
        }
        for (String n : List.of("socket", "socketserver", "ssl", "asyncio.streams", "selectors")) {
            l.add(m("python", n, "raw network sockets", MEDIUM));
        }
        for (String n : List.of("urllib", "urllib3", "http.client", "http.server", "requests", "httpx", "aiohttp",
                "ftplib", "smtplib", "telnetlib", "poplib", "imaplib", "xmlrpc", "paramiko", "websocket", "websockets")) {
            l.add(m("python", n, "network client/server", MEDIUM));
        }
        for (String n : List.of("pickle", "cPickle", "_pickle", "dill", "marshal", "shelve", "joblib")) {
            l.add(m("python", n, "deserialisation of untrusted data can run code", MEDIUM));
        }
        for (String n : List.of("boto3", "botocore", "google.cloud", "azure", "kubernetes", "docker")) {
            l.add(m("python", n, "cloud / infrastructure SDK", MEDIUM));
        }
        l.add(m("python", "importlib", "imports modules by computed name", MEDIUM));
        l.add(m("python", "code", "interactive interpreter / code evaluation", MEDIUM));
        l.add(m("python", "os", "operating-system access", LOW));
        l.add(m("python", "shutil", "file operations", LOW));
        l.add(m("python", "multiprocessing", "creates processes", LOW));
        l.add(m("python", "signal", "signal handling", LOW));
        l.add(m("python", "sys", "interpreter internals", LOW));
        // javascript
        l.add(m("javascript", "child_process", "runs system commands", HIGH));
        for (String n : List.of("ffi-napi", "ffi", "node-ffi", "bindings")) {
            l.add(m("javascript", n, "calls native code", HIGH));
        }
        l.add(m("javascript", "vm", "evaluates code in a new context", MEDIUM));
        for (String n : List.of("net", "dgram", "tls", "http", "https", "http2", "dns", "axios", "node-fetch", "got",
                "request", "ws", "undici")) {
            l.add(m("javascript", n, "network access", MEDIUM));
        }
        for (String n : List.of("aws-sdk", "@aws-sdk", "@google-cloud", "@azure", "firebase-admin")) {
            l.add(m("javascript", n, "cloud SDK", MEDIUM));
        }
        l.add(m("javascript", "inspector", "debugger access", MEDIUM));
        l.add(m("javascript", "fs", "file system access", LOW));
        for (String n : List.of("cluster", "worker_threads", "os", "process", "v8")) {
            l.add(m("javascript", n, "process / runtime internals", LOW));
        }
        // java
        l.add(m("java", "java.lang.ProcessBuilder", "runs system commands", HIGH));
        l.add(m("java", "sun.misc", "JDK internals (Unsafe)", HIGH));
        l.add(m("java", "jdk.internal", "JDK internals", HIGH));
        l.add(m("java", "java.lang.foreign", "foreign function and memory access", HIGH));
        l.add(m("java", "java.lang.reflect", "reflection", MEDIUM));
        l.add(m("java", "java.lang.invoke", "method handles (reflection)", MEDIUM));
        l.add(m("java", "java.net", "network access", MEDIUM));
        l.add(m("java", "javax.net", "network access", MEDIUM));
        l.add(m("java", "java.rmi", "remote method invocation", MEDIUM));
        l.add(m("java", "java.io.ObjectInputStream", "deserialisation of untrusted data can run code", MEDIUM));
        l.add(m("java", "javax.script", "script engines evaluate code", MEDIUM));
        l.add(m("java", "javax.tools", "compiles code at run time", MEDIUM));
        for (String n : List.of("com.amazonaws", "software.amazon", "com.google.cloud", "com.azure")) {
            l.add(m("java", n, "cloud SDK", MEDIUM));
        }
        l.add(m("java", "java.nio.file", "file system access", LOW));
        l.add(m("java", "java.util.concurrent", "threads", LOW));
        // cpp (headers; '/' separates directories)
        l.add(m("cpp", "dlfcn.h", "loads native libraries at run time", HIGH));
        l.add(m("cpp", "sys/ptrace.h", "traces other processes", HIGH));
        l.add(m("cpp", "spawn.h", "runs programs", HIGH));
        for (String n : List.of("sys/socket.h", "netinet", "arpa/inet.h", "netdb.h", "sys/un.h")) {
            l.add(m("cpp", n, "network sockets", MEDIUM));
        }
        l.add(m("cpp", "sys/mman.h", "raw memory mapping", MEDIUM));
        l.add(m("cpp", "unistd.h", "POSIX process and file calls", LOW));
        l.add(m("cpp", "filesystem", "file system access", LOW));
        l.add(m("cpp", "fstream", "file streams", LOW));
        l.add(m("cpp", "thread", "threads", LOW));
        l.add(m("cpp", "pthread.h", "threads", LOW));
        // go ('/' separates packages)
        l.add(m("go", "os/exec", "runs system commands", HIGH));
        l.add(m("go", "syscall", "raw system calls", HIGH));
        l.add(m("go", "golang.org/x/sys", "raw system calls", HIGH));
        l.add(m("go", "plugin", "loads native plugins", HIGH));
        l.add(m("go", "unsafe", "unsafe memory access", MEDIUM));
        l.add(m("go", "net", "network access", MEDIUM));
        l.add(m("go", "reflect", "reflection", MEDIUM));
        l.add(m("go", "encoding/gob", "deserialisation", LOW));
        for (String n : List.of("github.com/aws", "cloud.google.com", "github.com/Azure")) {
            l.add(m("go", n, "cloud SDK", MEDIUM));
        }
        l.add(m("go", "os", "operating-system access", LOW));
        // r
        l.add(m("r", "processx", "runs system commands", HIGH));
        l.add(m("r", "sys", "runs system commands", HIGH));
        for (String n : List.of("Rcpp", "inline", "callr")) {
            l.add(m("r", n, "compiles or runs native code / processes", MEDIUM));
        }
        for (String n : List.of("httr", "httr2", "curl", "RCurl", "rvest", "websocket", "socket", "crul")) {
            l.add(m("r", n, "network access", MEDIUM));
        }
        for (String n : List.of("paws", "aws.s3", "aws.signature", "googleCloudStorageR", "AzureStor")) {
            l.add(m("r", n, "cloud SDK", MEDIUM));
        }
        l.add(m("r", "reticulate", "runs Python", MEDIUM));
        l.add(m("r", "parallel", "creates processes", LOW));
        l.add(m("r", "future", "creates processes", LOW));
        return l;
    }
}
