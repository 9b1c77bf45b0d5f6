package dev.keyward.console;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.TestApiServer;
import dev.keyward.testing.TestToolGrants;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The console in a real browser: Debian's headless Chromium driven by Debian's chromedriver (both
 * installed by {@code .ci/run}; nothing is downloaded). Open the printed URL, create a key and see
 * its value once, find it by display name, revoke it through the confirmation; a browser without
 * the token is refused. Each page's screenshot goes to {@code target/console-screenshots/}.
 */
class ConsoleBrowserTest {

  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();
  @TempDir Path profile;

  private final RequestLog consoleRequests = new RequestLog();
  private Console console;
  private WebDriver browser;

  @BeforeEach
  void start() throws Exception {
    assertThat(new File(CHROMIUM))
        .as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)")
        .exists();
    assertThat(new File(CHROMEDRIVER)).as("Debian's chromium-driver").exists();
    console =
        new Console(
            new KubernetesClientBuilder()
                .withConfig(TestApiServer.get().config())
                .withHttpClientBuilderConsumer(
                    b -> b.addOrReplaceInterceptor("console-log", consoleRequests))
                .build(),
            harness.namespace(),
            "127.0.0.1",
            0,
            Clock.systemUTC(),
            Duration.ofSeconds(20),
            harness.namespace());
    OperatorHarness.waiting().until(console::synced);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
        "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (console != null) {
      console.close();
    }
  }

  private void screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(SCREENSHOTS.resolve(name + ".png"), png);
  }

  private String page() {
    return browser.getPageSource();
  }

  @Test
  void createFindAndRevokeAKeyInChromium() throws Exception {
    String ns = harness.namespace();
    String base = "http://127.0.0.1:" + console.port();

    browser.get(base + "/keys");
    assertThat(browser.findElement(By.tagName("body")).getText()).contains("Open the URL that");

    browser.get(console.url());
    assertThat(browser.getCurrentUrl()).isEqualTo(base + "/keys").doesNotContain("token");
    screenshot("keys-empty");

    browser.findElement(By.linkText("Create key")).click();
    browser.findElement(By.name("name")).sendKeys("browser-key");
    browser.findElement(By.name("displayName")).sendKeys("Browser robot");
    browser.findElement(By.name("scopes")).sendKeys("models:read");
    screenshot("create-form");
    browser.findElement(By.cssSelector("form.create button[type=submit]")).click();

    // The answer comes once the operator has issued the key.
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(browser.findElement(By.tagName("body")).getText())
                    .contains("Copy it now, it will not be shown again"));
    String value = OperatorHarness.value(harness.secret("browser-key"), "apiKey");
    assertThat(value).isNotNull();
    assertThat(browser.findElement(By.cssSelector("input.value")).getAttribute("value"))
        .isEqualTo(value);
    // The console's script shows the copy button beside the value; it reports what it did.
    var copy = browser.findElement(By.cssSelector("button[data-copy=new-key]"));
    assertThat(copy.isDisplayed()).isTrue();
    copy.click();
    OperatorHarness.waiting().untilAsserted(() -> assertThat(text("#new-key-status")).isNotBlank());
    screenshot("created-once");

    browser.get(base + "/keys?q=browser+robot");
    OperatorHarness.waiting()
        .untilAsserted(
            () -> {
              browser.navigate().refresh();
              assertThat(text("tbody")).contains("Browser robot", "browser-key");
            });
    awaitLive();
    assertThat(page()).doesNotContain(value);
    screenshot("keys-search");

    browser.findElement(By.linkText("Browser robot")).click();
    assertThat(page()).doesNotContain(value);
    screenshot("key-page");
    browser.findElement(By.linkText("Revoke")).click();
    assertThat(browser.findElement(By.tagName("main")).getText())
        .contains("Browser robot", ns + "/browser-key");
    screenshot("confirm-revoke");
    browser.findElement(By.cssSelector("main form button[type=submit]")).click();
    OperatorHarness.waiting()
        .untilAsserted(
            () -> {
              browser.get(base + "/keys/" + ns + "/browser-key");
              assertThat(text("main .badge")).isEqualTo("Revoked");
            });
    screenshot("revoked");
    assertThat(page()).doesNotContain(value);
  }

  @Test
  void aRevokeByAnotherUserShowsOnTheOpenKeyPageAndListWithoutAReload() throws Exception {
    String ns = harness.namespace();
    harness.create(apiKey("watched", s -> s.setDisplayName("Watched key")));
    harness.awaitApiKey(
        "watched", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    String base = "http://127.0.0.1:" + console.port();
    browser.get(console.url());

    browser.get(base + "/keys/" + ns + "/watched");
    String keyTab = browser.getWindowHandle();
    markNoReload();
    awaitLive();
    browser.switchTo().newWindow(WindowType.TAB);
    browser.get(base + "/keys?q=watched");
    markNoReload();
    awaitLive();
    assertThat(browser.findElement(By.cssSelector("tbody .badge")).getText()).isEqualTo("Active");

    // Another user revokes it through the API; neither page is reloaded.
    long revokedAt = System.nanoTime();
    harness.edit(
        "watched",
        k -> {
          k.getSpec().setRevoked(true);
          return k;
        });
    OperatorHarness.waiting()
        .untilAsserted(() -> assertThat(text("tbody .badge")).isEqualTo("Revoked"));
    long listMillis = (System.nanoTime() - revokedAt) / 1_000_000;
    assertNotReloaded();
    screenshot("keys-live-revoked");
    browser.switchTo().window(keyTab);
    OperatorHarness.waiting()
        .untilAsserted(() -> assertThat(text("main .badge")).isEqualTo("Revoked"));
    assertNotReloaded();
    assertThat(text("main")).contains("Revoked");
    // The wall-clock figure is printed, not asserted (the machine may be busy): the 2 s goal is
    // the operator's reconcile plus one event and one fetch.
    System.out.println("console live: list showed Revoked " + listMillis + " ms after the edit");
  }

  @Test
  void aToolSecretAddedInTheConsoleIsSealedThereAndBecomesActive() throws Exception {
    String ns = harness.namespace();
    String value = "xoxb-browser-sealed-0123456789";
    OperatorHarness.waiting().until(() -> harness.sealingKeys() != null);
    String base = "http://127.0.0.1:" + console.port();
    browser.get(console.url());
    browser.get(base + "/tools");
    browser.findElement(By.linkText("Add secret")).click();
    browser.findElement(By.name("name")).sendKeys("slack-token");
    browser.findElement(By.name("displayName")).sendKeys("Slack bot token");
    browser.findElement(By.name("tool")).sendKeys("slack__*");
    browser.findElement(By.name("toolArg")).sendKeys("token");
    browser.findElement(By.name("defaultForTool")).click();
    browser.findElement(By.name("value")).sendKeys(value);
    screenshot("tools-add-secret");
    browser.findElement(By.cssSelector("button[value=apply]")).click();

    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(browser.getCurrentUrl())
                    .as(text("main"))
                    .isEqualTo(base + "/tools?added=" + ns + "%2Fslack-token"));
    awaitLive();
    // The list follows the operator: Pending, then Active, without a reload.
    OperatorHarness.waiting()
        .untilAsserted(() -> assertThat(text("tbody .badge")).isEqualTo("Active"));
    assertThat(text("tbody")).contains("Slack bot token", "slack-token", "slack__*", "token");
    screenshot("tools");

    // A grant for an agent that needs this secret and one more: the grant page says which entry
    // resolved and how, and the command that fixes the missing one.
    harness.create(
        TestToolGrants.toolGrant(
            "support-agent",
            TestToolGrants.tools(
                TestToolGrants.entry("slack__post_message", "token", "SLACK_TOKEN"),
                TestToolGrants.entry("zendesk__search", "api_token", "ZENDESK_TOKEN"))));
    browser.findElement(By.linkText("Tool grants")).click();
    awaitLive();
    OperatorHarness.waiting()
        .untilAsserted(() -> assertThat(text("tbody .badge")).isEqualTo("Incomplete"));
    screenshot("grants");
    browser.findElement(By.linkText("support-agent")).click();
    awaitLive();
    assertThat(text("table.missing")).contains("zendesk__search", "keyward seal");
    assertThat(text("table.resolved")).contains("slack__post_message", "slack-token");
    screenshot("grant");
    assertThat(harness.toolSecret("slack-token").getSpec().getEncryptedValue())
        .doesNotContain(value);
    assertThat(page()).doesNotContain(value);
  }

  @Test
  void anRbacRefusalIsASentenceAndAFormWithoutItsCsrfTokenChangesNothing() throws Exception {
    String ns = harness.namespace();
    consoleRequests.answerWithErrors(
        r -> "POST".equals(r.method()) && r.path().contains("/apikeys") ? 403 : 0,
        "apikeys.keyward.dev is forbidden: User \"alice\" cannot create resource \"apikeys\" in"
            + " API group \"keyward.dev\" in the namespace \""
            + ns
            + "\"");
    String base = "http://127.0.0.1:" + console.port();
    browser.get(console.url());
    browser.get(base + "/keys/new");
    browser.findElement(By.name("name")).sendKeys("forbidden");
    browser.findElement(By.cssSelector("form.create button[type=submit]")).click();
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(text("main .error"))
                    .startsWith("Kubernetes refused this for your identity (403 Forbidden)")
                    .contains("User \"alice\" cannot create resource \"apikeys\"")
                    .doesNotContain("Exception"));
    screenshot("rbac-refusal");
    assertThat(harness.apiKey("forbidden")).isNull();

    // The same form with its CSRF field taken out, as a forged page would send it.
    consoleRequests.answerWithErrors(r -> 0);
    browser.get(base + "/keys/new");
    browser.findElement(By.name("name")).sendKeys("forged");
    ((JavascriptExecutor) browser)
        .executeScript("document.querySelector('input[name=csrf]').remove();");
    browser.findElement(By.cssSelector("form.create button[type=submit]")).click();
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(text("main"))
                    .contains("did not come from one of the console's own forms"));
    assertThat(harness.apiKey("forged")).isNull();
  }

  /**
   * The text of the first element {@code css} selects, read in the page in one step (a live region
   * may be swapped between a find and a read); null when there is none.
   */
  private String text(String css) {
    return (String)
        ((JavascriptExecutor) browser)
            .executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                css);
  }

  /** Waits until the page's event stream is open. */
  private void awaitLive() {
    OperatorHarness.waiting()
        .until(
            () ->
                "connected"
                    .equals(
                        ((JavascriptExecutor) browser)
                            .executeScript("return document.documentElement.dataset.stream;")));
  }

  private void markNoReload() {
    ((JavascriptExecutor) browser).executeScript("window.keywardNoReload = true;");
  }

  private void assertNotReloaded() {
    assertThat(
            ((JavascriptExecutor) browser).executeScript("return window.keywardNoReload === true;"))
        .as("the page was updated in place, not reloaded")
        .isEqualTo(true);
  }
}
