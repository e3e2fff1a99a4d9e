package dev.sandbox4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.WaitForSelectorState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The web console in a real headless browser (Debian's chromium driven by Playwright): run code, see its output and
 * its plot, open, use and close a session. Skips when chromium is not installed ({@code apt-get install chromium}),
 * unless {@code -Dsandbox.it.strict=true}.
 */
@Tag("docker")
class ConsoleBrowserIT {
    /** The module's build directory, where the screenshots go (failsafe sets basedir; no reliance on the cwd). */
    private static final Path TARGET = Path.of(System.getProperty("basedir", "."), "target");
    static final String RUN_ID = EngineSupport.RUN_ID + "-console";
    static SandboxServer server;

    @BeforeAll
    static void start() {
        EngineSupport.requireEngine();
        chromium(); // skip before starting anything
        server = SandboxServer.start(EngineSupport.config(RUN_ID).build());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            EngineSupport.assertNoBoxes(RUN_ID);
        }
    }

    /** Debian's chromium ({@code -Dsandbox.chromium=PATH} or {@code CHROMIUM} override the search). */
    static Path chromium() {
        Stream<String> candidates = Stream.of(System.getProperty("sandbox.chromium"), System.getenv("CHROMIUM"),
                "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium");
        Path found = candidates.filter(c -> c != null && !c.isBlank()).map(Path::of).filter(Files::isExecutable)
                .findFirst().orElse(null);
        if (found == null) {
            String why = "chromium is not installed (apt-get install -y chromium); the console's browser test needs it";
            if (Boolean.getBoolean("sandbox.it.strict")) {
                Assertions.fail(why + " (sandbox.it.strict=true)");
            }
            Assumptions.abort(why);
        }
        return found;
    }

    @Test
    void runsCodeShowsOutputAndPlotsAndManagesSessions() throws Exception {
        try (Playwright pw = Playwright.create(new Playwright.CreateOptions()
                        .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
                Browser browser = pw.chromium().launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(chromium()).setHeadless(true)
                        .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")))) {
            Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1300, 1000));
            List<String> errors = new CopyOnWriteArrayList<>();
            page.onConsoleMessage(m -> {
                if (m.type().equals("error")) {
                    errors.add(m.text());
                }
            });
            page.onPageError(errors::add);
            page.setDefaultTimeout(60_000);
            page.navigate(server.uri() + "/");
            page.waitForSelector("#language option[value=python]", new Page.WaitForSelectorOptions()
                    .setState(WaitForSelectorState.ATTACHED));
            page.selectOption("#language", "python");
            page.fill("#code", """
                    import matplotlib.pyplot as plt
                    print('hello from the console')
                    plt.plot([0, 1, 2], [0, 1, 4])
                    plt.show()
                    """);
            page.click("#run");
            page.waitForSelector("#status.ok");
            assertThat(page.textContent("#status")).startsWith("ok");
            assertThat(page.textContent("#stdout")).isEqualTo("hello from the console\n");
            Locator plot = page.locator("#artifacts img");
            plot.waitFor();
            assertThat(plot.getAttribute("src")).startsWith("data:image/png;base64,iVBOR");
            assertThat((Boolean) plot.evaluate("img => img.complete && img.naturalWidth > 100")).isTrue();
            page.screenshot(new Page.ScreenshotOptions().setPath(TARGET.resolve("console-plot.png")));

            // a stateful session: open it, run twice in it, close it
            page.check("#stateful");
            page.click("#new-session");
            page.waitForSelector("#sessions tr");
            String id = page.getAttribute("#sessions tr", "data-session");
            assertThat(page.inputValue("#target")).isEqualTo(id);
            page.fill("#code", "answer = 6 * 7");
            page.click("#run");
            page.waitForSelector("#status.ok");
            page.fill("#code", "print(answer)");
            page.click("#run");
            page.waitForFunction("() => document.getElementById('stdout').textContent === '42\\n'");
            page.screenshot(new Page.ScreenshotOptions().setPath(TARGET.resolve("console-session.png")));
            page.click("#sessions tr[data-session='" + id + "'] button.close-session");
            page.waitForSelector("#sessions tr", new Page.WaitForSelectorOptions()
                    .setState(WaitForSelectorState.DETACHED));
            assertThat(page.isVisible("#sessions-empty")).isTrue();
            assertThat(new TestHttp(server.uri(), null).get("/v1/sessions").json().get("sessions")).isEmpty();
            assertThat(errors).as("errors in the page (CSP violations, script errors)").isEmpty();
        }
    }
}
