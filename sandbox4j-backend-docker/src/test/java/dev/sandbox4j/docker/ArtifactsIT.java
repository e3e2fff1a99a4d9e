package dev.sandbox4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.Artifact;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.ExecutionStatus;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Artifact capture against the real engine: matplotlib with and without show(), R plots, output-directory files. */
@Tag("docker")
class ArtifactsIT {
    static final RunOptions CAPTURE = RunOptions.builder().captureArtifacts(true).timeout(Duration.ofSeconds(60))
            .build();
    static SandboxClient client;

    @BeforeAll
    static void start() {
        client = DockerTestSupport.client();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            DockerTestSupport.assertNoLeftovers();
        }
    }

    @Test
    void matplotlibFiguresComeBackAsPngsWithoutSavefig() throws IOException {
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("""
                    import matplotlib.pyplot as plt
                    plt.plot([1, 2, 3], [4, 1, 9]); plt.title('shown')
                    plt.show()
                    fig, ax = plt.subplots(figsize=(3, 2))
                    ax.bar(['a', 'b'], [3, 5])   # never shown: saved when the program ends
                    print('done')
                    """, CAPTURE);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("done\n");
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("figure-1.png", "figure-2.png");
            for (Artifact a : r.artifacts()) {
                assertThat(a.mimeType()).isEqualTo("image/png");
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(a.content()));
                assertThat(img).as("%s decodes as an image", a.name()).isNotNull();
                assertThat(img.getWidth()).isGreaterThan(100);
                assertThat(a.base64()).startsWith("iVBORw0KGgo"); // PNG signature
            }
            // without capture nothing is collected, and the next capturing run starts with an empty directory
            ExecutionResult plain = s.run("import matplotlib.pyplot as plt; plt.plot([1]); plt.show()");
            assertThat(plain.artifacts()).isEmpty();
            ExecutionResult again = s.run("print(1)", CAPTURE);
            assertThat(again.artifacts()).isEmpty();
        }
    }

    @Tag("hostile")
    @Test
    void theSanitiserCleansTextArtifactsAndLeavesPlotsAlone() throws IOException {
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options()
                .sanitizer(dev.sandbox4j.policy.OutputSanitizer.defaults()).build())) {
            ExecutionResult r = s.run("""
                    import json, os
                    import matplotlib.pyplot as plt
                    out = os.environ['SANDBOX4J_OUTPUT_DIR']
                    json.dump({'password': ['a', 'b'], 'user': 'bob'}, open(os.path.join(out, 'config.json'), 'w'))
                    open(os.path.join(out, 'users.csv'), 'w').write('user,password\\nbob,hunter2\\n')
                    plt.plot([1, 2]); plt.title('password=hunter2'); plt.savefig(os.path.join(out, 'plot.png')); plt.close()
                    print('PASSWORD=a b c')
                    """, CAPTURE);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("PASSWORD=[REDACTED:password]\n");
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("config.json", "plot.png", "users.csv");
            String json = new String(r.artifacts().get(0).content(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json).isEqualTo("{\"password\": \"[REDACTED:password]\", \"user\": \"bob\"}");
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(json); // still JSON
            assertThat(new String(r.artifacts().get(2).content(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("user,password\nbob,[REDACTED:password]\n");
            assertThat(ImageIO.read(new ByteArrayInputStream(r.artifacts().get(1).content()))).isNotNull();
            assertThat(r.redactions()).extracting(dev.sandbox4j.policy.Redaction::kind).containsExactly("password");
            assertThat(r.redactions().get(0).count()).isEqualTo(3);
        }
    }

    @Test
    void anyFileWrittenToTheOutputDirectoryIsAnArtifact() {
        try (SandboxSession s = client.openSession("python", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("""
                    import os, pandas as pd
                    out = os.environ['SANDBOX4J_OUTPUT_DIR']
                    pd.DataFrame({'x': [1, 2], 'y': [3, 4]}).to_csv(os.path.join(out, 'table.csv'), index=False)
                    os.makedirs(os.path.join(out, 'sub'))
                    open(os.path.join(out, 'sub', 'notes.txt'), 'w').write('hi')
                    os.symlink('/etc/passwd', os.path.join(out, 'link'))
                    """, CAPTURE);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactlyInAnyOrder("table.csv", "sub/notes.txt");
            Artifact csv = r.artifacts().stream().filter(a -> a.name().equals("table.csv")).findFirst().orElseThrow();
            assertThat(csv.mimeType()).isEqualTo("text/csv");
            assertThat(new String(csv.content())).isEqualTo("x,y\n1,3\n2,4\n");
            assertThat(r.stderr()).contains("link (symbolic link)");
        }
    }

    @Test
    void theRunnerEmptiesAndReportsTheOutputDirectoryWithoutAnEngineExec() {
        CountingDockerBackend.Factory counting = new CountingDockerBackend.Factory();
        try (SandboxClient c = DockerTestSupport.clientBuilder().backendFactory(counting).build();
                SandboxSession s = c.openSession("python", DockerTestSupport.options().freshInterpreter(true)
                        .build())) {
            assertThat(s.run("print('runner up')").stdout()).isEqualTo("runner up\n");
            CountingDockerBackend engine = counting.backend;
            long before = engine.execsBy(Thread.currentThread());
            ExecutionResult r = s.run("""
                    import os
                    out = os.environ['SANDBOX4J_OUTPUT_DIR']
                    print(sorted(os.listdir(out)))
                    open(os.path.join(out, 'a.txt'), 'w').write('one')
                    os.makedirs(os.path.join(out, 'sub'))
                    open(os.path.join(out, 'sub', 'b.csv'), 'w').write('x,y\\n1,2\\n')
                    os.symlink('/etc/passwd', os.path.join(out, 'passwd'))
                    """, CAPTURE);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("[]\n");
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("a.txt", "sub/b.csv");
            assertThat(new String(r.artifacts().get(1).content())).isEqualTo("x,y\n1,2\n");
            assertThat(r.stderr()).contains("passwd (symbolic link)").doesNotContain("root:");
            ExecutionResult nothing = s.run("import os; print(sorted(os.listdir(os.environ['SANDBOX4J_OUTPUT_DIR'])))",
                    CAPTURE);
            assertThat(nothing.stdout()).as("the first run's files were emptied").isEqualTo("[]\n");
            assertThat(nothing.artifacts()).isEmpty();
            assertThat(engine.execsBy(Thread.currentThread()) - before)
                    .as("emptying and reading back took no engine exec").isZero();
        }
    }

    @Test
    void aKernelCellsFilesComeBackThroughTheRunnerToo() {
        CountingDockerBackend.Factory counting = new CountingDockerBackend.Factory();
        try (SandboxClient c = DockerTestSupport.clientBuilder().backendFactory(counting).build();
                SandboxSession s = c.openSession("python", DockerTestSupport.options().stateful(true).build())) {
            assertThat(s.run("x = 1").status()).isEqualTo(ExecutionStatus.OK);
            CountingDockerBackend engine = counting.backend;
            long before = engine.execsBy(Thread.currentThread());
            ExecutionResult r = s.run("""
                    import os
                    out = os.environ['SANDBOX4J_OUTPUT_DIR']
                    open(os.path.join(out, 'cell.txt'), 'w').write('from a cell')
                    os.symlink('/etc/passwd', os.path.join(out, 'passwd'))
                    """, CAPTURE);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.artifacts()).extracting(Artifact::name).containsExactly("cell.txt");
            assertThat(new String(r.artifacts().get(0).content())).isEqualTo("from a cell");
            assertThat(r.stderr()).contains("passwd (symbolic link)");
            assertThat(s.run("x += 1", CAPTURE).artifacts()).as("the kernel empties the directory per cell").isEmpty();
            assertThat(engine.execsBy(Thread.currentThread()) - before)
                    .as("no engine exec to read the cells' files back").isZero();
        }
    }

    @Test
    void rPlotsComeBackAsPngs() throws IOException {
        try (SandboxSession s = client.openSession("r", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("""
                    plot(1:10, main = "one")
                    hist(c(1, 2, 2, 3, 3, 3))
                    cat("plotted\\n")
                    """, CAPTURE);
            assertThat(r.status()).as(r.stderr()).isEqualTo(ExecutionStatus.OK);
            assertThat(r.stdout()).isEqualTo("plotted\n");
            assertThat(r.artifacts()).hasSize(2).allSatisfy(a -> assertThat(a.mimeType()).isEqualTo("image/png"));
            for (Artifact a : r.artifacts()) {
                assertThat(ImageIO.read(new ByteArrayInputStream(a.content()))).as(a.name()).isNotNull();
            }
        }
    }

    @Test
    void commandsCanProduceArtifactsToo() {
        try (SandboxSession s = client.openSession("javascript", DockerTestSupport.options().build())) {
            ExecutionResult r = s.run("require('fs').writeFileSync(process.env.SANDBOX4J_OUTPUT_DIR + '/data.json', "
                    + "JSON.stringify({a: 1}))", CAPTURE);
            assertThat(r.artifacts()).singleElement().satisfies(a -> {
                assertThat(a.name()).isEqualTo("data.json");
                assertThat(a.mimeType()).isEqualTo("application/json");
                assertThat(new String(a.content())).isEqualTo("{\"a\":1}");
            });
            ExecutionResult e = s.exec(java.util.List.of("/bin/sh", "-c", "echo x > \"$SANDBOX4J_OUTPUT_DIR/x.txt\""),
                    CAPTURE);
            assertThat(e.artifacts()).extracting(Artifact::name).containsExactly("x.txt");
        }
    }
}
