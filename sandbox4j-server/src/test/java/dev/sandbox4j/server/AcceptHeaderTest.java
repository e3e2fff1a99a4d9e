package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AcceptHeaderTest {
    @ParameterizedTest(name = "[{index}] ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "text/event-stream                                  | true",
        "TEXT/EVENT-STREAM; charset=utf-8                   | true",
        "text/event-stream, */*;q=0.1                       | true",
        "text/event-stream, */*                             | true",
        "application/json;q=0.5, text/event-stream          | true",
        "application/json, text/event-stream                | false",
        "text/event-stream, application/json                | false",
        "application/json                                   | false",
        "*/*                                                | false",
        "text/*                                             | false",
        "text/event-stream;q=0                              | false",
        "text/event-stream;q=0.4, application/json;q=0.9    | false",
        "text/event-stream;q=nonsense                       | false",
        "''                                                 | false",
        "NULL                                               | false"})
    void streamsOnlyWhenEventsAreAskedForByNameAndNotJsonPreferred(String accept, boolean stream) {
        assertThat(AcceptHeader.prefersEventStream(accept)).isEqualTo(stream);
    }
}
