package dev.sandbox4j.policy;

import dev.sandbox4j.Sandbox4j;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyFilesTest {
    @TempDir
    Path dir;

    @Test
    void loadsYamlExtendingAPreset() throws Exception {
        Path f = dir.resolve("policy.yaml");
        Files.writeString(f, """
                name: team
                extends: production
                threshold: high
                dynamic_imports: high
                remove: [module:python:requests]
                patterns:
                  - id: no-sleep
                    regex: '\\btime\\.sleep\\('
                    description: sleeping wastes the box
                    severity: high
                    languages: [python]
                restricted_modules:
                  - name: numpy
                    description: not here
                    severity: high
                    languages: [python]
                """);
        SecurityPolicy p = PolicyFiles.load(f);
        assertThat(p.name()).isEqualTo("team");
        assertThat(p.threshold()).isEqualTo(Severity.HIGH);
        assertThat(Sandbox4j.check("python", "import requests", p).violations()).isEmpty();
        assertThat(Sandbox4j.check("python", "import time\ntime.sleep(2)", p).allowed()).isFalse();
        assertThat(Sandbox4j.check("python", "import numpy", p).allowed()).isFalse();
        assertThat(Sandbox4j.check("python", "import socket", p).allowed()).as("medium is below the file's threshold").isTrue();
    }

    @Test
    void presetOrFileTakesAPresetByAnyOfItsNamesElseAFileRelativeToTheBaseDirectory() throws Exception {
        assertThat(PolicyFiles.presetOrFile(" Strict ", dir, "policy").name()).isEqualTo("strict");
        assertThat(PolicyFiles.presetOrFile("prod", dir, "policy").name()).isEqualTo("production");
        assertThat(PolicyFiles.presetOrFile("dev", dir, "policy").name()).isEqualTo("development");
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(dir.resolve("conf/team.yaml"), "name: team\nextends: permissive\n");
        assertThat(PolicyFiles.presetOrFile("conf/team.yaml", dir, "policy").name()).isEqualTo("team");
        assertThat(PolicyFiles.presetOrFile(dir.resolve("conf/team.yaml").toString(), Path.of("nowhere"), "policy")
                .name()).as("an absolute path ignores the base directory").isEqualTo("team");
        assertThatThrownBy(() -> PolicyFiles.presetOrFile("lax", dir, "sandbox4j.policy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sandbox4j.policy 'lax' is neither a preset (permissive, development, production, strict) "
                        + "nor a file");
        Files.writeString(dir.resolve("bad.yaml"), "threshold: sometimes\n");
        assertThatThrownBy(() -> PolicyFiles.presetOrFile("bad.yaml", dir, "policy"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad.yaml");
    }

    @Test
    void roundTripsYamlAndJson() {
        SecurityPolicy strict = SecurityPolicy.strict();
        for (String name : new String[] {"p.yaml", "p.json"}) {
            Path f = dir.resolve(name);
            PolicyFiles.save(strict, f);
            SecurityPolicy back = PolicyFiles.load(f);
            assertThat(back.name()).isEqualTo("strict");
            assertThat(back.threshold()).isEqualTo(strict.threshold());
            assertThat(back.patterns()).isEqualTo(strict.patterns());
            assertThat(back.restrictedModules()).isEqualTo(strict.restrictedModules());
        }
    }

    @Test
    void errorsSayWhereAndWhat() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "threshhold: high\n");
        assertThatThrownBy(() -> PolicyFiles.load(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.yaml").hasMessageContaining("unknown key 'threshhold' in top level");
        Files.writeString(f, "patterns:\n  - id: x\n    regex: '('\n    severity: high\n");
        assertThatThrownBy(() -> PolicyFiles.load(f)).hasMessageContaining("invalid regex");
        Files.writeString(f, "threshold: extreme\n");
        assertThatThrownBy(() -> PolicyFiles.load(f)).hasMessageContaining("but was 'extreme'");
        Files.writeString(f, "patterns:\n  - regex: 'x'\n    severity: low\n");
        assertThatThrownBy(() -> PolicyFiles.load(f)).hasMessageContaining("patterns[0] needs 'id'");
        Files.writeString(f, "a: [unclosed\n");
        assertThatThrownBy(() -> PolicyFiles.load(f)).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> PolicyFiles.load(dir.resolve("missing.yaml"))).hasMessageContaining("does not exist");
    }
}
