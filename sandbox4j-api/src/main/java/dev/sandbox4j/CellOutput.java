package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a run in a stateful session ({@link SessionOptions#stateful()}) produced besides its output: like a notebook
 * cell's outputs.
 *
 * @param executionCount the kernel's counter after this run (1 for the first run after a start or reset)
 * @param value MIME bundle of the value of the last expression (e.g. {@code text/plain}, {@code text/html}), empty
 *     when the code did not end with an expression or its value was {@code None}
 * @param displays MIME bundles shown during the run, in order: {@code display(obj)} calls and matplotlib figures
 *     ({@code image/png}, Base64) — figures appear without {@code savefig} or {@code show}
 * @param error the exception the code raised, or {@code null}
 * @param kernelRestarted whether the kernel had to be killed (a timeout it did not answer, a crash, an
 *     out-of-memory kill): its state is gone and the next run starts a fresh one
 * @since 0.2
 */
public record CellOutput(
        int executionCount,
        Map<String, String> value,
        List<Map<String, String>> displays,
        @Nullable CellError error,
        boolean kernelRestarted) {
    public CellOutput {
        value = Map.copyOf(value);
        displays = displays.stream().map(Map::copyOf).toList();
    }

    /**
     * An exception raised by a cell.
     *
     * @param name exception type, e.g. {@code ZeroDivisionError}
     * @param value its message
     * @param traceback the formatted traceback, one entry per frame/line
     */
    public record CellError(String name, String value, List<String> traceback) {
        public CellError {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
            traceback = List.copyOf(traceback);
        }
    }
}
