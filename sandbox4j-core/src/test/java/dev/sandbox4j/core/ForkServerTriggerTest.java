package dev.sandbox4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox4j.core.lang.PythonHandler;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Which programs start a session's fork server: those that import one of its preloads. */
class ForkServerTriggerTest {
    private final Pattern imports = ForkServers.preloadImport(new PythonHandler().forkServerPlan(null));

    @Test
    void importsOfNumpyPandasOrMatplotlibStartIt() {
        assertThat(imports).isNotNull();
        for (String code : new String[] {"import numpy", "import numpy as np", "import pandas as pd\nprint(1)",
            "from matplotlib import pyplot", "import matplotlib.pyplot as plt", "x = 1\n    import os, pandas",
            "from numpy.linalg import solve", "import os, sys, numpy"}) {
            assertThat(imports.matcher(code).find()).as(code).isTrue();
        }
    }

    @Test
    void otherProgramsDoNot() {
        for (String code : new String[] {"print(1)", "import json", "import numpyish", "from mypandas import x",
            "# import numpy", "s = 'import pandas'", "import os  # numpy later", "import matplotlibx"}) {
            assertThat(imports.matcher(code).find()).as(code).isFalse();
        }
    }

    @Test
    void aSessionOfItsOwnPreloadsStartsItWithThose() {
        Pattern own = ForkServers.preloadImport(new PythonHandler().forkServerPlan(java.util.List.of("scipy.stats")));
        assertThat(own.matcher("import scipy").find()).isTrue();
        assertThat(own.matcher("import numpy").find()).isFalse();
        assertThat(ForkServers.preloadImport(null)).isNull();
    }
}
