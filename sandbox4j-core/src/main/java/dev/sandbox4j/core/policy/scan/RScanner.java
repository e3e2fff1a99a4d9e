package dev.sandbox4j.core.policy.scan;

import static dev.sandbox4j.core.policy.scan.RLexer.ASSIGN;
import static dev.sandbox4j.core.policy.scan.RLexer.CLOSE;
import static dev.sandbox4j.core.policy.scan.RLexer.COMMA;
import static dev.sandbox4j.core.policy.scan.RLexer.DOLLAR;
import static dev.sandbox4j.core.policy.scan.RLexer.EQ;
import static dev.sandbox4j.core.policy.scan.RLexer.IDENT;
import static dev.sandbox4j.core.policy.scan.RLexer.NAME;
import static dev.sandbox4j.core.policy.scan.RLexer.NONE;
import static dev.sandbox4j.core.policy.scan.RLexer.NS;
import static dev.sandbox4j.core.policy.scan.RLexer.OPEN;
import static dev.sandbox4j.core.policy.scan.RLexer.STRING;

import dev.sandbox4j.core.policy.scan.RLexer.Token;
import dev.sandbox4j.policy.ImportRef;
import dev.sandbox4j.policy.ScannedSource;
import dev.sandbox4j.policy.SourceScanner;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Finds the packages R source loads. The lexing (comments, strings, raw strings, backquoted names) lives in
 * {@link RLexer}; this class follows its tokens with a stack of open brackets and matches the arguments of the calls
 * that load packages.
 *
 * <p>Imports:
 * <ul>
 *   <li>Calls of {@code library}, {@code require} (module from an unquoted name or a string; with
 *       {@code character.only} set to anything but {@code FALSE}/{@code F}, a name is a variable, so
 *       {@link ImportRef#DYNAMIC}), {@code requireNamespace}, {@code loadNamespace}, {@code attachNamespace} (a string;
 *       anything else is {@link ImportRef#DYNAMIC}). Arguments are matched as R does: exact names, then partial names
 *       ({@code library(x, char = TRUE)}), then position ({@code library(x, , , , TRUE)}). The called function may be
 *       written {@code base::library}, {@code `library`} or {@code "library"}. Form: the function's name.
 *   <li>{@code pkg::fun}, {@code pkg:::fun} (also {@code `pkg`::} and {@code "pkg"::}): module {@code pkg}, form
 *       {@code "namespace"}.
 *   <li>{@code dyn.load("x.so")}: module {@code x.so}, form {@code "dyn.load"}.
 *   <li>Dynamic, {@code dynamic = true}: one of the five functions used as a value rather than called
 *       ({@code lapply(pkgs, library, character.only = TRUE)}, {@code do.call(library, list("x"))}), or named by a string
 *       given to {@code do.call}, {@code get}, {@code get0} or {@code match.fun}.
 * </ul>
 *
 * <p>Offsets point at the called function's name (or the package name before {@code ::}). Not an evaluator: a call
 * wrapped in another ({@code suppressPackageStartupMessages(library(x))}) is found, but redefinitions of
 * {@code library} and helpers such as {@code pacman::p_load} are not followed (the latter is reported as namespace
 * {@code pacman}). Stateless and thread-safe; linear time (one pass with a stack of open brackets); never throws.
 */
public final class RScanner implements SourceScanner {
    private static final String[] LIBRARY = {
        "package", "help", "pos", "lib.loc", "character.only", "logical.return", "warn.conflicts", "quietly", "verbose",
        "mask.ok", "exclude", "include.only", "attach.required"
    };
    private static final String[] REQUIRE = {"package", "lib.loc", "quietly", "warn.conflicts", "character.only"};
    private static final String[] REQUIRE_NAMESPACE = {"package"};
    private static final String[] LOAD_NAMESPACE = {
        "package", "lib.loc", "keep.source", "partial", "versionCheck", "keep.parse.data"
    };
    private static final String[] ATTACH_NAMESPACE = {"ns", "pos", "depends", "exclude", "include.only"};
    private static final String[] DYN_LOAD = {"x", "local", "now"};
    private static final String[] DO_CALL = {"what", "args", "quote", "envir"};
    private static final String[] GET = {"x", "pos", "envir", "mode", "inherits"};
    private static final String[] GET0 = {"x", "envir", "mode", "inherits", "ifnotfound"};
    private static final String[] MATCH_FUN = {"FUN", "descend"};

    /** Functions that load a package: calling one is an import, naming one without calling it is dynamic. */
    private static final List<String> LOADERS =
            List.of("library", "require", "requireNamespace", "loadNamespace", "attachNamespace");

    public RScanner() {}

    @Override
    public ScannedSource scan(String code) {
        return scan(code, UnaryOperator.identity());
    }

    /**
     * Scans {@code code}, reading its characters through {@code view} applied to the text (the identity here; tests
     * wrap it to count the characters read).
     */
    static ScannedSource scan(String code, UnaryOperator<CharSequence> view) {
        return new Finder(code, view).run();
    }

    @Override
    public char moduleSeparator() {
        return 0;
    }

    /** One argument of a call: its name if given, its value if a single token, whether it was empty. */
    private record Arg(@Nullable String name, @Nullable Token value, boolean empty) {}

    /** An open bracket; calls of interesting functions collect their arguments. */
    private static final class Frame {
        static final Frame PLAIN = new Frame(null, null, 0);

        final @Nullable String func;
        final String @Nullable [] formals;
        final int offset;
        final List<Arg> args = new ArrayList<>();
        @Nullable String name;
        int count;
        @Nullable Token first;

        Frame(@Nullable String func, String @Nullable [] formals, int offset) {
            this.func = func;
            this.formals = formals;
            this.offset = offset;
        }

        boolean collects() {
            return formals != null;
        }

        void feed(Token t) {
            if (++count == 1) {
                first = t;
            }
        }

        void finishArg(boolean closing) {
            if (!collects()) {
                return; // PLAIN is shared: never mutated
            }
            if (closing && args.isEmpty() && count == 0 && name == null) {
                return; // f()
            }
            args.add(new Arg(name, count == 1 ? first : null, count == 0));
            name = null;
            count = 0;
            first = null;
        }
    }

    /** Follows the tokens of one text with a stack of open brackets and records the imports it finds. */
    private static final class Finder {
        private final RLexer lexer;
        private final SourceBuilder out;
        private final List<Frame> stack = new ArrayList<>();

        private Token last = Token.NONE_YET;
        private int beforeKind = NONE;

        Finder(String code, UnaryOperator<CharSequence> view) {
            this.out = new SourceBuilder(code);
            this.lexer = new RLexer(view.apply(code), code.length(), out);
        }

        ScannedSource run() {
            for (Token t = lexer.next(); t != null; t = lexer.next()) {
                token(t);
            }
            checkBare(NONE, ' ');
            while (!stack.isEmpty()) {
                Frame f = stack.remove(stack.size() - 1);
                f.finishArg(true);
                resolve(f);
            }
            return out.build();
        }

        private void token(Token t) {
            int kind = t.kind();
            checkBare(kind, t.first());
            if (kind == NS && (last.kind() == IDENT || last.kind() == NAME || last.kind() == STRING)) {
                String module = value(last);
                if (!module.isEmpty()) {
                    out.importRef(module, List.of(), last.start(), t.end() - last.start(), "namespace", false);
                }
            }
            Frame top = stack.isEmpty() ? null : stack.get(stack.size() - 1);
            boolean collecting = top != null && top.collects();
            switch (kind) {
                case OPEN -> {
                    if (collecting) {
                        top.feed(t);
                    }
                    stack.add(t.first() == '(' ? callFrame() : Frame.PLAIN);
                }
                case CLOSE -> {
                    if (!stack.isEmpty()) {
                        Frame f = stack.remove(stack.size() - 1);
                        f.finishArg(true);
                        resolve(f);
                    }
                }
                case COMMA -> {
                    if (collecting) {
                        top.finishArg(false);
                    }
                }
                case EQ -> {
                    if (collecting && top.name == null && top.count == 1 && isNameLike(top.first)) {
                        top.name = value(top.first);
                        top.count = 0;
                        top.first = null;
                    } else if (collecting) {
                        top.feed(t);
                    }
                }
                default -> {
                    if (collecting) {
                        top.feed(t);
                    }
                }
            }
            beforeKind = last.kind();
            last = t;
        }

        /** A loader named (not called): {@code lapply(pkgs, library, character.only = TRUE)}. */
        private void checkBare(int next, char ch) {
            if ((last.kind() != IDENT && last.kind() != NAME) || beforeKind == DOLLAR) {
                return;
            }
            if ((next == OPEN && ch == '(') || next == EQ || next == ASSIGN || next == NS) {
                return;
            }
            String loader = loader(last.vs(), last.ve());
            if (loader != null) {
                out.importRef(ImportRef.DYNAMIC, List.of(), last.start(), last.end() - last.start(), loader,
                        true);
            }
        }

        /** The frame for a {@code (} just read: a call of an interesting function collects its arguments. */
        private Frame callFrame() {
            if ((last.kind() != IDENT && last.kind() != NAME && last.kind() != STRING) || beforeKind == DOLLAR) {
                return Frame.PLAIN;
            }
            int vs = last.vs();
            int ve = last.ve();
            String[] formals = null;
            String func = loader(vs, ve);
            if (func != null) {
                formals = switch (func) {
                    case "library" -> LIBRARY;
                    case "require" -> REQUIRE;
                    case "requireNamespace" -> REQUIRE_NAMESPACE;
                    case "loadNamespace" -> LOAD_NAMESPACE;
                    default -> ATTACH_NAMESPACE;
                };
            } else if (is(vs, ve, "dyn.load")) {
                func = "dyn.load";
                formals = DYN_LOAD;
            } else if (is(vs, ve, "do.call")) {
                func = "do.call";
                formals = DO_CALL;
            } else if (is(vs, ve, "get")) {
                func = "get";
                formals = GET;
            } else if (is(vs, ve, "get0")) {
                func = "get0";
                formals = GET0;
            } else if (is(vs, ve, "match.fun")) {
                func = "match.fun";
                formals = MATCH_FUN;
            }
            return func == null ? Frame.PLAIN : new Frame(func, formals, last.start());
        }

        private void resolve(Frame f) {
            if (!f.collects() || f.func == null || f.formals == null) {
                return;
            }
            Arg[] actual = match(f.formals, f.args);
            String func = f.func;
            int length = 0;
            switch (func) {
                case "library", "require" -> {
                    Arg pkg = actual[0];
                    if (pkg == null || pkg.empty()) {
                        return; // library() lists packages; library(help = x) attaches nothing
                    }
                    Arg co = actual[4];
                    boolean characterOnly = co != null && !co.empty() && !isFalse(co.value());
                    Token v = pkg.value();
                    if (v != null && (v.kind() == STRING || (isNameLike(v) && !characterOnly))) {
                        emit(value(v), f, func);
                    } else {
                        emitDynamic(f, func);
                    }
                }
                case "requireNamespace", "loadNamespace", "attachNamespace", "dyn.load" -> {
                    Arg pkg = actual[0];
                    if (pkg == null || pkg.empty()) {
                        return;
                    }
                    Token v = pkg.value();
                    if (v != null && v.kind() == STRING) {
                        emit(value(v), f, func);
                    } else {
                        emitDynamic(f, func);
                    }
                }
                default -> { // do.call, get, get0, match.fun
                    Arg what = actual[0];
                    Token v = what == null ? null : what.value();
                    if (v != null && v.kind() == STRING && LOADERS.contains(value(v))) {
                        emitDynamic(f, func);
                    }
                }
            }
        }

        private void emit(String module, Frame f, String form) {
            if (module.isEmpty()) {
                emitDynamic(f, form);
            } else {
                out.importRef(module, List.of(), f.offset, nameLength(f), form, false);
            }
        }

        private void emitDynamic(Frame f, String form) {
            out.importRef(ImportRef.DYNAMIC, List.of(), f.offset, nameLength(f), form, true);
        }

        /** Length of the function name at a frame's offset (the import's text is the name). */
        private int nameLength(Frame f) {
            return lexer.nameLength(f.offset);
        }

        /** R's argument matching: exact names, then unique partial names, then positions. */
        private static Arg[] match(String[] formals, List<Arg> args) {
            Arg[] actual = new Arg[formals.length];
            boolean[] used = new boolean[args.size()];
            for (int a = 0; a < args.size(); a++) {
                String name = args.get(a).name();
                if (name == null) {
                    continue;
                }
                for (int k = 0; k < formals.length; k++) {
                    if (actual[k] == null && formals[k].equals(name)) {
                        actual[k] = args.get(a);
                        used[a] = true;
                        break;
                    }
                }
            }
            for (int a = 0; a < args.size(); a++) {
                String name = args.get(a).name();
                if (name == null || used[a] || name.isEmpty()) {
                    continue;
                }
                int found = -1;
                int matches = 0;
                for (int k = 0; k < formals.length; k++) {
                    if (actual[k] == null && formals[k].startsWith(name)) {
                        found = k;
                        matches++;
                    }
                }
                if (matches == 1) {
                    actual[found] = args.get(a);
                    used[a] = true;
                }
            }
            int k = 0;
            for (int a = 0; a < args.size(); a++) {
                if (used[a] || args.get(a).name() != null) {
                    continue;
                }
                while (k < formals.length && actual[k] != null) {
                    k++;
                }
                if (k >= formals.length) {
                    break;
                }
                actual[k++] = args.get(a);
            }
            return actual;
        }

        private boolean isFalse(@Nullable Token t) {
            return t != null && t.kind() == IDENT && (is(t.vs(), t.ve(), "FALSE") || is(t.vs(), t.ve(), "F"));
        }

        private static boolean isNameLike(@Nullable Token t) {
            return t != null && (t.kind() == IDENT || t.kind() == NAME || t.kind() == STRING);
        }

        private String value(Token t) {
            return lexer.value(t);
        }

        private @Nullable String loader(int vs, int ve) {
            for (String l : LOADERS) {
                if (is(vs, ve, l)) {
                    return l;
                }
            }
            return null;
        }

        private boolean is(int i, int j, String word) {
            return lexer.is(i, j, word);
        }
    }
}
