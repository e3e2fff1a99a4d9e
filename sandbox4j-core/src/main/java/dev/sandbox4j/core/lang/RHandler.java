package dev.sandbox4j.core.lang;

import static dev.sandbox4j.policy.Severity.HIGH;
import static dev.sandbox4j.policy.Severity.LOW;
import static dev.sandbox4j.policy.Severity.MEDIUM;

import dev.sandbox4j.core.policy.scan.RScanner;
import dev.sandbox4j.policy.LanguageRules;
import dev.sandbox4j.policy.SourceScanner;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import dev.sandbox4j.spi.LanguageHandler;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * R: writes {@code main.R} and runs it with {@code Rscript}. Plots go to {@code Rplots.pdf} in the work directory,
 * or, when the run captures artifacts, to PNG files in the output directory (through an R profile that makes
 * {@code png} the default device).
 */
public final class RHandler implements LanguageHandler {
    static final String ID = "r";
    /** Where installed packages go, relative to the home directory. */
    static final String LIB_DIR = ".R/library";
    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]");

    /** The default security rules for {@value #ID} code (severities on the scale {@link LanguageRules} describes). */
    private static final LanguageRules RULES = LanguageRules.builder(ID)
            .pattern("system", "(?<![\\w.])(system|system2|shell|shell\\.exec|pipe)\\s*\\(", "runs a system command", HIGH)
            .pattern("dyn-load", "(?<![\\w.])(dyn\\.load|library\\.dynam)\\s*\\(|\\.(C|Call|External|Fortran)\\s*\\(", "loads native code", HIGH)
            .pattern("eval", "(?<![\\w.])eval\\s*\\(\\s*(parse|str2lang|str2expression)\\s*\\(", "evaluates code built from text", MEDIUM)
            .pattern("delete", "(?<![\\w.])(file\\.remove|unlink)\\s*\\(", "deletes files", MEDIUM)
            .pattern("network", "(?<![\\w.])(url|download\\.file|socketConnection|make\\.socket|curlGetHeaders)\\s*\\(", "network access", MEDIUM)
            .pattern("file-write", "(?<![\\w.])(writeLines|write\\.csv|write\\.table|saveRDS|save|sink|cat\\s*\\([^)]*\\bfile\\s*=)\\s*\\(?",
                        "writes files", LOW)
            .pattern("env", "(?<![\\w.])Sys\\.(getenv|setenv)\\s*\\(", "reads or changes the environment", LOW)
            .module("processx", "runs system commands", HIGH)
            .module("sys", "runs system commands", HIGH)
            .modules(List.of("Rcpp", "inline", "callr"),
                    "compiles or runs native code / processes", MEDIUM)
            .modules(List.of("httr", "httr2", "curl", "RCurl", "rvest", "websocket", "socket", "crul"),
                    "network access", MEDIUM)
            .modules(List.of("paws", "aws.s3", "aws.signature", "googleCloudStorageR", "AzureStor"),
                    "cloud SDK", MEDIUM)
            .module("reticulate", "runs Python", MEDIUM)
            .module("parallel", "creates processes", LOW)
            .module("future", "creates processes", LOW)
            .build();

    @Override
    public String id() {
        return ID;
    }

    /** The {@link RScanner}: comments, strings and imports of r code. */
    @Override
    public SourceScanner scanner() {
        return new RScanner();
    }

    @Override
    public LanguageRules defaultRules() {
        return RULES;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("rscript", "rlang");
    }

    @Override
    public Set<String> fileExtensions() {
        return Set.of("r");
    }

    @Override
    public String defaultImage() {
        return "sandbox4j/r:bookworm";
    }

    @Override
    public ExecutionPlan plan(String code, PlanContext context) {
        List<String> argv = new ArrayList<>(List.of("Rscript", "--no-save", "--no-restore", context.path("main.R")));
        argv.addAll(context.args());
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("main.R", code.getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("R_LIBS_USER", context.home() + "/" + LIB_DIR);
        if (context.outputDir() != null) {
            files.put("sandbox4j_profile.R", HandlerSupport.resource("sandbox4j_profile.R"));
            env.put("R_PROFILE_USER", context.path("sandbox4j_profile.R"));
            env.put("SANDBOX4J_OUTPUT_DIR", context.outputDir());
        }
        return new ExecutionPlan(files, argv, env);
    }

    /** {@code sandbox4j_kernel.R}: one R session; requests on fd 3, messages on fd 4; plots as PNG displays. */
    @Override
    public ExecutionPlan kernelPlan(PlanContext context) {
        return new ExecutionPlan(Map.of("sandbox4j_kernel.R", HandlerSupport.resource("sandbox4j_kernel.R")),
                List.of("/bin/sh", "-c", "exec Rscript --no-save --no-restore \"$1\" 3<&0 4>&1 </dev/null 1>&2",
                        "kernel", context.path("sandbox4j_kernel.R")),
                Map.of("R_LIBS_USER", context.home() + "/" + LIB_DIR));
    }

    /** {@code install.packages} from the configured CRAN mirror into {@code ~/.R/library}; fails if any is missing. */
    @Override
    public ExecutionPlan installPlan(List<String> libraries, InstallContext context) {
        HandlerSupport.checkLibraries("r", "a CRAN package name such as 'jsonlite'", PACKAGE, libraries);
        // --vanilla: no profile or environ file from the (untrusted) home directory runs while the box has a network
        List<String> argv = new ArrayList<>(List.of("Rscript", "--vanilla", "-e", """
                a <- commandArgs(TRUE); repo <- a[1]; pkgs <- a[-1]; lib <- Sys.getenv("R_LIBS_USER")
                dir.create(lib, recursive = TRUE, showWarnings = FALSE)
                options(warn = 1)
                install.packages(pkgs, lib = lib, repos = repo, quiet = TRUE)
                ok <- pkgs %in% rownames(installed.packages(lib.loc = lib))
                if (!all(ok)) { message("not installed: ", paste(pkgs[!ok], collapse = ", ")); quit(status = 1) }
                """, context.config().cranRepository()));
        argv.addAll(libraries);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("R_LIBS_USER", context.home() + "/" + LIB_DIR);
        if (context.caBundle() != null) {
            env.put("CURL_CA_BUNDLE", context.caBundle());
        }
        return new ExecutionPlan(Map.of(), argv, env);
    }
}
