package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shapes of Java source people submit, compiled and run in the real java box (OpenJDK 17): nested types before
 * {@code main}, several top-level types, a package, {@code main} in a non-public class, records and sealed types;
 * and what a Java 21 feature (pattern {@code switch}) does there.
 */
@Tag("docker")
class JavaSourcesIT {
    static SandboxClient client;
    static SandboxSession session;

    @BeforeAll
    static void start() {
        client = DockerTestSupport.client();
        session = client.openSession("java", DockerTestSupport.options().build());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            if (session != null) {
                session.close();
            }
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
    }

    /** Generous: javac's start-up in a 1-CPU box on a shared machine. */
    private static ExecutionResult run(String code) {
        return session.run(code, RunOptions.builder().timeout(Duration.ofSeconds(60))
                .compileTimeout(Duration.ofSeconds(180)).build());
    }

    private static void assertPrints(String code, String stdout) {
        ExecutionResult r = run(code);
        assertThat(r.status()).as(r.stdout() + r.stderr()).isEqualTo(ExecutionStatus.OK);
        assertThat(r.stdout()).isEqualTo(stdout);
    }

    @Test
    void nestedRecordsClassesEnumsAndInterfacesBeforeMain() {
        assertPrints("""
                import java.util.*;
                public class Hello {
                    record P(int x, int y) {}
                    static class Inner { int v = 3; }
                    enum Color { RED, GREEN }
                    interface Shape { double area(); }
                    public static void main(String[] args) {
                        Shape unit = () -> 1.0;
                        System.out.println(new P(1, 2) + " " + new Inner().v + " " + Color.GREEN + " " + unit.area());
                    }
                }
                """, "P[x=1, y=2] 3 GREEN 1.0\n");
    }

    @Test
    void severalTopLevelTypesAndAPackage() {
        assertPrints("""
                package com.example.app;

                record Pair(int a, int b) {}
                class Helper { static int twice(int x) { return 2 * x; } }
                public class App {
                    public static void main(String[] args) {
                        System.out.println(Helper.twice(new Pair(20, 1).a() + 1) + " " + App.class.getName());
                    }
                }
                """, "42 com.example.app.App\n");
    }

    @Test
    void mainInANonPublicClass() {
        assertPrints("""
                public class Util { static String hi() { return "hi"; } }
                class Runner { public static void main(String[] args) { System.out.println(Util.hi()); } }
                """, "hi\n");
    }

    @Test
    void recordsAndSealedInterfacesOnJava17() {
        assertPrints("""
                sealed interface Shape permits Circle, Square {}
                record Circle(double r) implements Shape {}
                record Square(double s) implements Shape {}
                public class Shapes {
                    static double area(Shape s) {
                        if (s instanceof Square q) { return q.s() * q.s(); }
                        if (s instanceof Circle c) { return 3 * c.r() * c.r(); }
                        throw new IllegalArgumentException();
                    }
                    public static void main(String[] args) {
                        System.out.println(area(new Square(2)) + " " + area(new Circle(1)) + " "
                                + Runtime.version().feature());
                    }
                }
                """, "4.0 3.0 17\n");
    }

    @Test
    void patternSwitchIsAClearCompileErrorOnJava17() {
        ExecutionResult r = run("""
                sealed interface Shape permits Circle, Square {}
                record Circle(double r) implements Shape {}
                record Square(double s) implements Shape {}
                public class Shapes {
                    static double area(Shape s) {
                        return switch (s) {
                            case Circle c -> 3 * c.r() * c.r();
                            case Square q -> q.s() * q.s();
                        };
                    }
                    public static void main(String[] args) { System.out.println(area(new Square(2))); }
                }
                """);
        assertThat(r.status()).isEqualTo(ExecutionStatus.COMPILE_ERROR);
        assertThat(r.stderr()).contains("Shapes.java").contains("patterns in switch statements are a preview feature");
        assertThat(r.stderr()).doesNotContain("should be declared in a file named");
    }
}
