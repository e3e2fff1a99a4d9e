package dev.sandbox4j.core;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Identifies the process that owns a box ({@code host:pid:startMillis}), so a later process can tell whether the
 * owner still runs. The start time guards against pid reuse.
 */
final class Owner {
    static final String SELF = of(ProcessHandle.current());

    private Owner() {}

    static String host() {
        try {
            String h = Files.readString(Path.of("/etc/hostname")).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    private static String of(ProcessHandle p) {
        long start = p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return host() + ":" + p.pid() + ":" + start;
    }

    /** True only if the owner is on this host and definitely gone; unknown owners count as alive. */
    static boolean isDead(String owner) {
        String[] parts = owner.split(":");
        if (parts.length != 3 || !parts[0].equals(host())) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[1]);
            long start = Long.parseLong(parts[2]);
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty() || !p.get().isAlive()) {
                return true;
            }
            long actual = p.get().info().startInstant().map(Instant::toEpochMilli).orElse(start);
            return Math.abs(actual - start) > 2000; // the pid now belongs to another process
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
