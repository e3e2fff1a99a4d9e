package dev.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class InstallConfigTest {
    private static final Path HOST_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

    @Test
    void defaultsUseThePublicRegistriesTheBridgeNetworkAndFiveMinutes() {
        InstallConfig c = InstallConfig.defaults();
        assertThat(c.pipIndexUrl()).isNull();
        assertThat(c.pipExtraIndexUrls()).isEmpty();
        assertThat(c.pipTrustedHosts()).isEmpty();
        assertThat(c.npmRegistry()).isNull();
        assertThat(c.mavenRepository()).isEqualTo("https://repo.maven.apache.org/maven2");
        assertThat(c.goProxy()).isNull();
        assertThat(c.goSumDb()).isNull();
        assertThat(c.cranRepository()).isEqualTo("https://cloud.r-project.org");
        assertThat(c.network()).isEqualTo("bridge");
        assertThat(c.timeout()).isEqualTo(Duration.ofMinutes(5)).isEqualTo(InstallConfig.DEFAULT_TIMEOUT);
        assertThat(c.caBundle()).isEqualTo(Files.isReadable(HOST_BUNDLE) ? HOST_BUNDLE : null);
        assertThat(InstallConfig.builder().build()).isEqualTo(c);
    }

    private static InstallConfig full() {
        return InstallConfig.builder()
                .pipIndexUrl("http://mirror:8080/simple")
                .pipExtraIndexUrl("https://extra.example/simple")
                .pipExtraIndexUrl("file:///srv/wheels")
                .pipTrustedHost("mirror")
                .pipTrustedHost("10.0.0.7:8080")
                .npmRegistry("https://npm.example/")
                .mavenRepository("file:///srv/m2")
                .goProxy("https://proxy.example,direct")
                .goSumDb("off")
                .cranRepository("http://cran.example")
                .network("sandbox_egress-1.net")
                .caBundle(Path.of("/opt/ca.pem"))
                .timeout(Duration.ofSeconds(90))
                .build();
    }

    @Test
    void builderSetsEveryFieldAndToBuilderRoundTrips() {
        InstallConfig c = full();
        assertThat(c.pipIndexUrl()).isEqualTo("http://mirror:8080/simple");
        assertThat(c.pipExtraIndexUrls()).containsExactly("https://extra.example/simple", "file:///srv/wheels");
        assertThat(c.pipTrustedHosts()).containsExactly("mirror", "10.0.0.7:8080");
        assertThat(c.npmRegistry()).isEqualTo("https://npm.example/");
        assertThat(c.mavenRepository()).isEqualTo("file:///srv/m2");
        assertThat(c.goProxy()).isEqualTo("https://proxy.example,direct");
        assertThat(c.goSumDb()).isEqualTo("off");
        assertThat(c.cranRepository()).isEqualTo("http://cran.example");
        assertThat(c.network()).isEqualTo("sandbox_egress-1.net");
        assertThat(c.caBundle()).isEqualTo(Path.of("/opt/ca.pem"));
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(90));

        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        // the builder copies the lists: adding to it leaves the original alone
        InstallConfig more = c.toBuilder().pipTrustedHost("other").pipExtraIndexUrl("https://x.example").build();
        assertThat(more.pipTrustedHosts()).containsExactly("mirror", "10.0.0.7:8080", "other");
        assertThat(c.pipTrustedHosts()).containsExactly("mirror", "10.0.0.7:8080");
        assertThat(c.pipExtraIndexUrls()).hasSize(2);
        // nullable fields can be cleared again
        InstallConfig cleared = c.toBuilder().pipIndexUrl(null).npmRegistry(null).goProxy(null).goSumDb(null)
                .caBundle(null).build();
        assertThat(cleared.pipIndexUrl()).isNull();
        assertThat(cleared.npmRegistry()).isNull();
        assertThat(cleared.goProxy()).isNull();
        assertThat(cleared.goSumDb()).isNull();
        assertThat(cleared.caBundle()).isNull();
    }

    @Test
    void listsAreCopiedAndUnmodifiable() {
        List<String> hosts = new ArrayList<>(List.of("a"));
        InstallConfig d = InstallConfig.defaults();
        InstallConfig c = new InstallConfig(null, List.of(), hosts, null, d.mavenRepository(), null, null,
                d.cranRepository(), "bridge", null, Duration.ofSeconds(1));
        hosts.add("b");
        assertThat(c.pipTrustedHosts()).containsExactly("a");
        assertThatThrownBy(() -> c.pipTrustedHosts().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.pipExtraIndexUrls().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    static Stream<Arguments> urlSetters() {
        return Stream.of(
                Arguments.of("pipIndexUrl", (Function<String, InstallConfig.Builder>)
                        u -> InstallConfig.builder().pipIndexUrl(u)),
                Arguments.of("pipExtraIndexUrls", (Function<String, InstallConfig.Builder>)
                        u -> InstallConfig.builder().pipExtraIndexUrl(u)),
                Arguments.of("npmRegistry", (Function<String, InstallConfig.Builder>)
                        u -> InstallConfig.builder().npmRegistry(u)),
                Arguments.of("mavenRepository", (Function<String, InstallConfig.Builder>)
                        u -> InstallConfig.builder().mavenRepository(u)),
                Arguments.of("cranRepository", (Function<String, InstallConfig.Builder>)
                        u -> InstallConfig.builder().cranRepository(u)),
                Arguments.of("goProxy", (Function<String, InstallConfig.Builder>)
                        u -> InstallConfig.builder().goProxy(u)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("urlSetters")
    void urlsMayBeHttpHttpsOrFile(String field, Function<String, InstallConfig.Builder> set) {
        for (String ok : List.of("http://mirror:8080/simple", "https://repo.example/maven2/", "file:///srv/repo")) {
            assertThat(set.apply(ok).build()).as(ok).isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("urlSetters")
    void otherUrlsAreRejectedNamingTheField(String field, Function<String, InstallConfig.Builder> set) {
        for (String bad : List.of("ftp://mirror/simple", "garbage", "mirror.example/simple", "not a url",
                "javascript:alert(1)", "", "-x")) {
            assertThatThrownBy(() -> set.apply(bad).build()).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(field);
        }
    }

    @Test
    void urlMessagesStripControlCharacters() {
        assertThatThrownBy(() -> InstallConfig.builder().npmRegistry("ftp://x\n\u001b[31mred").build())
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\u001b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://a,direct", "https://a|https://b,off", "direct", "off", "file:///srv/goproxy"})
    void goProxyListsMayMixUrlsWithDirectAndOff(String proxy) {
        assertThat(InstallConfig.builder().goProxy(proxy).build().goProxy()).isEqualTo(proxy);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://a,ftp://b", "https://a,nonsense", "direct|ftp://b"})
    void goProxyListsRejectAnyBadElement(String proxy) {
        assertThatThrownBy(() -> InstallConfig.builder().goProxy(proxy).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("goProxy");
    }

    @Test
    void goSumDbMustNotBeBlankOrLookLikeAnOption() {
        assertThat(InstallConfig.builder().goSumDb("sum.golang.org").build().goSumDb()).isEqualTo("sum.golang.org");
        for (String bad : List.of("", " ", "-insecure")) {
            assertThatThrownBy(() -> InstallConfig.builder().goSumDb(bad).build()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("goSumDb");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mirror", "pypi.internal.example", "10.0.0.7", "10.0.0.7:8080", "[::1]:3141"})
    void trustedHostsMayBeNamesOrAddressesWithPorts(String host) {
        assertThat(InstallConfig.builder().pipTrustedHost(host).build().pipTrustedHosts()).containsExactly(host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "host/path", "http://host", "a;b", "a\nb", "$(id)"})
    void trustedHostsMustBeHostNames(String host) {
        assertThatThrownBy(() -> InstallConfig.builder().pipTrustedHost(host).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trusted host");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bridge", "host", "my-net", "sandbox_egress.1", "N1"})
    void networkNamesAreAccepted(String network) {
        assertThat(InstallConfig.builder().network(network).build().network()).isEqualTo(network);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "-x", "_x", ".x", "net/work", "a\nb", "net;rm"})
    void malformedNetworkNamesAreRejected(String network) {
        assertThatThrownBy(() -> InstallConfig.builder().network(network).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("network");
    }

    @Test
    void timeoutMustBePositive() {
        assertThatThrownBy(() -> InstallConfig.builder().timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> InstallConfig.builder().timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        InstallConfig d = InstallConfig.defaults();
        assertThatThrownBy(() -> new InstallConfig(null, List.of(), List.of(), null, d.mavenRepository(), null, null,
                d.cranRepository(), "bridge", null, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InstallConfig(null, List.of(), List.of(), null, d.mavenRepository(), null, null,
                d.cranRepository(), "bridge", null, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void requiredValuesAreNotNull() {
        assertThatThrownBy(() -> InstallConfig.builder().mavenRepository(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> InstallConfig.builder().cranRepository(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> InstallConfig.builder().network(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> InstallConfig.builder().pipTrustedHost(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> InstallConfig.builder().pipExtraIndexUrl(null))
                .isInstanceOf(NullPointerException.class);
    }
}
