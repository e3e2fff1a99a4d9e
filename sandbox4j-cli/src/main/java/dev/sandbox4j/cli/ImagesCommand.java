package dev.sandbox4j.cli;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox4j.LanguageInfo;
import dev.sandbox4j.docker.DockerClients;
import dev.sandbox4j.docker.DockerImageBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sandbox4j images}: builds and lists the runtime images. */
@Command(mixinStandardHelpOptions = true, name = "images", description = "Build or list the runtime images (built locally: no registry needed).",
        subcommands = {ImagesCommand.Build.class, ImagesCommand.ListImages.class})
final class ImagesCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: images build or images list");
    }

    static DockerClient docker() {
        return DockerClients.createDefault();
    }

    @Command(mixinStandardHelpOptions = true, name = "build", description = {
        "Build the Debian base image (debootstrap) and the language images FROM it.",
        "Images whose recipe has not changed are kept (idempotent). Needs root and debootstrap for the base."})
    static final class Build implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "LANG", arity = "0..*", completionCandidates = Registries.Images.class,
                description = "Languages to build: ${COMPLETION-CANDIDATES} (the image recipes; a language's alias "
                        + "names its recipe too; default: all, and the base image they are built FROM).")
        List<String> languages = new ArrayList<>();

        @Option(names = "--force", description = "Rebuild even if up to date.")
        boolean force;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            List<String> recipes = DockerImageBuilder.buildableLanguages();
            List<String> langs;
            try {
                langs = languages.isEmpty() ? recipes
                        : ImageRecipes.resolve(languages, Registries.languages(), recipes);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (languages.isEmpty()) {
                for (LanguageInfo l : ImageRecipes.withoutRecipe(Registries.languages(), recipes)) {
                    out.println("not built: " + ImageRecipes.missing(l, recipes));
                }
            }
            try (DockerClient dc = docker()) {
                DockerImageBuilder builder = new DockerImageBuilder(dc, line -> {
                    out.println(line);
                    out.flush();
                });
                List<String> built = builder.build(langs, force);
                out.println(built.isEmpty() ? "all images up to date" : "built: " + String.join(", ", built));
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "Show the runtime images and whether they are present and up to date.")
    static final class ListImages implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            int missing = 0;
            try (DockerClient dc = docker()) {
                DockerImageBuilder builder = new DockerImageBuilder(dc, line -> { });
                for (String l : DockerImageBuilder.buildableLanguages()) {
                    DockerImageBuilder.Status s = builder.status(l);
                    out.printf("%-11s %-32s %s%n", l, s.image(),
                            !s.present() ? "missing" : s.upToDate() ? "up to date" : "outdated");
                    if (!s.present()) {
                        missing++;
                    }
                }
            }
            return missing == 0 ? 0 : 1;
        }
    }
}
