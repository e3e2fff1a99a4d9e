package dev.sandbox4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void everyLanguageOfTheRegistryHasASampleForDoctorAndBench() {
        assertThat(Samples.languages()).as("languages doctor smoke-tests and bench measures")
                .containsExactlyElementsOf(Registries.ids());
    }

    @Test
    void aSampleAnswersToTheLanguagesAliasesToo() {
        assertThat(Samples.printing("ruby", "ok")).isEqualTo("puts 'ok'");
        assertThat(Samples.printing("RB", "ok")).isEqualTo("puts 'ok'");
        assertThat(Samples.printing("cobol", "ok")).isNull();
    }
}
