package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sandbox4j.DataSize;
import dev.sandbox4j.FileTooLargeException;
import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.testing.FakeBackend;
import dev.sandbox4j.testing.FakeBackend.Behaviour;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SandboxSession#getFile(String, DataSize)}: the fake backend runs the session's real read script with the
 * host's /bin/sh, on files under /tmp (a path the session accepts as it is), so the bound is checked end to end.
 */
class SessionFileReadTest {
    final FakeBackend backend = new FakeBackend();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .install(InstallConfig.builder().caBundle(null).build()).build();
    /** Bytes each read script sent to the session. */
    final List<Integer> sent = new CopyOnWriteArrayList<>();
    /** PATH for the read script on the host ({@code null}: the host's). */
    volatile String path;
    Path dir;
    SandboxSession session;

    @BeforeEach
    void open() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "sandbox4j-read-");
        backend.behaviour = r -> isRead(r) ? runOnHost(r) : Behaviour.exit(0, "", "");
        session = client.openSession("python", SessionOptions.defaults());
        backend.execs.clear();
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static boolean isRead(ExecRequest r) {
        return r.argv().size() > 2 && r.argv().get(2).equals(BoxScripts.READ);
    }

    private Behaviour runOnHost(ExecRequest r) {
        try {
            ProcessBuilder pb = new ProcessBuilder(r.argv());
            if (path != null) {
                pb.environment().put("PATH", path);
            }
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            sent.add(out.length);
            return new Behaviour(out, err, p.exitValue(), false, false);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private String file(String name, int size) throws IOException {
        byte[] content = new byte[size];
        Arrays.fill(content, (byte) 'x');
        return Files.write(dir.resolve(name), content).toString();
    }

    @Test
    void aFileUpToTheLimitIsReadWithOneExec() throws IOException {
        String exact = file("exact.txt", 4096);
        assertThat(session.getFile(exact, DataSize.ofBytes(4096))).hasSize(4096).containsOnly('x');
        assertThat(backend.execs).hasSize(1);
        assertThat(session.getFile(file("empty.txt", 0), DataSize.ofBytes(0))).isEmpty();
    }

    @Test
    void aLargerFileIsRefusedWithItsSizeBeforeAnyOfItIsSent() throws IOException {
        String big = file("big.txt", 9000);
        FileTooLargeException e = catchThrowableOfType(FileTooLargeException.class,
                () -> session.getFile(big, DataSize.ofBytes(4096)));
        assertThat(e).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("file '" + big + "' is 9000 bytes, larger than 4 KiB");
        assertThat(e.path()).isEqualTo(big);
        assertThat(e.size()).hasValue(9000);
        assertThat(e.limit()).isEqualTo(DataSize.ofBytes(4096));
        assertThat(sent).containsExactly(0);
        assertThat(backend.execs).hasSize(1);
    }

    @Test
    void withoutStatTheReadStopsOneBytePastTheLimit() throws IOException {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        for (String tool : List.of("head", "realpath", "readlink")) { // what reads need, but no stat
            Files.createSymbolicLink(bin.resolve(tool), Path.of(which(tool)));
        }
        path = bin.toString();
        String big = file("big.txt", 9000);
        FileTooLargeException e = catchThrowableOfType(FileTooLargeException.class,
                () -> session.getFile(big, DataSize.ofBytes(4096)));
        assertThat(e).hasMessage("file '" + big + "' is larger than 4 KiB");
        assertThat(e.size()).isEmpty();
        assertThat(sent).containsExactly(4097);
        assertThat(session.getFile(file("small.txt", 4096), DataSize.ofBytes(4096))).hasSize(4096);
    }

    private static String which(String command) {
        for (String d : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(d, command))) {
                return Path.of(d, command).toString();
            }
        }
        throw new IllegalStateException("no " + command + " on the PATH");
    }

    @Test
    void aMissingFileOrADirectoryIsNoSuchFile() throws IOException {
        for (String p : List.of(dir.resolve("missing.txt").toString(), dir.toString())) {
            assertThatThrownBy(() -> session.getFile(p, DataSize.ofBytes(10))).as(p)
                    .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void theUnboundedReadAndAHigherLimitAreBoundByTheMostAnyReadReturns() throws IOException {
        String small = file("small.txt", 3);
        assertThat(session.getFile(small)).hasSize(3);
        assertThat(session.getFile(small, DataSize.ofGigabytes(8))).hasSize(3);
        assertThat(backend.execs).hasSize(2).allSatisfy(r -> assertThat(r.argv().subList(4, 7)).containsExactly(
                small, Long.toString(EngineLimits.MAX_FILE_READ),
                Long.toString(EngineLimits.MAX_FILE_READ + 1)));
    }

    @Test
    void theInterfacesDefaultReadsWholeAndThenChecksTheLength() {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("getFile") && args.length == 2) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            if (method.getName().equals("getFile")) {
                return new byte[10];
            }
            throw new UnsupportedOperationException(method.getName());
        };
        SandboxSession s = (SandboxSession) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SandboxSession.class}, h);
        assertThat(s.getFile("a.bin", DataSize.ofBytes(10))).hasSize(10);
        FileTooLargeException e = catchThrowableOfType(FileTooLargeException.class,
                () -> s.getFile("a.bin", DataSize.ofBytes(9)));
        assertThat(e.size()).hasValue(10);
        assertThat(e.limit()).isEqualTo(DataSize.ofBytes(9));
        assertThat(e.path()).isEqualTo("a.bin");
    }
}
