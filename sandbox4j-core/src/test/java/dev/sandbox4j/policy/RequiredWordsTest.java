package dev.sandbox4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RequiredWordsTest {
    @Test
    void findsWordsEveryMatchNeeds() {
        assertThat(RequiredWords.of("\\bos\\s*\\.\\s*(system|popen)\\s*\\(")).isEqualTo(Set.of("system", "popen"));
        assertThat(RequiredWords.of("(?<![\\w.])(eval|exec|compile)\\s*\\(")).isEqualTo(Set.of("eval", "exec", "compile"));
        assertThat(RequiredWords.of("\\bmkfs(\\.\\w+)?\\s+/dev/")).isEqualTo(Set.of("mkfs"));
        assertThat(RequiredWords.of("abc|xyz")).isEqualTo(Set.of("abc", "xyz"));
        assertThat(RequiredWords.of("colou?r")).isEqualTo(Set.of("colo"));
        assertThat(RequiredWords.of("fo+bar")).isEqualTo(Set.of("bar"));
    }

    @Test
    void givesUpWhenUnsure() {
        assertThat(RequiredWords.of("abc|\\d+")).isNull();
        assertThat(RequiredWords.of("(?i)eval")).isNull();
        assertThat(RequiredWords.of("(x)\\1")).isNull();
        assertThat(RequiredWords.of("(eval)?run")).isEqualTo(Set.of("run"));
        assertThat(RequiredWords.of("(eval)?\\s")).isNull();
    }

    @Test
    void prefilterNeverHidesAMatchOfTheDefaultRules() {
        String[] samples = {"os.system('x')", "eval(1)", "rm -rf /", "mkfs.ext4 /dev/sda", "__builtins__",
            "shutil.rmtree('x')", "open('a', 'w')", "yaml.load(x)", "os.environ", "new Function('x')",
            "process.binding('x')", "fetch('u')", "fs.unlinkSync(x)", "fs.writeFileSync(x)", "process.env",
            "Runtime.getRuntime().exec(x)", "new ProcessBuilder(x)", "Class.forName(x)", "System.loadLibrary(x)",
            "Files.delete(p)", "new FileOutputStream(f)", "System.exit(1)", "System.getenv(x)", "system(\"x\")",
            "fork()", "asm(\"nop\")", "dlopen(x)", "socket(1)", "unlink(x)", "fopen(f, \"w\")", "getenv(x)",
            "exec.Command(x)", "os.RemoveAll(x)", "os.WriteFile(x)", "os.Getenv(x)", "system2('x')",
            "dyn.load(x)", "eval(parse(text=x))", "file.remove(x)", "url(x)", "writeLines(x)", "Sys.getenv(x)",
            ":(){ :|:& };:", "dd if=/dev/zero of=/dev/sda", "system('x')", "exec 'x'", "Kernel.spawn(x)",
            "`x`", "%x(x)", "IO.popen(x)", "Open3.capture2(x)", "open('|x')", "Fiddle::Handle", "syscall(1)",
            "fork { }", "eval(x)", "obj.instance_eval(x)", "send(:x)", "method(:x)", "Net::HTTP.get(u)",
            "TCPSocket.new(h)", "Marshal.load(x)", "YAML.load(x)", "FileUtils.rm_rf(x)", "File.delete(x)",
            "File.write(x, y)", "File.open(x, 'w')", "ENV['x']", "Thread.new { }", "trap('INT')",
            "Kernel.fork { }", "Process.daemon"};
        for (SecurityPattern p : dev.sandbox4j.Sandbox4j.expand(SecurityPolicy.strict()).patterns()) {
            Set<String> words = RequiredWords.of(p.regex());
            if (words == null) {
                continue;
            }
            Pattern re = Pattern.compile(p.regex(), Pattern.MULTILINE);
            for (String s : samples) {
                if (re.matcher(s).find()) {
                    assertThat(words).as("%s on %s", p.id(), s).anyMatch(s::contains);
                }
            }
        }
    }
}
