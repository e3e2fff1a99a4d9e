package dev.sandbox4j.cli;

import dev.sandbox4j.SandboxClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sandbox4j gc}: removes boxes left behind by crashed processes. */
@Command(mixinStandardHelpOptions = true, name = "gc", description = {"Remove sandbox containers left behind by sandbox4j processes that are gone.",
    "Containers of running sandbox4j processes are kept unless --all is given."})
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    SandboxCommand parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--all", description = "Remove every sandbox4j container, including those of running processes.")
    boolean all;

    @Override
    public Integer call() {
        try (SandboxClient client = parent.clients.create(Map.of(), false)) {
            List<String> removed = all ? client.removeAll() : client.removeOrphans();
            spec.commandLine().getOut().println("removed " + removed.size() + " container(s)"
                    + (removed.isEmpty() ? "" : ": " + String.join(", ", removed.stream().map(id -> id.substring(0, Math.min(12, id.length()))).toList())));
        }
        return 0;
    }
}
