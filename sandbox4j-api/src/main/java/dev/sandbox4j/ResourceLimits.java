package dev.sandbox4j;

import static java.util.Objects.requireNonNull;

/**
 * The resource limits of one box. Every field has a hardened default; see {@link #defaults()}.
 *
 * <pre>{@code
 * ResourceLimits limits = ResourceLimits.defaults().toBuilder()
 *         .memory(DataSize.ofMegabytes(256))
 *         .cpus(0.5)
 *         .build();
 * }</pre>
 *
 * @param memory memory limit of the whole box, including its tmpfs contents; swap is disabled (default 512 MiB)
 * @param cpus CPU quota in cores, e.g. 0.5 (default 1.0)
 * @param pids maximum number of processes and threads in the box (default 128)
 * @param workdirSize size of the writable tmpfs working directory (default 256 MiB)
 * @param tmpSize size of the writable tmpfs {@code /tmp}, and of {@code /dev/shm} (POSIX shared memory), which gets
 *     the same size (default 64 MiB)
 * @param openFiles maximum open file descriptors per process, the {@code nofile} ulimit (default 1024)
 * @param fileSize largest file a process may write, the {@code fsize} ulimit (default 128 MiB)
 * @param outputLimit how much of each of stdout and stderr a run keeps before it is stopped (default 1 MiB)
 * @since 0.1
 */
public record ResourceLimits(
        DataSize memory,
        double cpus,
        int pids,
        DataSize workdirSize,
        DataSize tmpSize,
        int openFiles,
        DataSize fileSize,
        DataSize outputLimit) {

    /** The smallest memory limit a container engine accepts (6 MiB for Docker). */
    public static final DataSize MIN_MEMORY = DataSize.ofMegabytes(6);

    /** The largest CPU quota accepted, in cores. */
    private static final int MAX_CPUS = 1024;

    /** The largest output limit: the largest array a JVM reliably allocates, just under 2 GiB. */
    static final long MAX_OUTPUT_LIMIT_BYTES = Integer.MAX_VALUE - 8;

    private static final ResourceLimits DEFAULTS = new ResourceLimits(
            DataSize.ofMegabytes(512),
            1.0,
            128,
            DataSize.ofMegabytes(256),
            DataSize.ofMegabytes(64),
            1024,
            DataSize.ofMegabytes(128),
            DataSize.ofMegabytes(1));

    /**
     * @throws IllegalArgumentException if a limit is out of range; the message names it and its value
     */
    public ResourceLimits {
        requireNonNull(memory, "memory");
        requireNonNull(workdirSize, "workdirSize");
        requireNonNull(tmpSize, "tmpSize");
        requireNonNull(fileSize, "fileSize");
        requireNonNull(outputLimit, "outputLimit");
        if (memory.compareTo(MIN_MEMORY) < 0) {
            throw new IllegalArgumentException("memory (" + memory + ") must be at least " + MIN_MEMORY);
        }
        if (!(cpus > 0)) { // also NaN
            throw new IllegalArgumentException(
                    "cpus (" + cpus + ") must be positive and at most " + MAX_CPUS + ", e.g. 0.5 or 2");
        }
        if (cpus > MAX_CPUS) { // also +Infinity
            throw new IllegalArgumentException(
                    "cpus (" + cpus + ") must be more than 0 and at most " + MAX_CPUS + ", e.g. 0.5 or 2");
        }
        if (pids < 8) {
            throw new IllegalArgumentException("pids (" + pids + ") must be at least 8");
        }
        if (workdirSize.bytes() < 1024 * 1024) {
            throw new IllegalArgumentException("workdirSize (" + workdirSize + ") must be at least 1 MiB");
        }
        if (tmpSize.bytes() < 1024 * 1024) {
            throw new IllegalArgumentException("tmpSize (" + tmpSize + ") must be at least 1 MiB");
        }
        if (openFiles < 16) {
            throw new IllegalArgumentException("openFiles (" + openFiles + ") must be at least 16");
        }
        if (fileSize.bytes() < 1024) {
            throw new IllegalArgumentException("fileSize (" + fileSize + ") must be at least 1 KiB");
        }
        checkOutputLimit(outputLimit);
    }

    /** Checks a per-stream output limit; shared with {@link RunOptions}. */
    static void checkOutputLimit(DataSize outputLimit) {
        if (outputLimit.bytes() < 1 || outputLimit.bytes() > MAX_OUTPUT_LIMIT_BYTES) {
            throw new IllegalArgumentException("outputLimit (" + outputLimit + ") must be between 1 B and "
                    + MAX_OUTPUT_LIMIT_BYTES + " B (just under 2 GiB)");
        }
    }

    /** The hardened defaults: 512 MiB memory, 1 CPU, 128 processes, 256 MiB workdir, 64 MiB /tmp, 1 MiB output. */
    public static ResourceLimits defaults() {
        return DEFAULTS;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** Builds {@link ResourceLimits}; starts from the defaults or from the limits it was made from. */
    public static final class Builder {
        private DataSize memory;
        private double cpus;
        private int pids;
        private DataSize workdirSize;
        private DataSize tmpSize;
        private int openFiles;
        private DataSize fileSize;
        private DataSize outputLimit;

        private Builder(ResourceLimits from) {
            this.memory = from.memory;
            this.cpus = from.cpus;
            this.pids = from.pids;
            this.workdirSize = from.workdirSize;
            this.tmpSize = from.tmpSize;
            this.openFiles = from.openFiles;
            this.fileSize = from.fileSize;
            this.outputLimit = from.outputLimit;
        }

        public Builder memory(DataSize memory) {
            this.memory = requireNonNull(memory, "memory");
            return this;
        }

        public Builder cpus(double cpus) {
            this.cpus = cpus;
            return this;
        }

        public Builder pids(int pids) {
            this.pids = pids;
            return this;
        }

        public Builder workdirSize(DataSize workdirSize) {
            this.workdirSize = requireNonNull(workdirSize, "workdirSize");
            return this;
        }

        public Builder tmpSize(DataSize tmpSize) {
            this.tmpSize = requireNonNull(tmpSize, "tmpSize");
            return this;
        }

        public Builder openFiles(int openFiles) {
            this.openFiles = openFiles;
            return this;
        }

        public Builder fileSize(DataSize fileSize) {
            this.fileSize = requireNonNull(fileSize, "fileSize");
            return this;
        }

        public Builder outputLimit(DataSize outputLimit) {
            this.outputLimit = requireNonNull(outputLimit, "outputLimit");
            return this;
        }

        /** @throws IllegalArgumentException if a limit is out of range */
        public ResourceLimits build() {
            return new ResourceLimits(memory, cpus, pids, workdirSize, tmpSize, openFiles, fileSize, outputLimit);
        }
    }
}
