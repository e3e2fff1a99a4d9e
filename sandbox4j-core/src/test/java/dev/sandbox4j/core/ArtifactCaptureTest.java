package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The runner's report of an output directory is checked like anything else that comes from the box. */
class ArtifactCaptureTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsFilesOfExactlyTheAnnouncedSizeAndSaysWhyOthersWereLeftOut() throws Exception {
        ArtifactCapture c = new ArtifactCapture();
        c.frame('A', b("f 5 ok.txt"));
        c.frame('C', b("he"));
        c.frame('C', b("llo"));
        c.frame('A', b("f 3 short.txt"));
        c.frame('C', b("ab"));
        c.frame('A', b("f 2 long.txt"));
        c.frame('C', b("abc"));
        c.frame('C', b("d"));
        c.frame('A', b("l 0 link"));
        c.frame('A', b("s 99999999999 huge.bin"));
        c.frame('A', b("o 0 fifo"));
        c.frame('L', b("entries=6"));
        ArtifactCapture.Result r = c.result().getNow(null);
        assertThat(r.artifacts()).extracting(dev.sandbox4j.Artifact::name).containsExactly("ok.txt");
        assertThat(new String(r.artifacts().get(0).content(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(r.dropped()).containsExactly("short.txt (changed while it was read)",
                "long.txt (larger than announced)", "link (symbolic link)", "huge.bin (99999999999 B)");
    }

    @Test
    void refusesNamesThatLeaveTheDirectory() {
        ArtifactCapture c = new ArtifactCapture();
        for (String name : new String[] {"../up", "/etc/passwd", "a/../../b", "a//b", "./x", ""}) {
            c.frame('A', b("f 1 " + name));
            c.frame('C', b("x"));
        }
        c.frame('A', b("f 1 fine/name.txt"));
        c.frame('C', b("x"));
        c.frame('A', b("f 1 fine/name.txt"));
        c.frame('C', b("y"));
        c.frame('L', b(""));
        ArtifactCapture.Result r = c.result().getNow(null);
        assertThat(r.artifacts()).extracting(dev.sandbox4j.Artifact::name).containsExactly("fine/name.txt");
        assertThat(new String(r.artifacts().get(0).content(), StandardCharsets.UTF_8)).isEqualTo("x");
        assertThat(r.dropped()).hasSize(7).allMatch(d -> d.endsWith("(not a valid name)"));
    }

    @Test
    void enforcesTheLimitsItselfWhateverTheRunnerSends() {
        ArtifactCapture c = new ArtifactCapture();
        for (int i = 0; i < EngineLimits.MAX_ARTIFACTS + 2; i++) {
            c.frame('A', b("f 1 f" + i));
            c.frame('C', b("x"));
        }
        c.frame('A', b("f " + (EngineLimits.MAX_ARTIFACT_BYTES + 1) + " big"));
        c.frame('L', b(""));
        ArtifactCapture.Result r = c.result().getNow(null);
        assertThat(r.artifacts()).hasSize(EngineLimits.MAX_ARTIFACTS);
        assertThat(r.dropped()).hasSize(3);
    }

    @Test
    void aQueueRoutesReportsInOrderAndFailsThoseLeftWhenTheRunnerDies() {
        ArtifactCapture.Queue q = new ArtifactCapture.Queue();
        ArtifactCapture first = new ArtifactCapture();
        ArtifactCapture second = new ArtifactCapture();
        q.add(first);
        q.add(second);
        assertThat(q.frame('O', b("x"))).isFalse();
        q.frame('A', b("f 1 a"));
        q.frame('C', b("1"));
        q.frame('L', b(""));
        q.failAll("runner exited");
        assertThat(first.result().getNow(null).artifacts()).hasSize(1);
        assertThat(second.result()).isCompletedExceptionally();
    }
}
