package dev.keyward.console;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.testing.LogCapture;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.TestApiServer;
import dev.keyward.testing.TestToolGrants;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantStatus;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code keyward console} over HTTP against the test API server with the real operator: the session
 * token and its cookie, CSRF, the security headers, search, filters and paging from the cache, a
 * key created with its value shown exactly once, confirmed revoke and rotate, a 403 from the API
 * server shown as a sentence, tool secrets without values, and no value on any other page.
 */
class ConsoleTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  private final RequestLog consoleRequests = new RequestLog();
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private final List<String> pagesSeen = new ArrayList<>();
  private Console console;
  private String cookie;

  private Console start(String namespace) throws IOException {
    var client =
        new KubernetesClientBuilder()
            .withConfig(TestApiServer.get().config())
            .withHttpClientBuilderConsumer(
                b -> b.addOrReplaceInterceptor("console-log", consoleRequests))
            .build();
    console =
        new Console(client, namespace, "127.0.0.1", 0, Clock.systemUTC(), Duration.ofSeconds(20));
    OperatorHarness.waiting().until(console::synced);
    return console;
  }

  @AfterEach
  void stop() {
    if (console != null) {
      console.close();
    }
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + path));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    pagesSeen.add(response.body());
    return response;
  }

  private HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
    String body =
        form.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Opens the printed URL, as a browser would, and keeps the cookie it gets. */
  private void login() throws Exception {
    HttpResponse<String> first =
        get(URI.create(console.url()).getRawPath() + "?" + URI.create(console.url()).getRawQuery());
    assertThat(first.statusCode()).isEqualTo(303);
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    cookie = setCookie.substring(0, setCookie.indexOf(';'));
  }

  private static String csrf(String page) {
    Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page);
    assertThat(m.find()).as("a CSRF field in the form").isTrue();
    return m.group(1);
  }

  private ApiKey awaitActive(String name) {
    return harness.awaitApiKey(
        name, k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
  }

  @Test
  void everyRequestNeedsTheSessionTokenWhichBecomesAStrictHttpOnlyCookie() throws Exception {
    start(harness.namespace());

    HttpResponse<String> none = get("/keys");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.body()).contains("Open the URL that");
    assertThat(get("/static/console.css").statusCode()).isEqualTo(401);
    assertThat(get("/keys?token=not-the-token").statusCode()).isEqualTo(403);
    assertThat(get("/keys", "Cookie", Console.COOKIE + "=guessed").statusCode()).isEqualTo(403);

    String url = console.url();
    assertThat(url).startsWith("http://127.0.0.1:").contains("?token=");
    HttpResponse<String> opened =
        get(URI.create(url).getRawPath() + "?" + URI.create(url).getRawQuery());
    assertThat(opened.statusCode()).isEqualTo(303);
    assertThat(opened.headers().firstValue("Location")).hasValue("/keys");
    String setCookie = opened.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).contains("HttpOnly", "SameSite=Strict", "Path=/");
    cookie = setCookie.substring(0, setCookie.indexOf(';'));

    HttpResponse<String> keys = get("/keys");
    assertThat(keys.statusCode()).isEqualTo(200);
    // The one script is a file from the console; no inline script anywhere.
    assertThat(keys.body())
        .contains("<h1>API keys</h1>", "<script type=\"module\" src=\"/static/console.js\">");
    assertThat(keys.body().replace("<script type=\"module\" src=\"/static/console.js\">", ""))
        .doesNotContain("<script");
    HttpResponse<String> script = get("/static/console.js");
    assertThat(script.headers().firstValue("Content-Type"))
        .hasValue("text/javascript; charset=utf-8");
    assertThat(script.body()).contains("new EventSource(\"/events\")");
    String kept = cookie;
    cookie = null;
    assertThat(get("/static/console.js").statusCode()).isEqualTo(401);
    cookie = kept;
    for (HttpResponse<String> r : List.of(none, keys, get("/static/console.css"), script)) {
      assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
      String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertThat(csp)
          .contains(
              "default-src 'none'",
              "frame-ancestors 'none'",
              "script-src 'self';",
              "connect-src 'self';");
      assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval");
      assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("same-origin");
    }

    // A page fetched through another host name (DNS rebinding) is refused even with the cookie.
    RawHttp.Response rebound =
        RawHttp.get(
            console.port(), "/keys", "Host: evil.example:" + console.port(), "Cookie: " + cookie);
    assertThat(rebound.status()).isEqualTo(403);
  }

  @Test
  void revokeAndDeleteNeedTheFormsCsrfTokenAndTheConfirmationNamesTheKey() throws Exception {
    harness.create(apiKey("billing", s -> s.setDisplayName("Billing service")));
    awaitActive("billing");
    start(harness.namespace());
    login();
    String ns = harness.namespace();

    HttpResponse<String> forged = post("/keys/" + ns + "/billing/revoke", Map.of());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("CSRF token is missing or wrong");
    HttpResponse<String> wrong =
        post("/keys/" + ns + "/billing/revoke", Map.of("csrf", "not-the-token"));
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(get("/keys/" + ns + "/billing/revoke").statusCode()).isEqualTo(404);
    assertThat(harness.apiKey("billing").getSpec().getRevoked()).isNotEqualTo(Boolean.TRUE);

    HttpResponse<String> confirm = get("/keys/" + ns + "/billing/confirm?action=revoke");
    assertThat(confirm.statusCode()).isEqualTo(200);
    assertThat(confirm.body())
        .contains("Billing service", ns + "/billing", "Revoke billing", "method=\"post\"");
    HttpResponse<String> done =
        post("/keys/" + ns + "/billing/revoke", Map.of("csrf", csrf(confirm.body())));
    assertThat(done.statusCode()).isEqualTo(303);
    harness.awaitApiKey(
        "billing", k -> k.getStatus() != null && "Revoked".equals(k.getStatus().getPhase()));
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(get("/keys/" + ns + "/billing").body())
                    .contains("badge-revoked\">Revoked"));

    HttpResponse<String> confirmDelete = get("/keys/" + ns + "/billing/confirm?action=delete");
    assertThat(confirmDelete.body()).contains("Billing service", "Delete billing");
    HttpResponse<String> deleted =
        post("/keys/" + ns + "/billing/delete", Map.of("csrf", csrf(confirmDelete.body())));
    assertThat(deleted.statusCode()).isEqualTo(303);
    assertThat(deleted.headers().firstValue("Location"))
        .hasValue("/keys?deleted=" + ns + "%2Fbilling");
    OperatorHarness.waiting().until(() -> harness.apiKey("billing") == null);
    OperatorHarness.waiting()
        .untilAsserted(
            () -> assertThat(get("/keys/" + ns + "/billing").statusCode()).isEqualTo(404));
  }

  @Test
  void rotateNowFromTheKeyPageIssuesANewVersionShownWithItsEvent() throws Exception {
    harness.create(apiKey("orders", s -> s.setDisplayName("Orders")));
    awaitActive("orders");
    start(harness.namespace());
    login();
    String ns = harness.namespace();

    HttpResponse<String> page = get("/keys/" + ns + "/orders");
    assertThat(page.body()).contains("Conditions", "KeyActive", "Key version</dt><dd>1<");
    HttpResponse<String> confirm = get("/keys/" + ns + "/orders/confirm?action=rotate");
    assertThat(confirm.body()).contains("Rotate orders");
    assertThat(
            post("/keys/" + ns + "/orders/rotate", Map.of("csrf", csrf(confirm.body())))
                .statusCode())
        .isEqualTo(303);
    harness.awaitApiKey(
        "orders",
        k -> k.getStatus() != null && Integer.valueOf(2).equals(k.getStatus().getKeyVersion()));
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(get("/keys/" + ns + "/orders").body())
                    .contains("Key version</dt><dd>2<", "Previous key", "Rotated"));
  }

  @Test
  void createShowsTheValueOnceAndNeitherAReloadNorAnyOtherPageShowsItAgain() throws Exception {
    start(harness.namespace());
    login();
    String ns = harness.namespace();
    int logMark = LogCapture.mark();

    HttpResponse<String> form = get("/keys/new");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("csrf", csrf(form.body()));
    fields.put("name", "ui-key");
    fields.put("namespace", ns);
    fields.put("displayName", "Made in the console");
    fields.put("type", "Agent");
    fields.put("scopes", "models:read, agents:invoke");
    fields.put("expiresAfter", "30d");
    HttpResponse<String> created = post("/keys", fields);
    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(created.headers().firstValue("Cache-Control")).hasValue("no-store");
    String value = OperatorHarness.value(harness.secret("ui-key"), "apiKey");
    assertThat(value).startsWith("kwa_");
    assertThat(created.body())
        .contains("Copy it now, it will not be shown again")
        .contains("value=\"" + value + "\"");

    ApiKey key = harness.apiKey("ui-key");
    assertThat(key.getSpec().getScopes()).containsExactly("models:read", "agents:invoke");
    assertThat(key.getSpec().getExpiresAfter()).isEqualTo("30d");

    HttpResponse<String> reload = post("/keys", fields);
    assertThat(reload.statusCode()).isEqualTo(409);
    assertThat(reload.body()).contains("already exists").doesNotContain(value);
    OperatorHarness.waiting()
        .untilAsserted(
            () -> assertThat(get("/keys?q=console").body()).contains("Made in the console"));
    get("/keys/" + ns + "/ui-key");
    get("/keys");
    get("/tools");
    assertThat(pagesSeen).isNotEmpty().noneMatch(p -> p.contains(value));
    assertThat(reload.body()).doesNotContain(value);
    assertThat(LogCapture.since(logMark)).doesNotContain(value);
  }

  @Test
  void anRbacRefusalIsASentenceNotAStackTrace() throws Exception {
    start(harness.namespace());
    login();
    String message =
        "apikeys.keyward.dev is forbidden: User \"alice\" cannot create resource \"apikeys\" in"
            + " API group \"keyward.dev\" in the namespace \""
            + harness.namespace()
            + "\"";
    consoleRequests.answerWithErrors(
        r -> "POST".equals(r.method()) && r.path().contains("/apikeys") ? 403 : 0, message);

    HttpResponse<String> form = get("/keys/new");
    HttpResponse<String> refused =
        post(
            "/keys",
            Map.of(
                "csrf", csrf(form.body()), "name", "forbidden", "namespace", harness.namespace()));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body())
        .contains("Kubernetes refused this for your identity (403 Forbidden)")
        .contains("User &quot;alice&quot; cannot create resource &quot;apikeys&quot;")
        .doesNotContain("Exception", "at dev.keyward", "at io.fabric8");
    assertThat(harness.apiKey("forbidden")).isNull();
  }

  @Test
  void aListTheIdentityMayNotDoIsShownOnThePage() throws Exception {
    consoleRequests.answerWithErrors(
        r -> "GET".equals(r.method()) && r.path().contains("/apikeys") ? 403 : 0,
        "apikeys.keyward.dev is forbidden: User \"bob\" cannot list resource \"apikeys\"");
    var client =
        new KubernetesClientBuilder()
            .withConfig(TestApiServer.get().config())
            .withHttpClientBuilderConsumer(
                b -> b.addOrReplaceInterceptor("console-log", consoleRequests))
            .build();
    console =
        new Console(
            client, harness.namespace(), "127.0.0.1", 0, Clock.systemUTC(), Duration.ofSeconds(20));
    login();
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(get("/keys").body())
                    .contains("Keyward cannot list ApiKeys: Kubernetes refused this")
                    .contains("User &quot;bob&quot; cannot list"));
  }

  @Test
  void searchFiltersSortingAndPagingComeFromTheCache() throws Exception {
    String ns = "kw-page-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    var admin = harness.admin();
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    Instant now = Instant.now();
    for (int i = 0; i < 120; i++) {
      int n = i;
      ApiKey key =
          apiKey(
              String.format("key-%03d", i),
              s -> {
                s.setDisplayName(n == 7 ? "Payments robot" : "Service " + n);
                s.setType(n % 10 == 0 ? "Agent" : "Standard");
              });
      key.getMetadata().setNamespace(ns);
      ApiKey made = admin.resources(ApiKey.class).inNamespace(ns).resource(key).create();
      ApiKeyStatus status = new ApiKeyStatus();
      status.setPhase(n == 3 ? "Revoked" : "Active");
      status.setCreatedAt(now.minus(Duration.ofDays(200)).toString());
      status.setLastUsedAt(
          n == 5 ? null : now.minus(Duration.ofDays(n == 9 ? 120 : 1)).plusSeconds(n).toString());
      status.setExpiresAt(now.plus(Duration.ofDays(n == 11 ? 3 : 60)).toString());
      made.setStatus(status);
      admin.resources(ApiKey.class).inNamespace(ns).resource(made).updateStatus();
    }
    start(ns);
    login();
    OperatorHarness.waiting()
        .untilAsserted(() -> assertThat(get("/keys").body()).contains("120 keys, page 1 of 3"));

    HttpResponse<String> first = get("/keys");
    assertThat(rows(first.body())).hasSize(50).first().asString().contains("key-000");
    HttpResponse<String> third = get("/keys?page=3");
    assertThat(third.body()).contains("page 3 of 3", "Previous page").doesNotContain("Next page");
    assertThat(rows(third.body())).hasSize(20).last().asString().contains("key-119");

    assertThat(rows(get("/keys?q=payments").body())).singleElement().asString().contains("key-007");
    assertThat(rows(get("/keys?q=KEY-01").body())).hasSize(10);
    assertThat(get("/keys?type=Agent").body()).contains("12 keys");
    assertThat(rows(get("/keys?status=Revoked").body()))
        .singleElement()
        .asString()
        .contains("key-003");
    // key-005 was never used and was created 200 days ago; key-009 was last used 120 days ago.
    List<String> unused = rows(get("/keys?unused=1").body());
    assertThat(unused).hasSize(2);
    assertThat(String.join("", unused)).contains("key-005", "key-009");
    assertThat(rows(get("/keys?expiring=1").body())).singleElement().asString().contains("key-011");
    assertThat(rows(get("/keys?sort=expires").body()).get(0)).contains("key-011");
    // Most recent use first: key-119 used the latest; never used (key-005) last.
    HttpResponse<String> byUse = get("/keys?sort=lastUsed&page=3");
    assertThat(rows(get("/keys?sort=lastUsed").body()).get(0)).contains("key-119");
    List<String> last = rows(byUse.body());
    assertThat(last.get(last.size() - 1)).contains("key-005");
    // "Service 2" and "Service 20" to "Service 29", without the Agent "Service 20".
    assertThat(get("/keys?namespace=" + ns + "&q=service%202&type=Standard").body())
        .contains("10 keys");
  }

  @Test
  void toolSecretsAreListedWithToolArgumentAndMaskedDisplayNeverTheirValue() throws Exception {
    String value = "lin_api_console_0123456789";
    ToolSecret linear =
        toolSecret(
            "linear-token",
            s -> {
              s.setDisplayName("Linear token");
              s.setEncryptedValue(harness.seal(value, "linear-token"));
              s.setTool("agno__linear__*");
              s.setToolArg("api_key");
              s.setDefaultForTool(true);
            });
    harness.create(linear);
    ToolSecret active =
        harness.awaitToolSecret(
            "linear-token",
            t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    start(harness.namespace());
    login();

    OperatorHarness.waiting()
        .untilAsserted(
            () -> {
              String page = get("/tools").body();
              assertThat(page)
                  .contains(
                      "Linear token",
                      "agno__linear__*",
                      "api_key",
                      "<td>yes</td>",
                      "badge-active\">Active",
                      Html.e(active.getStatus().getDisplay()));
            });
    assertThat(pagesSeen).noneMatch(p -> p.contains(value));
  }

  @Test
  void openPagesHearChangesFromTheOneWatchPerKindNotFromPolls() throws Exception {
    harness.create(apiKey("live", s -> s.setDisplayName("Live key")));
    awaitActive("live");
    start(harness.namespace());
    login();
    String ns = harness.namespace();

    // Two open pages, two event streams.
    List<java.util.concurrent.BlockingQueue<String>> pages = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<?>> streams = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
      pages.add(lines);
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + "/events"))
              .header("Cookie", cookie)
              .build();
      HttpResponse<java.util.stream.Stream<String>> response =
          http.send(request, HttpResponse.BodyHandlers.ofLines());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValue("text/event-stream; charset=utf-8");
      assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
      streams.add(
          java.util.concurrent.CompletableFuture.runAsync(
              () -> response.body().forEach(lines::add)));
    }
    OperatorHarness.waiting().until(() -> console.liveStreams() == 2);
    int before = consoleRequests.size();

    // Another user revokes the key through the API.
    harness.edit(
        "live",
        k -> {
          k.getSpec().setRevoked(true);
          return k;
        });
    for (var lines : pages) {
      OperatorHarness.waiting()
          .untilAsserted(() -> assertThat(lines).contains("event: change", "data: ApiKey"));
    }
    OperatorHarness.waiting()
        .untilAsserted(
            () -> assertThat(get("/keys/" + ns + "/live").body()).contains("badge-revoked"));
    // The page refetches from the cache: no list, get or new watch went to the API server.
    assertThat(consoleRequests.since(before)).isEmpty();
    assertThat(
            consoleRequests.requests().stream()
                .filter(r -> r.path().contains("watch=true"))
                .map(r -> r.path().replaceAll("\\?.*", ""))
                .toList())
        .as("one watch per kind, however many pages are open")
        .doesNotHaveDuplicates()
        .hasSize(4);
    streams.forEach(f -> f.cancel(true));
  }

  @Test
  void addSecretSealsTheValueInTheConsoleAndTheOperatorActivatesIt() throws Exception {
    String value = "ghp_console_sealed_0123456789";
    int logMark = LogCapture.mark();
    // The harness's operator keeps its sealing keys in the test's namespace.
    var client = new KubernetesClientBuilder().withConfig(TestApiServer.get().config()).build();
    String ns = harness.namespace();
    console =
        new Console(client, ns, "127.0.0.1", 0, Clock.systemUTC(), Duration.ofSeconds(20), ns);
    OperatorHarness.waiting().until(console::synced);
    OperatorHarness.waiting().until(() -> harness.sealingKeys() != null);
    login();

    HttpResponse<String> form = get("/tools/new");
    assertThat(form.body())
        .contains("type=\"password\" name=\"value\"", "Seal and apply", "Seal and show YAML");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("csrf", csrf(form.body()));
    fields.put("name", "github-token");
    fields.put("namespace", ns);
    fields.put("displayName", "GitHub token");
    fields.put("tool", "github__*");
    fields.put("toolArg", "token");
    fields.put("defaultForTool", "1");
    fields.put("value", value);

    // Without the CSRF token nothing is sealed or applied.
    Map<String, String> forged = new LinkedHashMap<>(fields);
    forged.remove("csrf");
    assertThat(post("/tools", forged).statusCode()).isEqualTo(403);

    // A refused form comes back filled in, except for the value.
    Map<String, String> badTool = new LinkedHashMap<>(fields);
    badTool.put("tool", "git*hub*");
    HttpResponse<String> refused = post("/tools", badTool);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("role=\"alert\"", "value=\"github-token\"");
    pagesSeen.add(refused.body());

    // Sealed YAML for GitOps: nothing is applied; the YAML holds only the sealed value.
    Map<String, String> yamlMode = new LinkedHashMap<>(fields);
    yamlMode.put("mode", "yaml");
    HttpResponse<String> yaml = post("/tools", yamlMode);
    pagesSeen.add(yaml.body());
    assertThat(yaml.statusCode()).isEqualTo(200);
    assertThat(yaml.body())
        .contains(
            "kind: &quot;ToolSecret&quot;", "encryptedValue:", "Nothing was applied", "data-copy=");
    assertThat(harness.toolSecret("github-token")).isNull();
    Map<String, String> downloadMode = new LinkedHashMap<>(fields);
    downloadMode.put("mode", "download");
    HttpResponse<String> download = post("/tools", downloadMode);
    pagesSeen.add(download.body());
    assertThat(download.headers().firstValue("Content-Disposition"))
        .hasValue("attachment; filename=\"github-token.yaml\"");
    assertThat(download.body())
        .startsWith("# Sealed by the Keyward console")
        .contains("kind: \"ToolSecret\"");

    // Seal and apply: the operator opens it, so it was sealed for this cluster and this name.
    fields.put("mode", "apply");
    HttpResponse<String> applied = post("/tools", fields);
    assertThat(applied.statusCode()).isEqualTo(303);
    assertThat(applied.headers().firstValue("Location"))
        .hasValue("/tools?added=" + ns + "%2Fgithub-token");
    ToolSecret active =
        harness.awaitToolSecret(
            "github-token",
            t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    assertThat(active.getSpec().getTool()).isEqualTo("github__*");
    assertThat(active.getSpec().getToolArg()).isEqualTo("token");
    assertThat(active.getSpec().getDefaultForTool()).isTrue();
    assertThat(active.getSpec().getEncryptedValue()).doesNotContain(value);
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(get("/tools?added=" + ns + "%2Fgithub-token").body())
                    .contains(
                        "Added ToolSecret " + ns + "/github-token",
                        "GitHub token",
                        "badge-active\">Active"));
    assertThat(post("/tools", fields).statusCode()).as("the name is taken now").isEqualTo(409);

    assertThat(pagesSeen).noneMatch(p -> p.contains(value));
    assertThat(LogCapture.since(logMark)).doesNotContain(value);
  }

  @Test
  void editSavesDisplayNameScopesAndExpiryWithTheVersionTheFormWasBuiltFrom() throws Exception {
    harness.create(
        apiKey(
            "editable",
            s -> {
              s.setDisplayName("Old name");
              s.setScopes(List.of("models:read"));
            }));
    awaitActive("editable");
    start(harness.namespace());
    login();
    String ns = harness.namespace();

    assertThat(get("/keys/" + ns + "/editable").body()).contains("/keys/" + ns + "/editable/edit");
    HttpResponse<String> form = get("/keys/" + ns + "/editable/edit");
    assertThat(form.body())
        .contains("value=\"Old name\"", "value=\"models:read\"", "Save changes to editable");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("csrf", csrf(form.body()));
    Matcher rv =
        Pattern.compile("name=\"resourceVersion\" value=\"([^\"]+)\"").matcher(form.body());
    assertThat(rv.find()).isTrue();
    fields.put("resourceVersion", rv.group(1));
    fields.put("displayName", "New name");
    fields.put("scopes", "models:read, models:write");
    fields.put("expiresAfter", "30d");

    Map<String, String> forged = new LinkedHashMap<>(fields);
    forged.put("csrf", "not-the-token");
    assertThat(post("/keys/" + ns + "/editable/edit", forged).statusCode()).isEqualTo(403);
    assertThat(harness.apiKey("editable").getSpec().getDisplayName()).isEqualTo("Old name");

    HttpResponse<String> saved = post("/keys/" + ns + "/editable/edit", fields);
    assertThat(saved.statusCode()).isEqualTo(303);
    assertThat(saved.headers().firstValue("Location"))
        .hasValue("/keys/" + ns + "/editable?done=edit");
    ApiKey edited = harness.apiKey("editable");
    assertThat(edited.getSpec().getDisplayName()).isEqualTo("New name");
    assertThat(edited.getSpec().getScopes()).containsExactly("models:read", "models:write");
    assertThat(edited.getSpec().getExpiresAfter()).isEqualTo("30d");
    // The operator takes the new expiry; the page shows it once the watch brings it.
    harness.awaitApiKey(
        "editable", k -> k.getStatus() != null && k.getStatus().getExpiresAt() != null);
    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(get("/keys/" + ns + "/editable?done=edit").body())
                    .contains("Saved.", "<h1>New name</h1>", "models:read, models:write")
                    .doesNotContain("<dt>Expires</dt><dd>never</dd>"));

    // A form built from an older version is refused, not saved over the newer one.
    fields.put("displayName", "Stale name");
    HttpResponse<String> stale = post("/keys/" + ns + "/editable/edit", fields);
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(stale.body()).contains("Someone changed this key since you opened the form");
    assertThat(harness.apiKey("editable").getSpec().getDisplayName()).isEqualTo("New name");
  }

  @Test
  void aGrantShowsResolvedEntriesAndForEachMissingOneTheCommandThatFixesIt() throws Exception {
    String value = "lin_api_grant_0123456789";
    harness.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(harness.seal(value, "linear"));
              s.setTool("agno__linear__*");
              s.setToolArg("api_key");
            }));
    harness.awaitToolSecret(
        "linear", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    harness.create(
        TestToolGrants.toolGrant(
            "research-agent",
            TestToolGrants.tools(
                TestToolGrants.entry("agno__linear__list_issues", "api_key", "LINEAR_API_KEY"),
                TestToolGrants.entry("agno__github__search", "token", "GITHUB_TOKEN"))));
    ToolGrant incomplete =
        harness.awaitToolGrant(
            "research-agent",
            g ->
                g.getStatus() != null
                    && g.getStatus().getMissing() != null
                    && g.getStatus().getResolved() != null);
    start(harness.namespace());
    login();
    String ns = harness.namespace();

    OperatorHarness.waiting()
        .untilAsserted(
            () ->
                assertThat(get("/grants").body())
                    .contains(
                        "Tool grants",
                        "/grants/" + ns + "/research-agent",
                        "badge-" + incomplete.getStatus().getPhase().toLowerCase(),
                        "<td>1/2</td>",
                        "GITHUB_TOKEN"));
    String page = get("/grants/" + ns + "/research-agent").body();
    ToolGrantStatus.Missing missing = incomplete.getStatus().getMissing().get(0);
    assertThat(missing.getFix()).isNotBlank();
    assertThat(page)
        .contains(
            "<h2>Missing</h2>",
            "agno__github__search",
            Html.e(missing.getFix()),
            "/tools/new?namespace=" + ns + "&amp;tool=agno__github__search&amp;toolArg=token",
            "<h2>Resolved</h2>",
            "agno__linear__list_issues",
            "LINEAR_API_KEY",
            "<td>linear</td>",
            "<td>" + incomplete.getStatus().getResolved().get(0).getMatch() + "</td>");
    // The fix's "Add secret" link opens the form filled in for that entry.
    assertThat(
            get("/tools/new?namespace=" + ns + "&tool=agno__github__search&toolArg=token").body())
        .contains("value=\"agno__github__search\"", "value=\"token\"");
    assertThat(get("/grants/" + ns + "/nothing").statusCode()).isEqualTo(404);
    assertThat(pagesSeen).noneMatch(p -> p.contains(value));
  }

  private static List<String> rows(String page) {
    int body = page.indexOf("<tbody>");
    int end = page.indexOf("</tbody>");
    List<String> rows = new ArrayList<>();
    Matcher m = Pattern.compile("<tr>(.*?)</tr>").matcher(page.substring(body, end));
    while (m.find()) {
      rows.add(m.group(1));
    }
    return rows;
  }
}
