package dev.sandbox4j.cli;

import dev.sandbox4j.PoolConfig;
import dev.sandbox4j.PoolStats;
import dev.sandbox4j.ExecutionResult;
import dev.sandbox4j.RunOptions;
import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxSession;
import dev.sandbox4j.SessionOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sandbox4j bench}: latency figures (median, p95) for the main operations. */
@Command(mixinStandardHelpOptions = true, name = "bench", description = {"Measure cold session open, a run in an open session (with and without artifact capture), a one-shot run, the warm pool, throughput "
        + "of 4 callers and a kernel (stateful) run.",
    "Prints median and p95 in milliseconds; a benchmark, not a test."})
final class BenchCommand implements Callable<Integer> {
    @ParentCommand
    SandboxCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-l", "--lang"}, defaultValue = "python", description = "Language (default: ${DEFAULT-VALUE}).")
    String language;

    @Option(names = {"-n", "--iterations"}, defaultValue = "30", description = "Measured iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured warm-up iterations (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--corpus", description = "Instead: run the built-in corpus of LLM-style programs (pandas, matplotlib, "
            + "numpy, pure Python, JSON, a traceback, JavaScript) and print medians per program for a fresh interpreter, "
            + "the Python fork server and a kernel (stateful session).")
    boolean corpus;

    @Override
    public Integer call() {
        if (iterations < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "iterations must be >= 1 and warmup >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (corpus) {
            return benchCorpus(out);
        }
        String code = Samples.printing(language, "1");
        if (code == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "No benchmark program for language '"
                    + language + "'; expected one of " + Samples.languages());
        }
        RunOptions opts = RunOptions.timeout(Duration.ofSeconds(30));
        try (SandboxClient client = parent.clients.create(Map.of(), false)) {
            out.printf("sandbox4j bench: %s, %d iterations (+%d warm-up), %d cores, Java %s, %s%n", language,
                    iterations, warmup, Runtime.getRuntime().availableProcessors(), Runtime.version().feature(),
                    client.backendDescription());
            out.flush();
            List<Long> open = new ArrayList<>();
            List<Long> close = new ArrayList<>();
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                SandboxSession s = client.openSession(language, SessionOptions.defaults());
                long t1 = System.nanoTime();
                s.close();
                long t2 = System.nanoTime();
                if (i >= warmup) {
                    open.add(t1 - t0);
                    close.add(t2 - t1);
                }
            }
            report(out, "cold session open", open);
            report(out, "session close", close);
            List<Long> runs = new ArrayList<>();
            List<Long> inBox = new ArrayList<>();
            List<Long> paused = new ArrayList<>();
            List<Long> pausedInBox = new ArrayList<>();
            List<Long> capturing = new ArrayList<>();
            // the HTTP API's session runs capture artifacts by default: the same run, emptying and reading back the
            // output directory (which stays empty)
            RunOptions capture = opts.toBuilder().captureArtifacts(true).build();
            try (SandboxSession s = client.openSession(language, SessionOptions.defaults())) {
                for (int i = 0; i < warmup + iterations; i++) {
                    long t0 = System.nanoTime();
                    ExecutionResult r = s.run(code, opts);
                    long t1 = System.nanoTime();
                    check(r);
                    ExecutionResult c = s.run(code, capture);
                    long t2 = System.nanoTime();
                    check(c);
                    if (i >= warmup) {
                        runs.add(t1 - t0);
                        inBox.add(r.duration().toNanos());
                        capturing.add(t2 - t1);
                    }
                }
                // an agent's runs come with a pause between them (the model's turn): the fork server then has the
                // next run's process forked and its pages copied before the request comes
                for (int i = 0; i < iterations; i++) {
                    try {
                        Thread.sleep(PAUSE_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    long t0 = System.nanoTime();
                    ExecutionResult r = s.run(code, opts);
                    long t1 = System.nanoTime();
                    check(r);
                    paused.add(t1 - t0);
                    pausedInBox.add(r.duration().toNanos());
                }
            }
            report(out, "run (prints 1) in session", runs);
            report(out, "  its program, in the box", inBox);
            report(out, "run, capturing artifacts", capturing);
            report(out, "run, " + PAUSE_MS + " ms after the last", paused);
            report(out, "  its program, in the box", pausedInBox);
            List<Long> oneShot = new ArrayList<>();
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                ExecutionResult r = client.run(language, code, SessionOptions.defaults(), opts);
                long t1 = System.nanoTime();
                check(r);
                if (i >= warmup) {
                    oneShot.add(t1 - t0);
                }
            }
            report(out, "one-shot run", oneShot);
        }
        benchPoolAndKernel(out, code, opts);
        return 0;
    }

    /** Warm pool, kernel and throughput figures (issue 5's benchmark), with a client that keeps a pool. */
    private void benchPoolAndKernel(PrintWriter out, String code, RunOptions opts) {
        PoolConfig pool = PoolConfig.builder(language).minSize(4).maxSize(8).build();
        try (SandboxClient client = parent.clients.create(Map.of(), false, List.of(pool))) {
            List<Long> open = new ArrayList<>();
            for (int i = 0; i < warmup + iterations; i++) {
                awaitReady(client);
                long t0 = System.nanoTime();
                SandboxSession s = client.openSession(language, SessionOptions.defaults());
                long t1 = System.nanoTime();
                s.close();
                if (i >= warmup) {
                    open.add(t1 - t0);
                }
            }
            report(out, "session open from warm pool", open);
            List<Long> oneShot = new ArrayList<>();
            for (int i = 0; i < warmup + iterations; i++) {
                awaitQuiet(client, pool.minSize());
                long t0 = System.nanoTime();
                ExecutionResult r = client.run(language, code, SessionOptions.defaults(), opts);
                long t1 = System.nanoTime();
                check(r);
                if (i >= warmup) {
                    oneShot.add(t1 - t0);
                }
            }
            report(out, "one-shot run via pool", oneShot);
            // throughput: 4 callers, each with its own session, running the program back to back
            int callers = 4;
            int perCaller = Math.max(5, iterations / 2);
            List<SandboxSession> sessions = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                sessions.add(client.openSession(language, SessionOptions.defaults()));
            }
            // steady state: one run per session, and the pool refilled (its new boxes start while it refills, and on
            // 2 cores that start, not the runs, is what the first seconds would measure)
            sessions.forEach(s -> check(s.run(code, opts)));
            awaitRefilled(client, pool.minSize());
            try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                long t0 = System.nanoTime();
                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                for (SandboxSession s : sessions) {
                    fs.add(exec.submit(() -> {
                        for (int i = 0; i < perCaller; i++) {
                            check(s.run(code, opts));
                        }
                        return null;
                    }));
                }
                for (var f : fs) {
                    f.get();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                out.printf("  %-28s %7.1f runs/s (%d callers x %d runs in %.1f s)%n", "throughput, 4 callers",
                        callers * perCaller / secs, callers, perCaller, secs);
            } catch (Exception e) {
                throw new IllegalStateException("throughput benchmark failed: " + e, e);
            } finally {
                sessions.forEach(SandboxSession::close);
            }
        }
        String kernelCode = switch (language) {
            case "python", "py", "python3" -> "x += 1";
            case "javascript", "js", "node", "nodejs" -> "x += 1";
            default -> null;
        };
        if (kernelCode == null) {
            return;
        }
        try (SandboxClient client = parent.clients.create(Map.of(), false);
                SandboxSession k = client.openSession(language, true)) {
            check0(k.run(language.startsWith("j") || language.startsWith("n") ? "var x = 0" : "x = 0"));
            List<Long> runs = new ArrayList<>();
            for (int i = 0; i < warmup * 10 + iterations * 10; i++) {
                long t0 = System.nanoTime();
                ExecutionResult r = k.run(kernelCode);
                long t1 = System.nanoTime();
                check0(r);
                if (i >= warmup * 10) {
                    runs.add(t1 - t0);
                }
            }
            report(out, "kernel run of x += 1", runs);
        }
    }

    /**
     * The corpus: per program, the median of {@code iterations} runs in an open session with a fresh interpreter per
     * run, with the fork server (Python only) and in a kernel; a program whose fork-server result differs from its
     * fresh-interpreter result (status, exit code, stdout, stderr) is flagged.
     */
    private int benchCorpus(PrintWriter out) {
        List<Corpus> programs = Corpus.load();
        RunOptions opts = RunOptions.timeout(Duration.ofSeconds(60));
        try (SandboxClient client = parent.clients.create(Map.of(), false)) {
            out.printf("sandbox4j bench --corpus: %d programs, %d iterations (+%d warm-up), %d cores, Java %s, %s%n",
                    programs.size(), iterations, warmup, Runtime.getRuntime().availableProcessors(),
                    Runtime.version().feature(), client.backendDescription());
            out.printf("  %-22s %12s %12s %12s  %s%n", "program (median ms)", "fresh", "fork server", "kernel", "");
            out.flush();
            Map<String, SandboxSession> fresh = new java.util.HashMap<>();
            Map<String, SandboxSession> forked = new java.util.HashMap<>();
            Map<String, SandboxSession> kernel = new java.util.HashMap<>();
            int differing = 0;
            try {
                for (Corpus p : programs) {
                    SandboxSession f = fresh.computeIfAbsent(p.language(), l -> client.openSession(l,
                            SessionOptions.builder().freshInterpreter(true).build()));
                    SandboxSession z = "python".equals(p.language())
                            ? forked.computeIfAbsent(p.language(), l -> awaitForkServer(client.openSession(l,
                                    SessionOptions.defaults()), out))
                            : null;
                    SandboxSession k = kernel.computeIfAbsent(p.language(), l -> client.openSession(l,
                            SessionOptions.builder().stateful(true).build()));
                    Timed a = time(f, p, opts);
                    Timed b = z == null ? null : time(z, p, opts);
                    Timed c = time(k, p, opts);
                    boolean same = b == null || same(a.last, b.last);
                    differing += same ? 0 : 1;
                    out.printf("  %-22s %12.1f %12s %12.1f  %s%n", p.name(), a.median, b == null ? "-"
                            : String.format("%.1f", b.median), c.median, (same ? "" : "OUTPUT DIFFERS ")
                            + a.last.status().wireName());
                    out.flush();
                }
            } finally {
                fresh.values().forEach(SandboxSession::close);
                forked.values().forEach(SandboxSession::close);
                kernel.values().forEach(SandboxSession::close);
            }
            if (differing > 0) {
                spec.commandLine().getErr().printf("sandbox4j: %d program(s) gave different results with the fork "
                        + "server than with a fresh interpreter%n", differing);
                return 1;
            }
        }
        return 0;
    }

    private record Timed(double median, ExecutionResult last) {
    }

    private Timed time(SandboxSession s, Corpus p, RunOptions opts) {
        List<Long> runs = new ArrayList<>();
        ExecutionResult last = null;
        for (int i = 0; i < warmup + iterations; i++) {
            long t0 = System.nanoTime();
            last = s.run(p.code(), opts);
            long t1 = System.nanoTime();
            if (i >= warmup) {
                runs.add(t1 - t0);
            }
        }
        Collections.sort(runs);
        return new Timed(ms(percentile(runs, 50)), last);
    }

    static boolean same(ExecutionResult a, ExecutionResult b) {
        return a.status() == b.status() && a.exitCode() == b.exitCode() && a.stdout().equals(b.stdout())
                && withoutRunDirectory(a.stderr()).equals(withoutRunDirectory(b.stderr()));
    }

    /** A traceback names the run's own directory ({@code /tmp/.sandbox4j/r7/main.py}), numbered per session. */
    static String withoutRunDirectory(String text) {
        return text.replaceAll("/tmp/\\.sandbox4j/r[0-9]+/", "/tmp/.sandbox4j/rN/");
    }

    /**
     * Starts the session's fork server (a run that imports one of its preloads does) and waits (up to 2 minutes) until
     * it has its preloads, so the figures measure forks.
     */
    static SandboxSession awaitForkServer(SandboxSession s, PrintWriter out) {
        s.run("import numpy");
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end) {
            if (s.run("import sys\nprint('numpy' in sys.modules)").stdout().equals("True\n")) {
                return s;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        out.println("  (the fork server did not become ready within 2 minutes: its column measures fresh interpreters)");
        return s;
    }

    private static void check0(ExecutionResult r) {
        if (!r.isOk()) {
            throw new IllegalStateException("benchmark run failed: " + r.status().wireName() + " " + r.stderr());
        }
    }

    /** The pause before each run of the "after a pause" measurement. */
    static final int PAUSE_MS = 200;

    /** Waits (up to 10 s) until the pool has a ready box, so that each pooled open measures the pool, not a miss. */
    private static void awaitReady(SandboxClient client) {
        awaitPools(client, Duration.ofSeconds(10), p -> p.ready() > 0);
    }

    /** Waits (up to 30 s) until the pool has its minimum of ready boxes again. */
    private static void awaitRefilled(SandboxClient client, int minSize) {
        awaitPools(client, Duration.ofSeconds(30), p -> p.ready() >= minSize);
    }

    /**
     * Waits (up to 10 s) until the pool is full again and the previous box is removed, so that each one-shot measures
     * its own latency rather than the engine's background work for the previous one (refill, removal).
     */
    private static void awaitQuiet(SandboxClient client, int minSize) {
        awaitPools(client, Duration.ofSeconds(10), p -> p.ready() >= minSize && p.inUse() == 0);
    }

    /** Polls every 20 ms, up to {@code limit}, until every pool of the client is in the state {@code done} asks. */
    private static void awaitPools(SandboxClient client, Duration limit, Predicate<PoolStats> done) {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end && !client.poolStats().stream().allMatch(done)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void check(ExecutionResult r) {
        if (!r.isOk() || !r.stdout().equals("1\n")) {
            throw new IllegalStateException("benchmark run failed: " + r.status().wireName() + " " + r.stderr());
        }
    }

    static void report(PrintWriter out, String what, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        out.printf("  %-28s median %7.1f ms   p95 %7.1f ms   min %7.1f ms   max %7.1f ms%n", what,
                ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(sorted.get(0)),
                ms(sorted.get(sorted.size() - 1)));
        out.flush();
    }

    static long percentile(List<Long> sorted, int p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
