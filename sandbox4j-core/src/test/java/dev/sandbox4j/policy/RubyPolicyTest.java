package dev.sandbox4j.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.Sandbox4j;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ruby's default rules end to end (its scanner, the rules its handler brings, the presets' thresholds), like
 * {@link SecurityPolicyTest} for the other languages: true positives and traps. Each case: code, the preset, whether
 * it is allowed, and a rule id that must fire (for allowed code under {@code strict}, none may fire).
 */
class RubyPolicyTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // harmless code finds nothing, even under strict
                Arguments.of("puts [1, 2, 3].map { |x| x * 2 }.sum", "strict", true, null),
                Arguments.of("require 'json'\nrequire 'set'\nputs JSON.generate({a: 1}); s = Set.new([1])", "strict",
                        true, null),
                Arguments.of("def fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)\nprintf(\"%d\\n\", fib(10) % 7)",
                        "strict", true, null),
                Arguments.of("x = <<~EOS\n  system('rm -rf /tmp/x') and eval(y)\nEOS\nputs x", "strict", true, null),
                Arguments.of("# system('id'); `id`; eval(x)\nputs 1", "strict", true, null),
                Arguments.of("s = \"system('id') or `id` or ENV\"\nputs s", "strict", true, null),
                Arguments.of("h = { system: 1, exec: 2 }\nputs h[:system] rescue nil", "strict", true, null),
                Arguments.of("obj.exec_query(q); ledger.spawned = 1; YAML.safe_load(s)", "strict", true, null),
                Arguments.of("puts File.read('in.txt'); File.open('in.txt') { |f| f.each_line { |l| p l } }",
                        "strict", true, null),
                // running commands: blocked from development on
                Arguments.of("system('ls')", "development", false, "pattern:ruby.system"),
                Arguments.of("system 'ls', '-l'", "development", false, "pattern:ruby.system"),
                Arguments.of("exec(\"id\")", "development", false, "pattern:ruby.system"),
                Arguments.of("pid = spawn('sleep 1')", "development", false, "pattern:ruby.system"),
                Arguments.of("Kernel.system('id')", "development", false, "pattern:ruby.system"),
                Arguments.of("Process.spawn('id')", "development", false, "pattern:ruby.system"),
                Arguments.of("m = method(:system)", "development", false, "pattern:ruby.system"),
                Arguments.of("Kernel.send :exec, 'id'", "development", false, "pattern:ruby.system"),
                Arguments.of("Kernel.public_send(:`, 'id')", "development", false, "pattern:ruby.system"),
                Arguments.of("Kernel.send('system', 'id')", "development", true, "pattern:ruby.send"),
                Arguments.of("out = `id`", "development", false, "pattern:ruby.backticks"),
                Arguments.of("out = %x(id)", "development", false, "pattern:ruby.backticks"),
                Arguments.of("out = <<~`CMD`\n  id\nCMD", "development", false, "pattern:ruby.backticks"),
                Arguments.of("IO.popen('id') { |io| puts io.read }", "development", false, "pattern:ruby.popen"),
                Arguments.of("require 'open3'\nOpen3.capture2('id')", "development", false, "module:ruby:open3"),
                Arguments.of("require 'open3'\nOpen3.capture2('id')", "development", false, "pattern:ruby.popen"),
                Arguments.of("open('|id') { |f| puts f.read }", "development", false, "pattern:ruby.pipe-open"),
                Arguments.of("IO.read(\"|id\")", "development", false, "pattern:ruby.pipe-open"),
                Arguments.of("require 'fiddle'", "development", false, "module:ruby:fiddle"),
                Arguments.of("Fiddle::Function.new(f, [], 0)", "development", false, "pattern:ruby.native"),
                Arguments.of("syscall(39)", "development", false, "pattern:ruby.native"),
                Arguments.of("require 'pty'", "development", false, "module:ruby:pty"),
                Arguments.of("x = \"#{system('id')}\"", "development", false, "pattern:ruby.system"),
                Arguments.of("x = <<~EOS\n  #{`id`}\nEOS", "development", false, "pattern:ruby.backticks"),
                // escaping static checks, reaching out: blocked from production on
                Arguments.of("eval('1 + 1')", "production", false, "pattern:ruby.eval"),
                Arguments.of("eval('1 + 1')", "development", true, "pattern:ruby.eval"),
                Arguments.of("String.class_eval('def x; end')", "production", false, "pattern:ruby.eval"),
                Arguments.of("binding.eval('x')", "production", false, "pattern:ruby.eval"),
                Arguments.of("obj.instance_eval { @secret }", "production", false, "pattern:ruby.eval"),
                Arguments.of("Kernel.send(:system, 'id')", "production", false, "pattern:ruby.send"),
                Arguments.of("Object.const_get('Kernel').public_send('exit')", "production", false,
                        "pattern:ruby.send"),
                Arguments.of("require name", "production", false, "dynamic-import"),
                Arguments.of("send(:require, 'socket')", "production", false, "dynamic-import"),
                Arguments.of("require 'socket'\nTCPSocket.new('x', 80)", "production", false, "module:ruby:socket"),
                Arguments.of("require 'net/http'\nNet::HTTP.get(URI('http://x'))", "production", false,
                        "module:ruby:net"),
                Arguments.of("Net::HTTP.get(URI('http://x'))", "production", false, "pattern:ruby.network"),
                Arguments.of("require 'open-uri'\nURI.open('http://x').read", "production", false,
                        "module:ruby:open-uri"),
                Arguments.of("require 'net/http'", "development", true, "module:ruby:net"),
                Arguments.of("Marshal.load(data)", "production", false, "pattern:ruby.deserialise"),
                Arguments.of("YAML.load(text)", "production", false, "pattern:ruby.deserialise"),
                Arguments.of("YAML.unsafe_load(text)", "production", false, "pattern:ruby.deserialise"),
                Arguments.of("File.delete('x')", "production", false, "pattern:ruby.delete"),
                Arguments.of("require 'fileutils'\nFileUtils.rm_rf('build')", "production", false,
                        "pattern:ruby.delete"),
                Arguments.of("pid = fork { puts 1 }", "production", false, "pattern:ruby.fork"),
                Arguments.of("Kernel.fork { puts 1 }", "production", false, "pattern:ruby.fork"),
                Arguments.of("Process.daemon", "production", false, "pattern:ruby.fork"),
                Arguments.of("require 'aws-sdk-s3'", "production", false, "module:ruby:aws-sdk-s3"),
                Arguments.of("require 'erb'\nERB.new(t).result", "production", false, "module:ruby:erb"),
                // touching the box: blocked by strict only
                Arguments.of("File.write('out.txt', 'x')", "strict", false, "pattern:ruby.file-write"),
                Arguments.of("File.open('out.txt', 'w') { |f| f << 'x' }", "strict", false,
                        "pattern:ruby.file-write"),
                Arguments.of("File.open('out.txt', 'w') { |f| f << 'x' }", "production", true,
                        "pattern:ruby.file-write"),
                Arguments.of("puts ENV['HOME']", "strict", false, "pattern:ruby.env"),
                Arguments.of("puts ENV.fetch('HOME')", "production", true, "pattern:ruby.env"),
                Arguments.of("Thread.new { 1 }.join", "strict", false, "pattern:ruby.process"),
                Arguments.of("require 'fileutils'", "strict", false, "module:ruby:fileutils"),
                // the language-independent rules apply to Ruby too
                Arguments.of("system('rm -rf /')", "permissive", false, "pattern:any.rm-rf-root"),
                Arguments.of("system('rm', '-rf', '/')", "permissive", false, "pattern:any.rm-rf-root-argv"),
                Arguments.of("system('ls')", "permissive", true, null));
    }

    @ParameterizedTest(name = "[{index}] {1}: {0}")
    @MethodSource("cases")
    void defaultRules(String code, String preset, boolean allowed, String rule) {
        PolicyVerdict v = Sandbox4j.check("ruby", code, SecurityPolicy.preset(preset));
        assertThat(v.allowed()).as("allowed? violations: %s", v.violations()).isEqualTo(allowed);
        if (rule != null) {
            assertThat(v.violations()).as("violations").extracting(Violation::rule).contains(rule);
        } else if (allowed && preset.equals("strict")) {
            assertThat(v.violations()).as("strict finds nothing in harmless code").isEmpty();
        }
    }

    @Test
    void theAliasAndAFileNameCheckRubyToo() {
        assertThat(Sandbox4j.check("rb", "system('id')", SecurityPolicy.development()).allowed()).isFalse();
        assertThat(Sandbox4j.languageForFile("task.rb")).get().extracting(l -> l.id()).isEqualTo("ruby");
    }

    @Test
    void rubysRulesAreOnlyRubys() {
        // python code mentioning Ruby's calls is not checked by Ruby's rules, and the other way round
        assertThat(Sandbox4j.check("python", "x = 1\n`id`", SecurityPolicy.strict()).violations())
                .extracting(Violation::rule).noneMatch(r -> r.startsWith("pattern:ruby."));
        assertThat(Sandbox4j.check("ruby", "import subprocess", SecurityPolicy.strict()).violations())
                .extracting(Violation::rule).noneMatch(r -> r.contains("python"));
    }
}
