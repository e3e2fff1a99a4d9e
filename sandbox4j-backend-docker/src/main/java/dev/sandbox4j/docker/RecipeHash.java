package dev.sandbox4j.docker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 over an image recipe that an image's {@value DockerImageBuilder#RECIPE_LABEL} label holds. Texts are
 * added NUL-terminated, so that no two sequences of texts hash alike. Changing how a recipe is hashed marks every
 * image built before as out of date (they are rebuilt on the next build).
 */
final class RecipeHash {
    private final MessageDigest sha = sha256();

    /** Adds a text (UTF-8) followed by a NUL byte. */
    RecipeHash text(String text) {
        sha.update(text.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        return this;
    }

    /** Adds bytes as they are (callers add their length first). */
    RecipeHash bytes(byte[] bytes) {
        sha.update(bytes);
        return this;
    }

    /** The hash in lower-case hex; the instance is used up. */
    String hex() {
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
