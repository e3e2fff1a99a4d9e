package dev.sandbox4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecRequestTest {
    private static final byte[] NO_STDIN = new byte[0];

    @Test
    void holdsWhatItIsGiven() {
        ExecRequest request =
                new ExecRequest(List.of("python3", "main.py"), Map.of("A", "1"), "65534:65534", "/workspace", NO_STDIN);

        assertThat(request.argv()).containsExactly("python3", "main.py");
        assertThat(request.env()).containsOnly(Map.entry("A", "1"));
        assertThat(request.user()).isEqualTo("65534:65534");
        assertThat(request.workdir()).isEqualTo("/workspace");
        assertThat(request.stdin()).isEmpty();
    }

    @Test
    void rejectsEmptyArgv() {
        assertThatThrownBy(() -> new ExecRequest(List.of(), Map.of(), "65534:65534", "/workspace", NO_STDIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argv must not be empty");
    }

    @Test
    void rejectsMissingFieldsNamingThem() {
        List<String> argv = List.of("true");
        assertThatThrownBy(() -> new ExecRequest(argv, Map.of(), null, "/workspace", NO_STDIN))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("user");
        assertThatThrownBy(() -> new ExecRequest(argv, Map.of(), "1:1", null, NO_STDIN))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("workdir");
        assertThatThrownBy(() -> new ExecRequest(argv, Map.of(), "1:1", "/workspace", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("stdin");
    }

    @Test
    void copiesArgvAndEnvAndKeepsThemUnmodifiable() {
        List<String> argv = new ArrayList<>(List.of("sh"));
        Map<String, String> env = new HashMap<>(Map.of("A", "1"));
        ExecRequest request = new ExecRequest(argv, env, "1:1", "/workspace", NO_STDIN);

        argv.add("-c");
        env.put("B", "2");

        assertThat(request.argv()).containsExactly("sh");
        assertThat(request.env()).containsOnly(Map.entry("A", "1"));
        assertThatThrownBy(() -> request.argv().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> request.env().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void mutatingTheStdinArrayDoesNotChangeTheRequest() {
        byte[] stdin = {1, 2, 3};
        ExecRequest request = new ExecRequest(List.of("cat"), Map.of(), "1:1", "/workspace", stdin);

        stdin[0] = 9;
        request.stdin()[1] = 9;

        assertThat(request.stdin()).containsExactly(1, 2, 3);
    }

    @Test
    void equalsComparesStdinByContentAndToStringHidesIt() {
        ExecRequest a = new ExecRequest(List.of("cat"), Map.of(), "1:1", "/workspace", new byte[] {'s', 'e', 'c'});
        ExecRequest b = new ExecRequest(List.of("cat"), Map.of(), "1:1", "/workspace", new byte[] {'s', 'e', 'c'});
        ExecRequest c = new ExecRequest(List.of("cat"), Map.of(), "1:1", "/workspace", new byte[] {'x'});

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
        assertThat(a.toString()).contains("stdin=3 bytes").doesNotContain("[B@").doesNotContain("sec");
    }
}
