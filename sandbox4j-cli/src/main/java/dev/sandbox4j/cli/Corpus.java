package dev.sandbox4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The benchmark corpus: LLM-style programs (pandas, matplotlib, numpy, pure Python, JSON, a traceback, JavaScript)
 * shipped as resources under {@code corpus/} and listed in its {@code index.txt}. Used by {@code bench --corpus}
 * and by the test that compares fresh interpreters with the fork server.
 */
record Corpus(String name, String language, String code) {

    static List<Corpus> load() {
        return read("index.txt").lines().map(String::strip).filter(l -> !l.isEmpty()).map(Corpus::program).toList();
    }

    private static Corpus program(String file) {
        String language = file.endsWith(".py") ? "python" : file.endsWith(".js") ? "javascript" : null;
        if (language == null) {
            throw new IllegalStateException("corpus/" + file + ": unknown extension (expected .py or .js)");
        }
        return new Corpus(file, language, read(file));
    }

    private static String read(String file) {
        try (InputStream in = Corpus.class.getResourceAsStream("corpus/" + file)) {
            if (in == null) {
                throw new IllegalStateException("corpus/" + file + " is missing from the CLI's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
