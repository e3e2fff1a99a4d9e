package dev.sandbox4j.docker;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The last {@value #LINES} lines of a tool's output, for error messages. Thread-safe. */
final class OutputTail {
    static final int LINES = 20;

    private final Deque<String> lines = new ArrayDeque<>();

    synchronized void add(String line) {
        lines.addLast(line);
        if (lines.size() > LINES) {
            lines.removeFirst();
        }
    }

    /** The lines, each indented by two spaces; empty when there are none. */
    synchronized String text() {
        return lines.isEmpty() ? "" : "  " + String.join("\n  ", lines);
    }

    /** The last {@value #LINES} of {@code lines}, one per line. */
    static String of(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LINES), lines.size()));
    }

    /** "Last output:" and the tail, to append to a message; empty when the tail is. */
    static String lastOutput(String tail) {
        return tail.isEmpty() ? "" : "\nLast output:\n" + tail;
    }
}
