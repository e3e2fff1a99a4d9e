package dev.sandbox4j.core.lang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The file name javac needs and the class java runs, for the shapes people write, found both ways: with the JDK's
 * parser and with the lexical fallback used where {@code jdk.compiler} is missing. Each case: source, expected file
 * name (without .java), expected main class.
 */
class JavaLayoutTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("nested record before main", """
                        public class Hello {
                            record P(int x, int y) {}
                            public static void main(String[] args) { System.out.println(new P(1, 2)); }
                        }
                        """, "Hello", "Hello"),
                Arguments.of("static nested class, enum and interface before main", """
                        import java.util.*;
                        public class Solution {
                            static class Inner { int v; }
                            enum Color { RED, GREEN { @Override public String toString() { return "g"; } } }
                            interface Shape { double area(); }
                            private static final Comparator<int[]> BY_FIRST = new Comparator<>() {
                                class Local {}
                                public int compare(int[] a, int[] b) { return a[0] - b[0]; }
                            };
                            public static void main(String... args) { }
                        }
                        """, "Solution", "Solution"),
                Arguments.of("several top-level classes, the public one last", """
                        class Helper { static int twice(int x) { return 2 * x; } }
                        record Pair(int a, int b) {}
                        public class App {
                            public static void main(String[] a) { System.out.println(Helper.twice(21)); }
                        }
                        """, "App", "App"),
                Arguments.of("package declaration", """
                        package com.example.app;

                        import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

                        public final class Main {
                            static class Node {}
                            public static void main(String[] args) {}
                        }
                        """, "Main", "com.example.app.Main"),
                Arguments.of("main in a non-public class beside a public one", """
                        public class Util { static int one() { return 1; } }
                        class Runner { public static void main(String[] args) { System.out.println(Util.one()); } }
                        """, "Util", "Runner"),
                Arguments.of("no public class: the class with main names the file", """
                        class Helper {}
                        class Main { static void main(String[] a) {} }
                        class After {}
                        """, "Main", "Main"),
                Arguments.of("records, sealed interfaces and a pattern switch", """
                        sealed interface Shape permits Circle, Square {}
                        record Circle(double r) implements Shape {}
                        record Square(double s) implements Shape {}
                        public class Shapes {
                            static double area(Shape s) {
                                return switch (s) {
                                    case Circle c -> Math.PI * c.r() * c.r();
                                    case Square q -> q.s() * q.s();
                                };
                            }
                            public static void main(String[] args) { System.out.println(area(new Square(2))); }
                        }
                        """, "Shapes", "Shapes"),
                Arguments.of("braces and type keywords in comments, strings, text blocks and char literals", """
                        // public class Fake { public static void main(String[] a) {} }
                        /* class Other { */
                        public class Real {
                            static String s = "class Str { static void main(";
                            static String t = \"""
                                } public class Block { public static void main(String[] x) {
                                \""";
                            static char open = '{';
                            static char close = '}';
                            static Class<?> k = Real.class;
                            public static void main(String[] args) {}
                        }
                        """, "Real", "Real"),
                Arguments.of("main only in a nested class", """
                        public class Outer {
                            static class Launcher { public static void main(String[] a) {} }
                        }
                        """, "Outer", "Outer$Launcher"),
                Arguments.of("annotations with braces and generics before the type", """
                        @SuppressWarnings({"unchecked", "rawtypes"})
                        public class Gen<T extends Comparable<T>> {
                            public static <X> void helper(X x) {}
                            public static void main(String[] args) {}
                        }
                        """, "Gen", "Gen"),
                Arguments.of("an interface with main", """
                        interface Main { static void main(String[] a) { System.out.println(1); } }
                        """, "Main", "Main"),
                Arguments.of("a record named like a keyword's neighbour", """
                        public record Point(int x, int y) {
                            public static void main(String[] args) { var record = new Point(1, 2); }
                        }
                        """, "Point", "Point"),
                Arguments.of("no type at all", "System.out.println(1);", "Main", "Main"),
                Arguments.of("no main: the public type", "public class Lib { int x; }\nclass Other {}", "Lib", "Lib"));
    }

    static Stream<Arguments> bothWays() {
        return shapes().flatMap(a -> Stream.of(
                Arguments.of("jdk: " + a.get()[0], a.get()[1], a.get()[2], a.get()[3],
                        (Function<String, JavaLayout>) JavaLayout::withJdkParser),
                Arguments.of("lexical: " + a.get()[0], a.get()[1], a.get()[2], a.get()[3],
                        (Function<String, JavaLayout>) JavaLayout::withLexicalScan)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bothWays")
    void findsTheFileNameAndTheMainClass(String shape, String code, String file, String main,
            Function<String, JavaLayout> parser) {
        JavaLayout layout = parser.apply(code);
        assertThat(layout).as("the JDK's parser is there when the tests run on a JDK").isNotNull();
        assertThat(layout.fileName()).as("file").isEqualTo(file);
        assertThat(layout.mainClass()).as("main class").isEqualTo(main);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void planWritesTheFileJavacNeedsAndRunsTheMainClass(String shape, String code, String file, String main) {
        ExecutionPlan p = new JavaHandler().plan(code, new PlanContext("/tmp/r", List.of("arg")));
        assertThat(p.files()).containsOnlyKeys(file + ".java");
        assertThat(p.compile()).last().isEqualTo("/tmp/r/" + file + ".java");
        assertThat(p.argv()).endsWith(main, "arg");
    }

    /**
     * On a runtime without {@code jdk.compiler} (a JRE: here a JVM limited to {@code java.se}, which has
     * {@code java.compiler} but not the JDK's compiler) the handler still names the file right, through the lexical
     * scan.
     */
    @Test
    void worksWithoutTheJdkCompilerModule() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--limit-modules", "java.se", "-cp", System.getProperty("java.class.path"),
                JreMain.class.getName()).redirectErrorStream(true).start();
        p.getOutputStream().write("""
                public class Hello {
                    record P(int x) {}
                    static class Inner {}
                    public static void main(String[] args) {}
                }
                """.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out.strip()).isEqualTo("compiler=false file=Hello main=Hello");
    }

    /** Run by {@link #worksWithoutTheJdkCompilerModule}: prints what the handler decides for stdin's source. */
    static final class JreMain {
        public static void main(String[] args) throws Exception {
            String code = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("compiler=" + (javax.tools.ToolProvider.getSystemJavaCompiler() != null)
                    + " file=" + JavaHandler.fileName(code) + " main=" + JavaHandler.mainClass(code));
        }
    }
}
