package dev.sandbox4j.core.lang;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.PrimitiveTypeTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import dev.sandbox4j.core.policy.scan.JavaScanner;
import java.io.Writer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.lang.model.element.Modifier;
import javax.lang.model.type.TypeKind;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;

/**
 * What {@code javac} and {@code java} need to know about one Java source file: the name the file must have (the
 * top-level public type, javac's rule) and the class whose {@code main} to run.
 *
 * <p>The source is parsed with the JDK's own parser ({@code com.sun.source} tree API through
 * {@link ToolProvider#getSystemJavaCompiler()}; parse only, nothing is compiled or loaded). On a runtime without the
 * {@code jdk.compiler} module (a JRE) a lexical scan takes its place: comments, strings, text blocks and char literals
 * are skipped (the policy's {@link JavaScanner}), and brace depth is tracked so that only top-level types (and types
 * nested directly in them) count.
 *
 * @param packageName the package, empty for the unnamed package
 * @param fileName    the file's simple name without {@code .java}
 * @param mainClass   the binary name of the class to run, package included (e.g. {@code a.b.Outer$Inner})
 */
record JavaLayout(String packageName, String fileName, String mainClass) {
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.\\s]+?)\\s*;", Pattern.MULTILINE);

    /** One type declaration found in the source, in source order. */
    private record Type(String binaryName, boolean topLevel, boolean isPublic, boolean hasMain) {}

    /** The layout of {@code code}; never throws. */
    static JavaLayout of(String code) {
        Parsed p;
        try {
            p = JdkParser.parse(code);
        } catch (RuntimeException | LinkageError e) {
            p = null; // no jdk.compiler, or the parser failed: javac will say what is wrong when it compiles
        }
        return (p != null ? p : Lexical.parse(code)).layout();
    }

    /** The layout the JDK's parser finds, or {@code null} without {@code jdk.compiler} (tests run both ways). */
    static @Nullable JavaLayout withJdkParser(String code) {
        Parsed p = JdkParser.parse(code);
        return p == null ? null : p.layout();
    }

    /** The layout the lexical fallback finds. */
    static JavaLayout withLexicalScan(String code) {
        return Lexical.parse(code).layout();
    }

    /** Package and types, whichever way they were found. */
    private record Parsed(String packageName, List<Type> types) {
        JavaLayout layout() {
            Type publicTop = null;
            Type firstTop = null;
            for (Type t : types) {
                if (t.topLevel() && firstTop == null) {
                    firstTop = t;
                }
                if (t.topLevel() && t.isPublic() && publicTop == null) {
                    publicTop = t;
                }
            }
            Type main = publicTop != null && publicTop.hasMain() ? publicTop : null;
            for (int pass = 0; pass < 2 && main == null; pass++) {
                for (Type t : types) {
                    // top-level types first, then types nested in them (run as Outer$Inner)
                    if (t.hasMain() && t.topLevel() == (pass == 0)) {
                        main = t;
                        break;
                    }
                }
            }
            String file = publicTop != null ? publicTop.binaryName()
                    : main != null ? outermost(main.binaryName())
                    : firstTop != null ? firstTop.binaryName() : "Main";
            String run = main != null ? main.binaryName() : file;
            return new JavaLayout(packageName, file, packageName.isEmpty() ? run : packageName + "." + run);
        }

        private static String outermost(String binaryName) {
            int i = binaryName.indexOf('$');
            return i < 0 ? binaryName : binaryName.substring(0, i);
        }
    }

    /** The JDK's parser. Only this class links against {@code jdk.compiler}. */
    static final class JdkParser {
        private static final @Nullable JavaCompiler JAVAC = find();

        private static @Nullable JavaCompiler find() {
            try {
                JavaCompiler c = ToolProvider.getSystemJavaCompiler();
                if (c != null) {
                    Class.forName("com.sun.source.util.JavacTask");
                }
                return c;
            } catch (RuntimeException | LinkageError | ClassNotFoundException e) {
                return null;
            }
        }

        static @Nullable Parsed parse(String code) {
            JavaCompiler javac = JAVAC;
            if (javac == null) {
                return null;
            }
            JavaFileObject source = new SimpleJavaFileObject(URI.create("string:///Main.java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return code;
                }
            };
            // syntax errors are javac's to report when the program is compiled; the parser recovers from them
            JavacTask task = (JavacTask) javac.getTask(Writer.nullWriter(), null, diagnostic -> { },
                    List.of("-proc:none"), null, List.of(source));
            String pkg = "";
            List<Type> types = new ArrayList<>();
            try {
                for (CompilationUnitTree unit : task.parse()) {
                    if (unit.getPackageName() != null) {
                        pkg = unit.getPackageName().toString();
                    }
                    for (Tree decl : unit.getTypeDecls()) {
                        if (decl instanceof ClassTree c && !c.getSimpleName().isEmpty()) {
                            add(types, c, null);
                        }
                    }
                }
            } catch (java.io.IOException e) {
                return null;
            }
            return new Parsed(pkg, types);
        }

        private static void add(List<Type> types, ClassTree c, @Nullable String outer) {
            String name = outer == null ? c.getSimpleName().toString() : outer + "$" + c.getSimpleName();
            boolean main = false;
            List<ClassTree> nested = new ArrayList<>();
            for (Tree member : c.getMembers()) {
                if (member instanceof MethodTree m && isMain(m)) {
                    main = true;
                } else if (member instanceof ClassTree n && outer == null) {
                    nested.add(n);
                }
            }
            types.add(new Type(name, outer == null, c.getModifiers().getFlags().contains(Modifier.PUBLIC), main));
            for (ClassTree n : nested) {
                add(types, n, name);
            }
        }

        private static boolean isMain(MethodTree m) {
            return m.getName().contentEquals("main") && m.getModifiers().getFlags().contains(Modifier.STATIC)
                    && m.getReturnType() instanceof PrimitiveTypeTree t && t.getPrimitiveTypeKind() == TypeKind.VOID
                    && m.getParameters().size() == 1;
        }
    }

    /**
     * The fallback without {@code jdk.compiler}: tokens of the code-only view (comments blanked, literal contents
     * blanked), with brace and parenthesis depth. A type declaration is a {@code class}/{@code interface}/
     * {@code enum} keyword (not after a dot: {@code Foo.class}) or {@code record Name(}/{@code record Name<} followed
     * by a name, at the level of the file or directly in a top-level type's body; its body is the next brace at that
     * level. {@code main} counts when {@code static} ... {@code void main(} appears directly in a type's body.
     */
    static final class Lexical {
        private Lexical() {}

        private static final class Open {
            final String name;
            final int bodyDepth;
            final int index;

            Open(String name, int bodyDepth, int index) {
                this.name = name;
                this.bodyDepth = bodyDepth;
                this.index = index;
            }
        }

        static Parsed parse(String code) {
            String text = new JavaScanner().scan(code).codeOnly();
            List<String> tokens = tokens(text);
            List<Type> types = new ArrayList<>();
            List<Open> stack = new ArrayList<>();
            List<String> statement = new ArrayList<>(); // tokens since the last ; { } at this level
            String pendingName = null;
            boolean pendingPublic = false;
            int depth = 0;
            int parens = 0;
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                Open top = stack.isEmpty() ? null : stack.get(stack.size() - 1);
                int memberDepth = top == null ? 0 : top.bodyDepth;
                switch (t) {
                    case "(" -> parens++;
                    case ")" -> parens = Math.max(0, parens - 1);
                    case "{" -> {
                        depth++;
                        if (pendingName != null && parens == 0) {
                            boolean topLevel = stack.isEmpty();
                            String name = topLevel ? pendingName : top.name + "$" + pendingName;
                            types.add(new Type(name, topLevel, pendingPublic, false));
                            stack.add(new Open(name, depth, types.size() - 1));
                            pendingName = null;
                        }
                        statement.clear();
                        continue;
                    }
                    case "}" -> {
                        if (top != null && top.bodyDepth == depth) {
                            stack.remove(stack.size() - 1);
                        }
                        depth = Math.max(0, depth - 1);
                        statement.clear();
                        continue;
                    }
                    case ";" -> {
                        if (parens == 0) {
                            statement.clear();
                            continue;
                        }
                    }
                    default -> {
                        if (depth == memberDepth && parens == 0 && (stack.size() < 2) && pendingName == null) {
                            String name = declaredType(tokens, i);
                            if (name != null) {
                                pendingName = name;
                                pendingPublic = statement.contains("public");
                            }
                        }
                        if (t.equals("main") && top != null && depth == top.bodyDepth && at(tokens, i + 1).equals("(")
                                && at(tokens, i - 1).equals("void") && statement.contains("static")) {
                            Type old = types.get(top.index);
                            types.set(top.index, new Type(old.binaryName(), old.topLevel(), old.isPublic(), true));
                        }
                    }
                }
                statement.add(t);
            }
            Matcher p = PACKAGE.matcher(text);
            String pkg = p.find() ? p.group(1).replaceAll("\\s+", "") : "";
            return new Parsed(pkg, types);
        }

        /** The name declared by the type keyword at {@code i}, or {@code null} if {@code i} starts no declaration. */
        private static @Nullable String declaredType(List<String> tokens, int i) {
            String t = tokens.get(i);
            String name = at(tokens, i + 1);
            if (!isIdentifier(name) || at(tokens, i - 1).equals(".")) {
                return null;
            }
            return switch (t) {
                case "class", "interface", "enum" -> name;
                case "record" -> at(tokens, i + 2).equals("(") || at(tokens, i + 2).equals("<") ? name : null;
                default -> null;
            };
        }

        private static String at(List<String> tokens, int i) {
            return i >= 0 && i < tokens.size() ? tokens.get(i) : "";
        }

        private static boolean isIdentifier(String s) {
            return !s.isEmpty() && Character.isJavaIdentifierStart(s.charAt(0));
        }

        /** Identifiers (and keywords) as one token each, every other non-blank character as its own token. */
        static List<String> tokens(String text) {
            List<String> out = new ArrayList<>();
            int i = 0;
            int n = text.length();
            while (i < n) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (Character.isJavaIdentifierStart(c)) {
                    int s = i;
                    while (i < n && Character.isJavaIdentifierPart(text.charAt(i))) {
                        i++;
                    }
                    out.add(text.substring(s, i));
                } else if (Character.isDigit(c)) {
                    while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_'
                            || text.charAt(i) == '.')) {
                        i++;
                    }
                    out.add("0");
                } else {
                    out.add(String.valueOf(c));
                    i++;
                }
            }
            return out;
        }
    }
}
