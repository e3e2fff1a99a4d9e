package dev.sandbox4j.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The spans the detectors found in one text, and the text with them replaced.
 *
 * <p>Every detector reports spans of the original text. Overlapping spans are merged into one span covering both,
 * reported as the kind that comes first in the sanitizer's order (a JSON array that holds a JWT becomes one redaction,
 * never a redaction inside an array left half visible). Ranges of the text that already read like a replacement are
 * protected: a span inside one is dropped, a span that only touches one is cut back to it, and a span that is exactly
 * one is dropped, so sanitising sanitised text changes nothing.
 */
final class Spans {
    private static final int FIELDS = 3; // start, end, kind

    private final String text;
    private final int[] protectedRanges; // sorted, non-overlapping [start, end) pairs
    private int[] spans = new int[3 * 16];
    private Quote[] quotes = new Quote[16];
    private boolean[] wraps = new boolean[16];
    private int count;
    private @Nullable String lower;
    private final @Nullable Spans parent; // null, or the spans a view reports to
    private final int offset;

    Spans(String text, int[] protectedRanges) {
        this(text, protectedRanges, null, 0);
    }

    private Spans(String text, int[] protectedRanges, @Nullable Spans parent, int offset) {
        this.text = text;
        this.protectedRanges = protectedRanges;
        this.parent = parent;
        this.offset = offset;
    }

    String text() {
        return text;
    }

    /** The text with A-Z lowered (same length and indices, unlike {@link String#toLowerCase}). */
    String lowerAscii() {
        if (parent != null) {
            return lower(text); // a view of one line, used only when a detector failed
        }
        if (lower == null) {
            lower = lower(text);
        }
        return lower;
    }

    private static String lower(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            char c = chars[i];
            if (c >= 'A' && c <= 'Z') {
                chars[i] = (char) (c + 32);
            }
        }
        return new String(chars);
    }

    void add(int start, int end, int kind) {
        add(start, end, kind, Quote.NONE, false);
    }

    /**
     * Reports {@code [start, end)} as a secret of {@code kind}. {@code quote} is the quoting the span sits in (its
     * replacement is escaped for it); with {@code wrap} the replacement is also enclosed in it, for a value that was
     * not a string.
     */
    void add(int start, int end, int kind, Quote quote, boolean wrap) {
        if (parent != null) {
            parent.add(start + offset, end + offset, kind, quote, wrap);
            return;
        }
        if (end <= start || start < 0 || end > text.length()) {
            return;
        }
        if (protectedRanges.length > 0) {
            int[] cut = cutToProtected(start, end);
            if (cut == null) {
                return;
            }
            start = cut[0];
            end = cut[1];
        }
        if (count == wraps.length) {
            spans = Arrays.copyOf(spans, spans.length * 2);
            quotes = Arrays.copyOf(quotes, quotes.length * 2);
            wraps = Arrays.copyOf(wraps, wraps.length * 2);
        }
        spans[count * FIELDS] = start;
        spans[count * FIELDS + 1] = end;
        spans[count * FIELDS + 2] = kind;
        quotes[count] = quote;
        wraps[count] = wrap;
        count++;
    }

    /** The span without the protected ranges at its ends, or null if nothing else is left. */
    private int[] cutToProtected(int start, int end) {
        int i = firstRangeEndingAfter(start);
        while (i < protectedRanges.length && protectedRanges[i] < end) {
            int rs = protectedRanges[i];
            int re = protectedRanges[i + 1];
            if (rs <= start) {
                start = Math.max(start, re); // starts inside (or at) a replacement: begin after it
            } else if (re >= end) {
                end = rs; // ends inside a replacement: stop before it
            }
            i += 2;
        }
        while (start < end && Detector.isBlank(text.charAt(start))) {
            start++;
        }
        while (end > start && Detector.isBlank(text.charAt(end - 1))) {
            end--;
        }
        return end > start ? new int[] {start, end} : null;
    }

    private int firstRangeEndingAfter(int pos) {
        int lo = 0;
        int hi = protectedRanges.length / 2;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (protectedRanges[mid * 2 + 1] <= pos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo * 2;
    }

    /** How many spans the detectors reported, before merging (tests use it to see that nothing is read twice). */
    int size() {
        return count;
    }

    /** A view that reports spans of a part of this text that starts at {@code offset}. */
    Spans shifted(String part, int offset) {
        return new Spans(part, new int[0], this, offset);
    }

    /**
     * The text with every merged span replaced by {@code replacements[kind]}, and one {@link Redaction} per kind that
     * was used, in kind order.
     */
    Sanitized render(List<String> kinds, String[] replacements) {
        if (count == 0) {
            return new Sanitized(text, List.of());
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Integer.compare(spans[a * FIELDS], spans[b * FIELDS]);
            return c != 0 ? c : Integer.compare(spans[b * FIELDS + 1], spans[a * FIELDS + 1]); // longer first
        });
        int[] counts = new int[kinds.size()];
        StringBuilder out = new StringBuilder(text.length() + 64);
        int copied = 0;
        int k = 0;
        while (k < count) {
            int first = order[k];
            int start = spans[first * FIELDS];
            int end = spans[first * FIELDS + 1];
            int kind = spans[first * FIELDS + 2];
            Quote quote = quotes[first];
            boolean wrap = wraps[first];
            k++;
            while (k < count && spans[order[k] * FIELDS] < end) {
                int s = order[k];
                int sEnd = spans[s * FIELDS + 1];
                if (spans[s * FIELDS] == start && sEnd == end && quote == Quote.NONE) {
                    quote = quotes[s]; // same extent: keep the quoting the structural detector saw
                    wrap = wraps[s];
                }
                end = Math.max(end, sEnd);
                kind = Math.min(kind, spans[s * FIELDS + 2]);
                k++;
            }
            out.append(text, copied, start);
            String r = quote.escape(replacements[kind]);
            if (wrap) {
                out.append(quote.text()).append(r).append(quote.text());
            } else {
                out.append(r);
            }
            copied = end;
            counts[kind]++;
        }
        out.append(text, copied, text.length());
        List<Redaction> report = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                report.add(new Redaction(kinds.get(i), counts[i]));
            }
        }
        return new Sanitized(out.toString(), report);
    }
}
