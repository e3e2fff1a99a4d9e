package dev.sandbox4j.policy;

/**
 * Text that stops a regex engine once a deadline has passed: every few thousand characters read, {@link #charAt}
 * looks at the clock and throws {@link OutOfTime} when time is up. Both RE2/J and {@link java.util.regex} read their
 * input only through {@code charAt}, so this bounds any pattern's time, whatever it is. Not thread-safe (one match).
 */
final class BudgetedText implements CharSequence {
    /** Thrown out of a regex engine when the budget is spent. */
    static final class OutOfTime extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutOfTime() {
            super("pattern time budget spent", null, false, false);
        }
    }

    private final String text;
    private final long deadlineNanos;
    private int reads;

    BudgetedText(String text, long deadlineNanos) {
        this.text = text;
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public char charAt(int index) {
        if ((++reads & 0xFFF) == 0 && System.nanoTime() - deadlineNanos > 0) {
            throw new OutOfTime();
        }
        return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BudgetedText(text.substring(start, end), deadlineNanos);
    }

    @Override
    public String toString() {
        return text;
    }
}
