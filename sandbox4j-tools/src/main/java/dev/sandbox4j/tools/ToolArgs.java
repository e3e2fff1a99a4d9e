package dev.sandbox4j.tools;

import dev.sandbox4j.text.Texts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Reads tool arguments as a model sends them (JSON values), with messages that name the argument. */
final class ToolArgs {
    private final Map<String, ?> map;

    ToolArgs(Map<String, ?> map) {
        this.map = map;
    }

    String string(String name) {
        String s = optString(name);
        if (s == null || s.isBlank()) {
            throw new ToolError("Missing argument '" + name + "'.");
        }
        return s;
    }

    String stringAllowEmpty(String name) {
        String s = optString(name);
        if (s == null) {
            throw new ToolError("Missing argument '" + name + "'.");
        }
        return s;
    }

    @Nullable String optString(String name) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new ToolError("Argument '" + name + "' must be a string, not " + describe(v) + ".");
    }

    @Nullable Boolean optBoolean(String name) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new ToolError("Argument '" + name + "' must be true or false, not " + describe(v) + ".");
    }

    List<String> stringList(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String s) { // a model that sends "numpy" instead of ["numpy"]
            return s.isBlank() ? List.of() : List.of(s);
        }
        if (v instanceof Collection<?> c) {
            List<String> out = new ArrayList<>();
            for (Object o : c) {
                if (!(o instanceof String s) || s.isBlank()) {
                    throw new ToolError("Argument '" + name + "' must be a list of non-empty strings.");
                }
                out.add(s);
            }
            return out;
        }
        throw new ToolError("Argument '" + name + "' must be a list of strings, not " + describe(v) + ".");
    }

    @Nullable Duration seconds(String name) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s) {
            try {
                d = Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                throw new ToolError("Argument '" + name + "' must be a number of seconds, not '"
                        + Texts.sanitize(s, 30) + "'.");
            }
        } else {
            throw new ToolError("Argument '" + name + "' must be a number of seconds, not " + describe(v) + ".");
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new ToolError("Argument '" + name + "' (" + v + ") must be a positive number of seconds.");
        }
        return Duration.ofMillis(Math.max(1, (long) Math.min(d * 1000, Long.MAX_VALUE / 2)));
    }

    /** {@code timeout} if it is positive and at most {@code maxTimeout}. */
    static Duration checkTimeout(Duration timeout, Duration maxTimeout) {
        return checkSeconds("timeout", timeout, maxTimeout);
    }

    /** The duration of argument {@code name} if it is positive and at most {@code max}. */
    static Duration checkSeconds(String name, Duration d, Duration max) {
        if (d.isNegative() || d.isZero()) {
            throw new ToolError("'" + name + "' (" + d.toMillis() / 1000.0 + " s) must be positive.");
        }
        if (d.compareTo(max) > 0) {
            throw new ToolError("'" + name + "' (" + d.toSeconds() + " s) must be at most " + max.toSeconds()
                    + " s.");
        }
        return d;
    }

    private static String describe(Object v) {
        return switch (v) {
            case Number n -> "the number " + n;
            case Boolean b -> "the boolean " + b;
            case Collection<?> c -> "a list";
            case Map<?, ?> m -> "an object";
            default -> "'" + Texts.sanitize(String.valueOf(v), 30) + "'";
        };
    }
}
