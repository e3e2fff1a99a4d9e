package dev.sandbox4j.core.policy.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RubyScannerTest {
    private final RubyScanner scanner = new RubyScanner();

    /** Each case: code, then the expected imports as {@code form:module}; dynamic iff the module is DYNAMIC. */
    static Stream<Arguments> cases() {
        return Stream.of(
                c("require 'socket'", "require:socket"),
                c("require \"net/http\"", "require:net/http"),
                c("require('json')\nrequire(\"set\")", "require:json", "require:set"),
                c("require ('json')", "require:json"),
                c("require 'json'; require 'set'", "require:json", "require:set"),
                c("require 'socket.rb'", "require:socket"),
                c("require \"so\" 'cket'", "require:socket"),
                c("require %q(socket)", "require:socket"),
                c("require 'x' if defined?(Y)\nrequire 'z' unless z", "require:x", "require:z"),
                c("require(\n  'json'\n)", "require:json"),
                c("require_relative 'lib/helper'", "require_relative:./lib/helper"),
                c("require_relative '../up'", "require_relative:../up"),
                c("load 'tasks.rb'", "load:tasks"),
                c("Kernel.require 'socket'\n::Kernel.load('x.rb')", "require:socket", "load:x"),
                c("autoload :Foo, 'foo/bar'", "autoload:foo/bar"),
                c("x = \"#{require 'socket'}\"", "require:socket"),
                c("puts <<~EOS\n  #{require 'socket'}\nEOS\n", "require:socket"),
                c("x = %Q{a #{require 'open3'} b}", "require:open3"),
                c("x = \"#{require 'json'}\" + y", "require:json"),
                c("def helper\n  require 'json'\nend", "require:json"),
                c("[1].each { |f| require 'json' }", "require:json"),
                // dynamic
                c("require name", "require:<dynamic>"),
                c("require \"net/#{proto}\"", "require:<dynamic>"),
                c("require File.join(dir, 'x')", "require:<dynamic>"),
                c("require 'a' + b", "require:<dynamic>"),
                c("libs.each { |l| require l }", "require:<dynamic>"),
                c("send(:require, 'socket')", "symbol:<dynamic>"),
                c("Kernel.send(:load, path)", "symbol:<dynamic>"),
                c("m = method(:require_relative)", "symbol:<dynamic>"),
                c("Object.send('require', 'socket')", "symbol:<dynamic>"),
                c("alias my_require require", "alias:<dynamic>"),
                c("require(*names)", "require:<dynamic>"),
                // traps: text that mentions imports, and other objects' load
                c("# require 'socket'"),
                c("=begin\nrequire 'socket'\n=end\nrequire 'json'", "require:json"),
                c("x = 1\n=begin  \nrequire 'a'\n=ending\nrequire 'b'\n=end\nrequire 'c'", "require:c"),
                c("puts 1\n__END__\nrequire 'socket'"),
                c("s = \"require 'socket'\""),
                c("s = 'require \"socket\"'"),
                c("s = %q(require 'socket' (nested) )"),
                c("w = %w[require socket]; v = %i<require socket>"),
                c("c = %x(require socket)"),
                c("r = /require 'socket'/ix\nr2 = %r{require 'socket'}"),
                c("puts /require 'socket'/"),
                c("x = <<~EOS\n  require 'socket'\nEOS\nrequire 'json'", "require:json"),
                c("x = <<-'EOS'\n  #{require 'socket'}\n  EOS\n"),
                c("foo(<<A, <<B)\nrequire 'a'\nA\nrequire 'b'\nB\nrequire 'c'", "require:c"),
                c("x = <<EOS + \"tail\nrequire 'a'\nEOS\nrequire 'b'\n\"\nrequire 'c'", "require:c"),
                c("c = ?'; require 'x'", "require:x"),
                c("c = ?\"; d = ?#; require 'x'", "require:x"),
                c("puts $'; puts $\"; require 'x'", "require:x"),
                c("s = :\"sym\"; t = :'x'; require 'y'", "require:y"),
                c("def `(cmd); end; require 'z'", "require:z"),
                c("def /(o); end; require 'z'", "require:z"),
                c("h = { require: 1, load: 2 }"),
                c("def require(x); end"),
                c("YAML.load(s); obj.load('x'); loader.require 'y'"),
                c("load = 1; puts load"),
                c("a = b / 2; require 'c'", "require:c"),
                c("a = 4\nb = a /2; require 'c' # /", "require:c"),
                c("total = 10 % 3; require 'c'", "require:c"),
                c("x = y ? 'a' : 'b'; require 'c'", "require:c"),
                c("x << 'a' << \"b\"; require 'c'", "require:c"),
                c("class << self; end; require 'c'", "require:c"),
                c("[1, 2].map { |n| n /2 }; require 'c' # /", "require:c"),
                c("v = [:+, :/, :%, :`]; require 'c'", "require:c"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void findsExactlyTheImports(String code, List<String> expected) {
        ScannedSource scanned = scanner.scan(code);
        ScannerChecks.assertWellFormed(scanned);
        assertThat(scanned.imports()).extracting(r -> r.form() + ":" + r.module()).containsExactlyElementsOf(expected);
    }

    @Test
    void blanksCommentsAndTextButKeepsInterpolatedCode() {
        String code = "system(\"ls #{x}\") # system('rm')\n`id`\n%x(id)";
        ScannedSource s = scanner.scan(code);
        String comment = " ".repeat("# system('rm')".length());
        assertThat(s.codeOnly()).isEqualTo("system(\"   #{x}\") " + comment + "\n`  `\n%x(  )");
        assertThat(s.withoutComments()).isEqualTo("system(\"ls #{x}\") " + comment + "\n`id`\n%x(id)");
    }

    @Test
    void blanksHeredocBodiesAsStrings() {
        String code = "x = <<~EOS.strip\n  eval(y)\n  #{system('id')}\nEOS\neval(z)";
        ScannedSource s = scanner.scan(code);
        assertThat(s.codeOnly()).isEqualTo("x = <<~EOS.strip\n         \n  #{system('  ')}\nEOS\neval(z)");
        assertThat(s.withoutComments()).isEqualTo(code);
    }

    @Test
    void readsLiteralsAndOperatorsAsRubyDoes() {
        // a regex after a method name and a space; division after a variable; %w words; a quote as a character
        String code = "a = 1\nputs /'/\nb = a /2 # '\nc = %w['] + [?']\nd = 1";
        ScannedSource s = scanner.scan(code);
        assertThat(s.codeOnly()).isEqualTo("a = 1\nputs / /\nb = a /2    \nc = %w[ ] + [? ]\nd = 1");
    }

    @Test
    void reportsOffsetsLinesAndColumns() {
        String code = "x = 1\n  require 'socket'\nload(path)";
        ScannedSource s = scanner.scan(code);
        ImportRef req = s.imports().get(0);
        assertThat(s.line(req.offset())).isEqualTo(2);
        assertThat(s.column(req.offset())).isEqualTo(3);
        assertThat(code.substring(req.offset(), req.offset() + req.length())).isEqualTo("require 'socket'");
        ImportRef load = s.imports().get(1);
        assertThat(load.dynamic()).isTrue();
        assertThat(code.substring(load.offset(), load.offset() + load.length())).isEqualTo("load(path");
    }

    @Test
    void separatesModulesWithSlashes() {
        assertThat(scanner.moduleSeparator()).isEqualTo('/');
    }

    @Test
    void neverThrowsOnTruncatedOrRandomInput() {
        List<String> corpus = cases().map(a -> (String) a.get()[0]).toList();
        String[] pieces = {"require", "load", "'", "\"", "`", "#", "#{", "}", "{", "(", ")", "[", "]", "<<~EOS\n",
            "\nEOS\n", "<<-'A'", "\n", "%w[", "%q(", "%", "/", "?", "?'", ":", "::", "$'", "@", "=begin\n", "\n=end",
            "__END__", "\\", "def ", "|", "x", " ", "=", "do |a|"};
        ScannerChecks.fuzz(scanner, corpus, pieces);
    }

    @Test
    void nestedInterpolationsAndLiteralsStayLinear() {
        String code = "\"#{".repeat(50_000) + "require 'x'" + "}\"".repeat(50_000);
        ScannedSource s = ScannerChecks.scanWithBoundedReads(RubyScanner::scan, code);
        assertThat(s.imports()).extracting(ImportRef::module).containsExactly("x");
        ScannerChecks.staysLinear(RubyScanner::scan, "\"#{");
        ScannerChecks.staysLinear(RubyScanner::scan, "%q(");
        ScannerChecks.staysLinear(RubyScanner::scan, "x = <<~A\n");
        ScannerChecks.staysLinear(RubyScanner::scan, "<<A <<B ");
        ScannerChecks.staysLinear(RubyScanner::scan, "=begin\n=end");
        ScannerChecks.staysLinear(RubyScanner::scan, "a, ");
        ScannerChecks.staysLinear(RubyScanner::scan, "a = ");
        ScannerChecks.staysLinear(RubyScanner::scan, "{ |x ");
        ScannerChecks.staysLinear(RubyScanner::scan, ":<=> ?a ");
        ScannerChecks.staysLinear(RubyScanner::scan, "def ");
    }

    /** About 1 MB of typical code, and how many imports it has. */
    private static ScannerChecks.Sample megabyte() {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (b.length() < 1_000_000) {
            b.append("require 'lib").append(i).append("' # comment ").append(i).append(" with 'quote\n")
                    .append("def f").append(i).append("(x, y = 1e-3)\n")
                    .append("  s = \"str\\\"ing #{x}\"; w = %w[a b]; r = /re#{y}/i; t = x / 2\n")
                    .append("  doc = <<~EOS\n    text #{s} 'quoted'\n  EOS\n")
                    .append("  [x, y].map { |v| v * 2 }.sum + (x ? 1 : 0)\nend\n");
            i++;
        }
        return new ScannerChecks.Sample(b.toString(), i);
    }

    @Test
    void scansOneMegabyteReadingEachCharacterABoundedNumberOfTimes() {
        ScannerChecks.Sample sample = megabyte();
        ScannedSource s = ScannerChecks.scanWithBoundedReads(RubyScanner::scan, sample.code());
        assertThat(s.codeOnly()).hasSameSizeAs(sample.code());
        assertThat(s.imports()).hasSize(sample.imports());
        ScannerChecks.scansOneMegabyteInBoundedReads(RubyScanner::scan,
                "require 'a'\nx = <<~E\n  #{b} 'c'\nE\ny = %q(d) + `e` + ?f\n");
    }

    @Test
    @Tag("benchmark")
    void printsTheTimeToScanOneMegabyte() {
        ScannerChecks.printScanTime(scanner, megabyte().code());
    }

    private static Arguments c(String code, String... expected) {
        return arguments(code, List.of(expected));
    }
}
