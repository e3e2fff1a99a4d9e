package dev.sandbox4j.core.policy.scan;

import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Scanner for Ruby: comments, the many literals that hold text, and {@code require}s.
 *
 * <p>Comments: {@code #} to the end of the line, {@code =begin ... =end} blocks, and everything after a line
 * {@code __END__}. Literals (their contents blanked in the code-only view, their delimiters kept): {@code '...'},
 * {@code "..."}, {@code `...`} (a command), symbols {@code :"..."}, character literals {@code ?a}, percent literals
 * {@code %q %Q % %w %W %i %I %s %x %r} with any delimiter (brackets nest), regular expressions {@code /.../}, and
 * heredocs {@code <<ID}, {@code <<-ID}, {@code <<~ID} (also with a quoted identifier; several on one line; the body
 * starts at the next line, as Ruby reads it). {@code #{...}} in interpolating literals is code, lexed as such to any
 * depth, so {@code "#{system('id')}"} is seen by rules and {@code "#{require 'x'}"} is an import.
 *
 * <p><b>Ambiguities (as Ruby resolves them).</b> Whether {@code /}, {@code %}, {@code <<} and {@code ?} start a literal
 * or are operators depends on what came before: after a value (a number, a literal, {@code )}, a local variable) they
 * are operators; where an expression starts (after an operator, {@code (}, a keyword such as {@code if}, at the start
 * of a line) they start a literal; after a method name ({@code puts /x/}, {@code puts <<~EOS}) they start one when a
 * space precedes them and none follows. Local variables are the names seen assigned ({@code x = }, {@code x += },
 * {@code a, b = }), parameters of methods, blocks and lambdas, and {@code for} variables, anywhere earlier in the
 * file (no scopes: a name once local stays local).
 *
 * <p>Imports: {@code require}, {@code require_relative}, {@code load} (also as {@code Kernel.require}) with a string
 * literal (adjacent literals joined, {@code .rb}/{@code .so} dropped; a {@code require_relative} path is reported as
 * {@code ./path}), {@code autoload :Name, 'path'}. Any other argument is {@link ImportRef#DYNAMIC}, as is a loader
 * named as a symbol ({@code send(:require, x)}, {@code method(:require)}; {@code :load} and {@code :autoload} only as
 * the first argument of {@code send}-like calls and {@code alias_method}) or in {@code alias}. The form is the
 * loader's name ({@code "symbol"} and {@code "alias"} for the dynamic ones). Module separator {@code /}: restricting
 * {@code net} restricts {@code net/http}.
 *
 * <p>Linear time (one pass with a stack of open literals; heredoc terminators are compared once per line), stateless,
 * thread-safe; never throws. The lexing lives in {@link RubyLexer} (code: names, operators, where a literal
 * may start) over {@link RubyLiteralLexer} (literals, interpolation, heredocs); the loads are found here.
 */
public final class RubyScanner implements SourceScanner {
    public RubyScanner() {}

    @Override
    public ScannedSource scan(String code) {
        return scan(code, UnaryOperator.identity());
    }

    /**
     * Scans {@code code}, reading its characters through {@code view} applied to the text (the identity here; tests
     * wrap it to count the characters read).
     */
    static ScannedSource scan(String code, UnaryOperator<CharSequence> view) {
        return SourceBuilder.failClosed(code, b -> new Finder(new RubyLexer(view.apply(code), b).run(), b).run());
    }

    @Override
    public char moduleSeparator() {
        return '/';
    }

    // token kinds beyond ScanToken's (shared with RubyLexer)
    static final int SYMBOL = 6;

    // token flags
    /** An identifier after {@code .}, {@code &.} or {@code ::}: a method (or constant) of a receiver. */
    static final int AFTER_DOT = 1;
    /** A label ({@code key:} in a hash or keyword argument). */
    static final int LABEL = 2;
    /** An instance, class or global variable. */
    static final int VAR = 4;
    /** A literal other than a plain string: command, regex, words, symbol, heredoc. */
    static final int NOT_PLAIN = 8;

    /** Finds the loads in the tokens. */
    private static final class Finder {
        private static final Set<String> LOADERS = Set.of("require", "require_relative", "load", "autoload");
        private static final Set<String> SENDS = Set.of("send", "public_send", "__send__", "method",
                "public_method", "instance_method", "alias_method", "define_method");
        private static final Set<String> STATEMENT_END = Set.of("if", "unless", "while", "until", "and", "or",
                "rescue", "then", "do", "end");

        private final List<ScanToken> t;
        private final SourceBuilder b;

        Finder(List<ScanToken> tokens, SourceBuilder b) {
            this.t = tokens;
            this.b = b;
        }

        void run() {
            for (int i = 0; i < t.size(); i++) {
                ScanToken x = t.get(i);
                if (x.kind == ScanToken.IDENT && (x.flags & (LABEL | VAR)) == 0 && LOADERS.contains(x.text)) {
                    call(i, x);
                } else if (x.kind == SYMBOL && LOADERS.contains(x.text)) {
                    if (x.text.startsWith("require") || sendArgument(i)) {
                        b.importRef(ImportRef.DYNAMIC, List.of(), x.start, x.end - x.start, "symbol", true);
                    }
                } else if (x.kind == ScanToken.STRING && LOADERS.contains(String.valueOf(x.value)) && sendArgument(i)) {
                    b.importRef(ImportRef.DYNAMIC, List.of(), x.start, x.end - x.start, "symbol", true);
                } else if (x.isIdent("alias") && (x.flags & AFTER_DOT) == 0 && i + 2 < t.size()) {
                    ScanToken old = t.get(i + 2);
                    if ((old.kind == ScanToken.IDENT || old.kind == SYMBOL) && LOADERS.contains(old.text)) {
                        b.importRef(ImportRef.DYNAMIC, List.of(), x.start, old.end - x.start, "alias", true);
                    }
                }
            }
        }

        /** Whether the token at {@code i} is an argument of {@code send}, {@code method}, {@code alias_method}. */
        private boolean sendArgument(int i) {
            int j = i - 1;
            if (ScanToken.op(t, j, ",")) {
                j -= 2; // alias_method :new, :load
            }
            if (ScanToken.op(t, j, "(")) {
                j--;
            }
            return j >= 0 && t.get(j).kind == ScanToken.IDENT && SENDS.contains(t.get(j).text);
        }

        private void call(int i, ScanToken name) {
            if ((name.flags & AFTER_DOT) != 0) {
                // Kernel.require 'x' (or ::Kernel); anything else is another object's method (YAML.load)
                if (!(i >= 2 && t.get(i - 2).isIdent("Kernel"))) {
                    return;
                }
            } else if (ScanToken.ident(t, i - 1, "def") || ScanToken.ident(t, i - 1, "alias")) {
                return;
            }
            int j = i + 1;
            if (ScanToken.op(t, j, "=") || ScanToken.op(t, j, ".") || ScanToken.op(t, j, "&.")
                    || ScanToken.op(t, j, ",") || ScanToken.op(t, j, "::")) {
                return; // a variable or a receiver, not a call
            }
            boolean paren = ScanToken.op(t, j, "(");
            if (paren) {
                j++;
                while (ScanToken.kind(t, j, ScanToken.NEWLINE)) {
                    j++;
                }
            }
            if (j >= t.size() || ends(j) && !paren || paren && ScanToken.op(t, j, ")")) {
                return; // named without an argument
            }
            if (name.text.equals("autoload")) {
                if (!(t.get(j).kind == SYMBOL || t.get(j).kind == ScanToken.STRING) || !ScanToken.op(t, j + 1, ",")) {
                    dynamic(name, j);
                    return;
                }
                j += 2;
                while (ScanToken.kind(t, j, ScanToken.NEWLINE)) {
                    j++;
                }
            }
            StringBuilder module = null;
            int last = j;
            while (j < t.size() && t.get(j).kind == ScanToken.STRING) {
                ScanToken a = t.get(j);
                if (a.value == null || (a.flags & NOT_PLAIN) != 0) {
                    module = null;
                    last = j;
                    j = t.size() + 1; // not a constant
                    break;
                }
                module = module == null ? new StringBuilder() : module;
                module.append(a.value);
                last = j;
                j++;
            }
            if (module == null || j < t.size() && !ends(j)) {
                dynamic(name, last);
                return;
            }
            String m = normalise(name.text, module.toString());
            if (m.isEmpty()) {
                dynamic(name, last);
                return;
            }
            b.importRef(m, List.of(), name.start, t.get(last).end - name.start, name.text, false);
        }

        /** Whether the token at {@code j} ends an argument. */
        private boolean ends(int j) {
            ScanToken x = t.get(j);
            return x.kind == ScanToken.NEWLINE || x.isOp(";") || x.isOp(")") || x.isOp(",") || x.isOp("}")
                    || x.isOp("&&") || x.isOp("||") || x.isOp("]")
                    || x.kind == ScanToken.IDENT && (x.flags & AFTER_DOT) == 0 && STATEMENT_END.contains(x.text);
        }

        private void dynamic(ScanToken name, int last) {
            int end = last < t.size() ? Math.max(name.end, t.get(last).end) : name.end;
            b.importRef(ImportRef.DYNAMIC, List.of(), name.start, end - name.start, name.text, true);
        }

        /** {@code socket.rb} is {@code socket}; a {@code require_relative} path is {@code ./path}. */
        private static String normalise(String loader, String path) {
            String p = path.strip();
            for (String ext : new String[] {".rb", ".so", ".bundle"}) {
                if (p.endsWith(ext) && p.length() > ext.length()) {
                    p = p.substring(0, p.length() - ext.length());
                    break;
                }
            }
            if (loader.equals("require_relative") && !p.isEmpty() && !p.startsWith(".") && !p.startsWith("/")) {
                p = "./" + p;
            }
            return p;
        }
    }
}
