package dev.sandbox4j.core.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.InstallConfig;
import dev.sandbox4j.core.policy.scan.RubyScanner;
import dev.sandbox4j.spi.ExecutionPlan;
import dev.sandbox4j.spi.InstallContext;
import dev.sandbox4j.spi.PlanContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RubyHandlerTest {
    private static final String RUN = "/tmp/.sandbox4j/r7";
    private final RubyHandler ruby = new RubyHandler();

    @Test
    void writesMainRbAndRunsRubyWithUnbufferedOutput() {
        ExecutionPlan p = ruby.plan("puts ARGV.inspect", new PlanContext(RUN, List.of("a", "b c")));
        assertThat(p.files()).containsOnlyKeys("main.rb", "sandbox4j_prelude.rb");
        assertThat(new String(p.files().get("main.rb"), StandardCharsets.UTF_8)).isEqualTo("puts ARGV.inspect");
        assertThat(new String(p.files().get("sandbox4j_prelude.rb"), StandardCharsets.UTF_8))
                .isEqualTo("$stdout.sync = true\n");
        assertThat(p.argv()).containsExactly("ruby", "-r" + RUN + "/sandbox4j_prelude.rb", RUN + "/main.rb", "a",
                "b c");
        assertThat(p.compile()).isEmpty();
        assertThat(p.env()).isEmpty();
    }

    @Test
    void theOutputDirChangesNothing() {
        ExecutionPlan with = ruby.plan("x", new PlanContext(RUN, List.of(), "/workspace/output", "/workspace"));
        ExecutionPlan without = ruby.plan("x", new PlanContext(RUN, List.of(), null, "/workspace"));
        assertThat(with.argv()).isEqualTo(without.argv());
        assertThat(with.files().keySet()).isEqualTo(without.files().keySet());
    }

    @Test
    void isOnePlugInWithNamesScannerRulesAndRecipeButNoKernelOrInstaller() {
        assertThat(ruby.id()).isEqualTo("ruby");
        assertThat(ruby.aliases()).containsExactly("rb");
        assertThat(ruby.fileExtensions()).containsExactly("rb");
        assertThat(ruby.defaultImage()).isEqualTo("sandbox4j/ruby:bookworm");
        assertThat(ruby.imageRecipe()).isEqualTo("ruby");
        assertThat(ruby.scanner()).isInstanceOf(RubyScanner.class);
        assertThat(ruby.defaultRules().language()).isEqualTo("ruby");
        assertThat(ruby.defaultRules()).isSameAs(new RubyHandler().defaultRules()); // built once
        assertThat(ruby.kernelPlan(new PlanContext(RUN, List.of()))).isNull();
        assertThat(ruby.needsExecutableWorkdir()).isFalse();
        InstallContext ctx = new InstallContext(RUN, "/workspace", InstallConfig.defaults(), null);
        assertThatThrownBy(() -> ruby.installPlan(List.of("rake"), ctx))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("installing libraries is not supported for ruby");
    }
}
