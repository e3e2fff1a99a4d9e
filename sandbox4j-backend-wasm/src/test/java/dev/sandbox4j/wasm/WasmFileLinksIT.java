package dev.sandbox4j.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, finding 4, on the WebAssembly backend: the program links out of /workspace and /tmp (to files it made
 * elsewhere in the interpreter's file system), and the session's file reads and writes refuse to follow such links.
 */
@Tag("hostile")
class WasmFileLinksIT {
    private static WasmSandboxClient client;

    @BeforeAll
    static void start() {
        client = WasmTestSupport.builder().eventListener(SandboxEventListener.NONE).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            assertThat(client.processIds()).isEmpty();
        }
    }

    @Test
    void linksOutOfTheWritableDirectoriesAreNotFollowed() {
        try (SandboxSession s = client.openSession("python", SessionOptions.defaults())) {
            String made = s.run("""
                    import os
                    os.makedirs('/home/elsewhere', exist_ok=True)
                    open('/home/elsewhere/secret', 'w').write('not yours')
                    os.symlink('/home/elsewhere/secret', 'secret')
                    os.symlink('/home/elsewhere', 'home')
                    os.symlink('/home/elsewhere/pwned', '/tmp/out')
                    os.symlink('/tmp', 'tmplink')
                    open('/tmp/ok.txt', 'w').write('fine')
                    print('made')
                    """).stdout();
            assertThat(made).isEqualTo("made\n");
            assertThatThrownBy(() -> s.getFile("secret")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("outside the box's writable directories");
            assertThatThrownBy(() -> s.getFile("home/secret")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.putFile("/tmp/out", new byte[] {1}))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.putFile("home/sub/x", new byte[] {1}))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.putFile("home/secret", new byte[] {1}))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(new String(s.getFile("tmplink/ok.txt"), StandardCharsets.UTF_8)).isEqualTo("fine");
            assertThat(s.run("import os\nprint(sorted(os.listdir('/home/elsewhere')), open('/home/elsewhere/secret').read())")
                    .stdout()).isEqualTo("['secret'] not yours\n");
        }
    }
}
