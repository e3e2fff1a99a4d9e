package dev.sandbox4j.policy;

import static dev.sandbox4j.policy.Detector.lineEnd;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code password} kind in CSV and TSV: a header line whose fields are all names ({@code user,password,role}) and
 * of which at least one {@link SecretKeys names a secret} marks a table; in the lines after it that have the same
 * number of fields, the cells of those columns are redacted (their quotes stay). The table ends at the first line
 * with another number of fields. Each line is split once, so the pass is linear.
 */
final class TableDetector implements Detector {
    private final int kind;

    TableDetector(int kind) {
        this.kind = kind;
    }

    @Override
    public int kind() {
        return kind;
    }

    @Override
    public void scan(String text, Spans out) {
        int n = text.length();
        int ls = 0;
        while (ls < n) {
            int le = lineEnd(text, ls);
            char sep = ',';
            for (int i = ls; i < le; i++) {
                if (text.charAt(i) == '\t') {
                    sep = '\t';
                    break;
                }
            }
            List<int[]> header = split(text, ls, le, sep);
            boolean[] secret = secretColumns(text, header);
            ls = next(text, le);
            if (secret == null) {
                continue;
            }
            while (ls < n) {
                le = lineEnd(text, ls);
                List<int[]> cells = split(text, ls, le, sep);
                if (cells.size() != header.size()) {
                    break;
                }
                for (int c = 0; c < cells.size(); c++) {
                    int[] cell = cells.get(c);
                    if (secret[c] && cell[1] > cell[0] && !ValueMeasure.isPlaceholder(text, cell[0], cell[1])) {
                        out.add(cell[0], cell[1], kind, cell[2] == 1 ? Quote.doubleQuote(0) : Quote.NONE, false);
                    }
                }
                ls = next(text, le);
            }
        }
    }

    private static int next(String text, int le) {
        if (le < text.length() && text.charAt(le) == '\r' && le + 1 < text.length() && text.charAt(le + 1) == '\n') {
            return le + 2;
        }
        return le + 1;
    }

    /** Which columns of a header name secrets, or null if the line is no header or names none. */
    private static boolean @Nullable [] secretColumns(String text, List<int[]> header) {
        if (header.size() < 2) {
            return null;
        }
        boolean[] secret = new boolean[header.size()];
        boolean any = false;
        for (int c = 0; c < header.size(); c++) {
            int[] f = header.get(c);
            if (f[1] - f[0] > 64 || f[1] == f[0]) {
                return null;
            }
            for (int i = f[0]; i < f[1]; i++) {
                char ch = text.charAt(i);
                if (!(Detector.isAlnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ' ')) {
                    return null;
                }
            }
            secret[c] = SecretKeys.isSecret(text.substring(f[0], f[1]));
            any |= secret[c];
        }
        return any ? secret : null;
    }

    /**
     * The fields of {@code [ls, le)} as {start, end, quoted} without surrounding blanks and quotes; a field in double
     * quotes may hold the separator and doubled quotes.
     */
    private static List<int[]> split(String text, int ls, int le, char sep) {
        List<int[]> fields = new ArrayList<>();
        int i = ls;
        while (i <= le) {
            while (i < le && text.charAt(i) == ' ') {
                i++;
            }
            if (i < le && text.charAt(i) == '"') {
                int s = i + 1;
                int e = s;
                while (e < le && !(text.charAt(e) == '"' && (e + 1 >= le || text.charAt(e + 1) != '"'))) {
                    e += text.charAt(e) == '"' ? 2 : 1;
                }
                fields.add(new int[] {s, Math.min(e, le), 1});
                i = e + 1;
                while (i < le && text.charAt(i) != sep) {
                    i++;
                }
            } else {
                int s = i;
                while (i < le && text.charAt(i) != sep) {
                    i++;
                }
                int e = i;
                while (e > s && text.charAt(e - 1) == ' ') {
                    e--;
                }
                fields.add(new int[] {s, e, 0});
            }
            i++;
            if (fields.size() > 256) {
                break;
            }
        }
        return fields;
    }
}
