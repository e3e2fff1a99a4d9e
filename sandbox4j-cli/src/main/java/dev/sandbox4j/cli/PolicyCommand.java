package dev.sandbox4j.cli;

import dev.sandbox4j.Sandbox4j;
import dev.sandbox4j.policy.PolicyFiles;
import dev.sandbox4j.policy.SecurityPolicy;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sandbox4j policy}: prints a policy (a preset or a file) as YAML or JSON, to start a policy file from. */
@Command(mixinStandardHelpOptions = true, name = "policy",
        description = {"Print a security policy (preset or file) with every rule, as YAML (default) or JSON.",
            "Start a policy file from it: sandbox4j policy --preset production > policy.yaml"})
final class PolicyCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Option(names = "--json", description = "JSON instead of YAML.")
    boolean json;

    @Override
    public Integer call() {
        // every rule written out: the languages' default rules the policy applies included
        SecurityPolicy p = Sandbox4j.expand(policyOptions.resolve(SecurityPolicy.production()));
        spec.commandLine().getOut().print(PolicyFiles.toText(p, json));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
