package dev.sandbox4j.policy;

import java.util.List;
import java.util.Locale;

/**
 * Which key names hold secrets. A key qualifies when, lower-cased and with {@code _ - .} and blanks removed, it ends in
 * one of {@link #ENDINGS} ({@code DB_PASSWORD}, {@code clientSecret}, {@code x-api-key}, {@code pass_word},
 * {@code secret_key_base}), or is {@code sig} (an Azure SAS signature). {@code pwd} and {@code auth} count as a whole
 * word only (not {@code OLDPWD}, {@code oauth}), {@code pass} only after a separator or as a camel-case word
 * ({@code DB_PASS}, {@code dbPass}, not {@code bypass} or {@code PASS}). Names are decoded first: {@code %XX} and
 * {@code \\uXXXX} escapes, a leading JSON {@code \n}, and a bracketed last part ({@code user[password]}).
 */
final class SecretKeys {
    static final List<String> ENDINGS = List.of(
            "password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "secretkey", "privatekey",
            "credential", "credentials", "secretkeybase", "signingkey", "encryptionkey", "masterkey", "sessionkey",
            "accountkey", "licensekey", "clientkey");

    private SecretKeys() {}

    /** Whether the key name {@code raw} (as found in the text, possibly escaped) names a secret. */
    static boolean isSecret(String raw) {
        String name = decode(raw);
        int i = 0;
        while (i < name.length() && name.charAt(i) == '-') {
            i++;
        }
        name = name.substring(i);
        if (name.isEmpty() || name.length() > 64) {
            return false;
        }
        String norm = normalise(name);
        if (norm.isEmpty()) {
            return false;
        }
        if (norm.equals("sig")) {
            return true;
        }
        for (String ending : ENDINGS) {
            if (norm.endsWith(ending)) {
                return true;
            }
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith("pwd") || lower.endsWith("auth")) {
            int before = lower.length() - (lower.endsWith("pwd") ? 3 : 4) - 1;
            return before < 0 || !Detector.isAlnum(name.charAt(before)); // not OLDPWD, oauth
        }
        if (lower.endsWith("pass") && name.length() > 4) {
            char before = name.charAt(name.length() - 5);
            return "_.- ".indexOf(before) >= 0
                    || (name.charAt(name.length() - 4) == 'P' && Character.isLowerCase(before)); // DB_PASS, dbPass
        }
        return false;
    }

    /** Lower case without {@code _ - .} and blanks: {@code DB_Pass-Word} becomes {@code dbpassword}. */
    static String normalise(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '_' && c != '-' && c != '.' && c != ' ' && c != '\t') {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    /**
     * Undoes the escapes a key name picks up on its way into output: {@code %XX} (URL-encoded forms),
     * {@code \\uXXXX} (JSON), a leading {@code \n}, {@code \r} or {@code \t} (a line break inside a JSON string), and
     * keeps only the last bracketed part ({@code user[password]} is {@code password}).
     */
    static String decode(String raw) {
        String s = raw;
        while (s.length() >= 2 && s.charAt(0) == '\\' && "nrt".indexOf(s.charAt(1)) >= 0) {
            s = s.substring(2);
        }
        if (s.indexOf('%') >= 0 || s.indexOf('\\') >= 0) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '%' && i + 2 < s.length() && Detector.isHex(s.charAt(i + 1)) && Detector.isHex(s.charAt(i + 2))) {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                } else if (c == '\\' && i + 5 < s.length() && s.charAt(i + 1) == 'u' && isHex4(s, i + 2)) {
                    sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                    i += 5;
                } else {
                    sb.append(c);
                }
            }
            s = sb.toString();
        }
        if (s.endsWith("]")) {
            int open = s.lastIndexOf('[');
            if (open >= 0) {
                s = s.substring(open + 1, s.length() - 1);
            }
        }
        return s;
    }

    private static boolean isHex4(String s, int i) {
        for (int k = i; k < i + 4; k++) {
            if (!Detector.isHex(s.charAt(k))) {
                return false;
            }
        }
        return true;
    }
}
