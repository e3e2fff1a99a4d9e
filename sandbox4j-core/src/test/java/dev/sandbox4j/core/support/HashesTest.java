package dev.sandbox4j.core.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HashesTest {
    @Test
    void hashesTextAsUtf8AndBytesAlike() {
        // FIPS 180-2 test vector
        assertThat(Hashes.sha256("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Hashes.sha256("é")).isEqualTo(Hashes.sha256("é".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(Hashes.sha256("é".getBytes(StandardCharsets.ISO_8859_1)));
    }
}
