package dev.keyward.console;

import static dev.keyward.console.Html.badge;
import static dev.keyward.console.Html.csrf;
import static dev.keyward.console.Html.e;
import static dev.keyward.console.Html.u;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeySpec;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyPolicy;
import dev.keyward.apikey.PreviousKey;
import dev.keyward.cli.ClusterAccess;
import dev.keyward.runtime.OperatorSettings;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * {@code keyward console}: a local web page over the ApiKeys and ToolSecrets the user's own
 * kubeconfig identity may see. Reads come from informer caches (one watch per kind per process,
 * never an API call per page view); writes go to the API server as that identity, so RBAC decides.
 *
 * <p>Security: every request needs the session token (from the printed URL once, then an HttpOnly
 * SameSite=Strict cookie), a Host header naming this console (against DNS rebinding), and every
 * change is a POST carrying the per-process CSRF token. Every answer has {@code Cache-Control:
 * no-store}, a Content-Security-Policy that allows no script at all, {@code Referrer-Policy:
 * same-origin} (nothing leaves for other sites; {@code no-referrer} would make browsers send {@code
 * Origin: null} on the console's own forms) and refuses framing. A key's value is read from its
 * Secret once, right after the console created it, written into that one answer and not kept.
 */
public final class Console implements AutoCloseable {

  static final String COOKIE = "keyward-console";
  static final String CSP =
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self';"
          + " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  private static final int MAX_FORM = 64 * 1024;

  private final KubernetesClient client;
  private final String namespace;
  private final Clock clock;
  private final Duration valueWait;
  private final AddSecret addSecret;
  private final String token;
  private final String csrfToken;
  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          8 + Live.MAX_STREAMS,
          r -> {
            Thread t = new Thread(r, "keyward-console");
            t.setDaemon(true);
            return t;
          });
  private final Informed<ApiKey> keys;
  private final Informed<ToolSecret> tools;
  private final Informed<Event> events;
  private final Informed<ToolGrant> grants;
  private final Set<String> hosts;
  private final Live live = new Live();

  /** A watched kind: its informer and why its first list failed, if it did. */
  private record Informed<T extends HasMetadata>(
      String kind, SharedIndexInformer<T> informer, AtomicReference<Throwable> failure) {

    static <T extends HasMetadata> Informed<T> start(String kind, SharedIndexInformer<T> informer) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      informer.exceptionHandler(
          (started, t) -> {
            failure.set(t);
            return true;
          });
      CompletableFuture<Void> started = informer.start().toCompletableFuture();
      started.whenComplete(
          (ok, t) -> {
            if (t != null) {
              failure.set(t);
            } else {
              failure.set(null);
            }
          });
      return new Informed<>(kind, informer, failure);
    }

    List<T> items() {
      return informer.getStore().list();
    }

    /** A sentence when the cache cannot be trusted yet; null when it has synced. */
    String problem() {
      if (informer.hasSynced()) {
        return null;
      }
      Throwable t = failure.get();
      return t == null
          ? "Still loading " + kind + "s from the cluster; reload in a moment."
          : "Keyward cannot list " + kind + "s: " + Console.sentence(t);
    }
  }

  /**
   * @param client the user's own client; the console closes it
   * @param namespace the one namespace to show, or null for every namespace
   * @param address where to listen, normally 127.0.0.1
   * @param port 0 for any free port
   * @param valueWait how long the create page waits for the operator to issue the new key
   */
  public Console(
      KubernetesClient client,
      String namespace,
      String address,
      int port,
      Clock clock,
      Duration valueWait)
      throws IOException {
    this(
        client,
        namespace,
        address,
        port,
        clock,
        valueWait,
        System.getenv()
            .getOrDefault("KEYWARD_NAMESPACE", OperatorSettings.DEFAULT_OPERATOR_NAMESPACE));
  }

  /**
   * @param operatorNamespace where Keyward runs: its ConfigMap of public sealing keys is read from
   *     there to seal a tool secret added in the console
   */
  public Console(
      KubernetesClient client,
      String namespace,
      String address,
      int port,
      Clock clock,
      Duration valueWait,
      String operatorNamespace)
      throws IOException {
    this.client = client;
    this.namespace = namespace;
    this.clock = clock;
    this.valueWait = valueWait;
    SecureRandom random = new SecureRandom();
    this.token = randomToken(random);
    this.csrfToken = randomToken(random);
    this.addSecret = new AddSecret(client, operatorNamespace, csrfToken);
    this.keys = Informed.start("ApiKey", informer(client, ApiKey.class, namespace));
    this.tools = Informed.start("ToolSecret", informer(client, ToolSecret.class, namespace));
    this.grants = Informed.start("ToolGrant", informer(client, ToolGrant.class, namespace));
    // One namespace: its Events, filtered in memory. Every namespace: only Events about ApiKeys
    // (a field selector), so the cache does not hold the whole cluster's Events.
    this.events =
        Informed.start(
            "Event",
            namespace == null
                ? client
                    .v1()
                    .events()
                    .inAnyNamespace()
                    .withField("involvedObject.kind", "ApiKey")
                    .runnableInformer(0)
                : client.v1().events().inNamespace(namespace).runnableInformer(0));
    live.follow("ApiKey", keys.informer);
    live.follow("ToolSecret", tools.informer);
    live.follow("Event", events.informer);
    live.follow("ToolGrant", grants.informer);
    server = HttpServer.create(new InetSocketAddress(address, port), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    int bound = server.getAddress().getPort();
    String host = address.contains(":") ? "[" + address + "]" : address;
    hosts =
        Set.copyOf(
            List.of(
                host + ":" + bound, "localhost:" + bound, "127.0.0.1:" + bound, "[::1]:" + bound));
  }

  /** The URL to open, with the session token. */
  public String url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + a.getPort() + "/?token=" + token;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Event streams (open pages following changes) now. */
  int liveStreams() {
    return live.streams();
  }

  /** Whether both kinds' caches have synced. */
  public boolean synced() {
    return keys.informer.hasSynced() && tools.informer.hasSynced() && grants.informer.hasSynced();
  }

  @Override
  public void close() {
    live.close();
    server.stop(0);
    executor.shutdownNow();
    keys.informer.close();
    tools.informer.close();
    events.informer.close();
    grants.informer.close();
    client.close();
  }

  private static String randomToken(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** One answer: status, extra headers, HTML body. */
  private record Answer(int status, String body, Map<String, String> headers) {
    static Answer html(int status, String body) {
      return new Answer(status, body, Map.of());
    }

    /** Not an answer: {@link #handle} serves the page's event stream instead. */
    static final Answer STREAM = new Answer(200, "", Map.of());

    static Answer redirect(String to) {
      return new Answer(303, "", Map.of("Location", to));
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Answer answer;
      try {
        answer = route(exchange);
      } catch (KubernetesClientException e) {
        answer =
            Answer.html(
                e.getCode() == 403 ? 403 : 502,
                Html.page(
                    "Not done", "<p class=\"error\" role=\"alert\">" + e(sentence(e)) + "</p>"));
      } catch (RuntimeException e) {
        answer =
            Answer.html(
                500,
                Html.page(
                    "Something went wrong",
                    "<p class=\"error\" role=\"alert\">The console could not answer: "
                        + e(e.getClass().getSimpleName())
                        + ".</p>"));
      }
      if (answer == Answer.STREAM) {
        live.stream(exchange, () -> securityHeaders(exchange));
        return;
      }
      send(exchange, answer);
    }
  }

  private static void securityHeaders(HttpExchange exchange) {
    var headers = exchange.getResponseHeaders();
    headers.set("Cache-Control", "no-store");
    headers.set("Content-Security-Policy", CSP);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", "same-origin");
  }

  private static void send(HttpExchange exchange, Answer answer) throws IOException {
    securityHeaders(exchange);
    var headers = exchange.getResponseHeaders();
    answer.headers().forEach(headers::set);
    if (!headers.containsKey("Content-Type")) {
      headers.set("Content-Type", "text/html; charset=utf-8");
    }
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private Answer route(HttpExchange exchange) throws IOException {
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (host == null || !hosts.contains(host.toLowerCase(java.util.Locale.ROOT))) {
      return Answer.html(
          403, Html.page("Refused", "<p>This console answers only requests addressed to it.</p>"));
    }
    Map<String, String> query = params(exchange.getRequestURI().getRawQuery());
    String given = query.get("token");
    String path = exchange.getRequestURI().getPath();
    if (given != null) {
      if (!same(given, token)) {
        return Answer.html(403, Html.page("Refused", "<p>That session token is not valid.</p>"));
      }
      query.remove("token");
      return new Answer(
          303,
          "",
          Map.of(
              "Location",
              ("/".equals(path) ? "/keys" : path) + queryString(query),
              "Set-Cookie",
              COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict"));
    }
    String cookie = cookie(exchange);
    if (cookie == null) {
      return Answer.html(
          401,
          Html.page(
              "Session token needed",
              "<p>Open the URL that <code>keyward console</code> printed: it carries the session"
                  + " token.</p>"));
    }
    if (!same(cookie, token)) {
      return Answer.html(
          403,
          Html.page(
              "Refused",
              "<p>This session token is not the console's: open the URL that <code>keyward"
                  + " console</code> printed.</p>"));
    }
    String method = exchange.getRequestMethod();
    if ("POST".equals(method)) {
      String origin = exchange.getRequestHeaders().getFirst("Origin");
      Map<String, String> form = form(exchange);
      if ((origin != null && !origin.equals("http://" + host))
          || !same(form.getOrDefault("csrf", ""), csrfToken)) {
        return Answer.html(
            403,
            Html.page(
                "Refused",
                "<p class=\"error\" role=\"alert\">This change did not come from one of the"
                    + " console's own forms (its CSRF token is missing or wrong), so nothing was"
                    + " done.</p>"));
      }
      return post(path, form);
    }
    if (!"GET".equals(method)) {
      return Answer.html(405, Html.page("Not allowed", "<p>Only GET and POST.</p>"));
    }
    return get(path, query);
  }

  private Answer get(String path, Map<String, String> query) {
    if ("/".equals(path)) {
      return Answer.redirect("/keys");
    }
    if ("/static/console.css".equals(path)) {
      return new Answer(
          200, resource("console.css"), Map.of("Content-Type", "text/css; charset=utf-8"));
    }
    if ("/static/console.js".equals(path)) {
      return new Answer(
          200, resource("console.js"), Map.of("Content-Type", "text/javascript; charset=utf-8"));
    }
    if ("/events".equals(path)) {
      return Answer.STREAM;
    }
    if ("/keys".equals(path)) {
      return keysPage(query);
    }
    if ("/keys/new".equals(path)) {
      return Answer.html(200, createForm(Map.of(), null));
    }
    if ("/tools".equals(path)) {
      return toolsPage(query);
    }
    if ("/tools/new".equals(path)) {
      // Prefilled from a grant's missing entry; never a value.
      Map<String, String> prefill = new LinkedHashMap<>();
      for (String field : List.of("name", "namespace", "tool", "toolArg")) {
        if (query.containsKey(field)) {
          prefill.put(field, query.get(field));
        }
      }
      return Answer.html(200, addSecret.page(prefill, namespace, null));
    }
    if ("/grants".equals(path)) {
      return Answer.html(200, GrantPages.list(grants.items(), grants.problem()));
    }
    String[] parts = path.split("/");
    if (parts.length == 4 && "grants".equals(parts[1])) {
      ToolGrant grant = grants.informer.getStore().getByKey(parts[2] + "/" + parts[3]);
      if (grant == null) {
        return Answer.html(
            404,
            Html.page(
                "Not found",
                "<p>There is no ToolGrant "
                    + e(parts[3])
                    + " in namespace "
                    + e(parts[2])
                    + " (or not yet).</p>"));
      }
      return Answer.html(200, GrantPages.grant(grant));
    }
    // /keys/{namespace}/{name} and /keys/{namespace}/{name}/confirm?action=...
    if (parts.length >= 4 && "keys".equals(parts[1])) {
      ApiKey key = cached(parts[2], parts[3]);
      if (key == null) {
        return notFound(parts[2], parts[3]);
      }
      if (parts.length == 4) {
        return Answer.html(200, keyPage(key, query.get("done")));
      }
      if (parts.length == 5 && "edit".equals(parts[4])) {
        return Answer.html(200, editForm(key, null, null));
      }
      if (parts.length == 5 && "confirm".equals(parts[4])) {
        return confirmPage(key, query.getOrDefault("action", ""));
      }
    }
    return Answer.html(404, Html.page("Not found", "<p>No such page.</p>"));
  }

  private Answer post(String path, Map<String, String> form) {
    if ("/keys".equals(path)) {
      return create(form);
    }
    if ("/tools".equals(path)) {
      AddSecret.Outcome outcome = addSecret.submit(form);
      if (outcome instanceof AddSecret.Refused r) {
        return Answer.html(r.status(), addSecret.page(form, namespace, r.reason()));
      }
      if (outcome instanceof AddSecret.Applied a) {
        return Answer.redirect("/tools?added=" + u(a.namespace() + "/" + a.name()));
      }
      AddSecret.Sealed sealed = (AddSecret.Sealed) outcome;
      if ("download".equals(form.get("mode"))) {
        return new Answer(
            200,
            sealed.yaml(),
            Map.of(
                "Content-Type",
                "application/yaml; charset=utf-8",
                "Content-Disposition",
                "attachment; filename=\"" + sealed.name() + ".yaml\""));
      }
      return Answer.html(200, AddSecret.yamlPage(sealed));
    }
    String[] parts = path.split("/");
    if (parts.length == 5 && "keys".equals(parts[1])) {
      String ns = parts[2];
      String name = parts[3];
      if (cached(ns, name) == null) {
        return notFound(ns, name);
      }
      var resource = client.resources(ApiKey.class).inNamespace(ns).withName(name);
      String back = "/keys/" + u(ns) + "/" + u(name);
      switch (parts[4]) {
        case "edit" -> {
          return edit(cached(ns, name), form);
        }
        case "rotate" -> {
          String patch =
              Serialization.asJson(
                  Map.of(
                      "metadata",
                      Map.of(
                          "annotations",
                          Map.of(ApiKey.ROTATE_ANNOTATION, clock.instant().toString()))));
          resource.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
          return Answer.redirect(back + "?done=rotate");
        }
        case "revoke" -> {
          resource.patch(
              PatchContext.of(PatchType.JSON_MERGE),
              Serialization.asJson(Map.of("spec", Map.of("revoked", true))));
          return Answer.redirect(back + "?done=revoke");
        }
        case "delete" -> {
          resource.delete();
          return Answer.redirect("/keys?deleted=" + u(ns + "/" + name));
        }
        default -> {
          return Answer.html(404, Html.page("Not found", "<p>No such action.</p>"));
        }
      }
    }
    return Answer.html(404, Html.page("Not found", "<p>No such page.</p>"));
  }

  private ApiKey cached(String ns, String name) {
    return keys.informer.getStore().getByKey(ns + "/" + name);
  }

  private static Answer notFound(String ns, String name) {
    return Answer.html(
        404,
        Html.page(
            "Not found",
            "<p>There is no ApiKey " + e(name) + " in namespace " + e(ns) + " (or not yet).</p>"));
  }

  // ---- pages ----

  private Answer keysPage(Map<String, String> query) {
    KeyQuery q = KeyQuery.from(query);
    StringBuilder b = new StringBuilder();
    if (query.containsKey("deleted")) {
      b.append("<p role=\"status\">Deleted ApiKey ")
          .append(e(query.get("deleted")))
          .append(".</p>");
    }
    List<ApiKey> all = keys.items();
    Set<String> namespaces = new TreeSet<>();
    all.forEach(k -> namespaces.add(k.getMetadata().getNamespace()));
    b.append("<form method=\"get\" action=\"/keys\" class=\"filters\" role=\"search\">")
        .append("<label>Search <input type=\"search\" name=\"q\" value=\"")
        .append(e(q.text()))
        .append("\" placeholder=\"display name or name\"></label>")
        .append(select("namespace", "Namespace", namespaces, q.namespace()))
        .append(
            select(
                "status",
                "Status",
                List.of("Pending", "Active", "Expired", "Revoked", "Failed"),
                q.phase()))
        .append(select("type", "Type", List.of("Standard", "Agent"), q.type()))
        .append(checkbox("unused", "Unused for more than 90 days", q.unused()))
        .append(checkbox("expiring", "Expires within 7 days", q.expiring()))
        .append(
            "<label>Sort <select name=\"sort\">"
                + option("name", "Name", q.sort())
                + option("lastUsed", "Last used", q.sort())
                + option("expires", "Expiry", q.sort())
                + "</select></label>")
        .append("<button type=\"submit\">Apply</button></form>");
    KeyQuery.Result result = q.apply(all, clock.instant());
    b.append("<div id=\"live-keys\" data-live=\"ApiKey\">");
    String problem = keys.problem();
    if (problem != null) {
      b.append("<p class=\"error\" role=\"alert\">").append(e(problem)).append("</p>");
    }
    b.append("<p role=\"status\">")
        .append(result.matching())
        .append(result.matching() == 1 ? " key" : " keys")
        .append(", page ")
        .append(result.page())
        .append(" of ")
        .append(result.pages())
        .append("</p>");
    b.append(
        "<table><thead><tr><th scope=\"col\">Display name</th><th scope=\"col\">Name</th>"
            + "<th scope=\"col\">Namespace</th><th scope=\"col\">Type</th>"
            + "<th scope=\"col\">Status</th><th scope=\"col\">Key</th>"
            + "<th scope=\"col\">Created</th><th scope=\"col\">Last used</th>"
            + "<th scope=\"col\">Created by</th><th scope=\"col\">Expires</th></tr></thead><tbody>");
    for (ApiKey k : result.rows()) {
      ApiKeyStatus s = k.getStatus() == null ? new ApiKeyStatus() : k.getStatus();
      String ns = k.getMetadata().getNamespace();
      String name = k.getMetadata().getName();
      b.append("<tr><td><a href=\"/keys/")
          .append(u(ns))
          .append('/')
          .append(u(name))
          .append("\">")
          .append(e(KeyQuery.displayName(k)))
          .append("</a></td><td>")
          .append(e(name))
          .append("</td><td>")
          .append(e(ns))
          .append("</td><td>")
          .append(e(KeyQuery.type(k)))
          .append("</td><td>")
          .append(badge(KeyQuery.phase(k)))
          .append("</td><td><code>")
          .append(e(s.getMaskedKey()))
          .append("</code></td><td>")
          .append(e(orDash(created(k))))
          .append("</td><td>")
          .append(e(lastUsed(k)))
          .append("</td><td>")
          .append(e(orDash(s.getCreatedBy())))
          .append("</td><td>")
          .append(e(s.getExpiresAt() == null ? "never" : s.getExpiresAt()))
          .append("</td></tr>");
    }
    b.append("</tbody></table>");
    b.append("<nav aria-label=\"Pages\" class=\"pages\">");
    if (result.page() > 1) {
      b.append(pageLink(query, result.page() - 1, "Previous page"));
    }
    if (result.page() < result.pages()) {
      b.append(pageLink(query, result.page() + 1, "Next page"));
    }
    b.append("</nav></div>");
    return Answer.html(200, Html.page("API keys", b.toString()));
  }

  private static String pageLink(Map<String, String> query, int page, String label) {
    Map<String, String> next = new LinkedHashMap<>(query);
    next.put("page", Integer.toString(page));
    return " <a href=\"/keys" + e(queryString(next)) + "\">" + e(label) + "</a>";
  }

  private String editForm(ApiKey key, Map<String, String> form, String error) {
    ApiKeySpec spec = key.getSpec() == null ? new ApiKeySpec() : key.getSpec();
    String ns = key.getMetadata().getNamespace();
    String name = key.getMetadata().getName();
    Map<String, String> f = new LinkedHashMap<>();
    f.put("displayName", spec.getDisplayName());
    f.put("scopes", spec.getScopes() == null ? "" : String.join(", ", spec.getScopes()));
    f.put("expiresAfter", spec.getExpiresAfter());
    f.put("resourceVersion", key.getMetadata().getResourceVersion());
    if (form != null) {
      f.putAll(form);
    }
    String back = "/keys/" + u(ns) + "/" + u(name);
    StringBuilder b = new StringBuilder();
    if (error != null) {
      b.append("<p class=\"error\" role=\"alert\">").append(e(error)).append("</p>");
    }
    b.append("<p>ApiKey <code>")
        .append(e(ns + "/" + name))
        .append("</code>. Nothing changes until you press Save.</p>")
        .append("<form method=\"post\" action=\"")
        .append(e(back))
        .append("/edit\" class=\"create\">")
        .append(csrf(csrfToken))
        .append("<input type=\"hidden\" name=\"resourceVersion\" value=\"")
        .append(e(f.get("resourceVersion")))
        .append("\">")
        .append(Html.field("displayName", "Display name", f.get("displayName"), false))
        .append(Html.field("scopes", "Scopes (comma-separated)", f.get("scopes"), false))
        .append(
            Html.field(
                "expiresAfter",
                "Expires after (like 90d, 36h, never; empty for the type's default)",
                f.get("expiresAfter"),
                false))
        .append("<button type=\"submit\">Save changes to ")
        .append(e(name))
        .append("</button> <a href=\"")
        .append(e(back))
        .append("\">Cancel</a></form>");
    return Html.page("Edit " + KeyQuery.displayName(key), b.toString());
  }

  /**
   * Saves display name, scopes and expiresAfter with the resourceVersion the form was built from:
   * if someone changed the key since, the API server refuses (409) and the form says so, showing
   * the key as it is now.
   */
  private Answer edit(ApiKey cached, Map<String, String> form) {
    String ns = cached.getMetadata().getNamespace();
    String name = cached.getMetadata().getName();
    String seen = form.getOrDefault("resourceVersion", "");
    ApiKey changed = Serialization.clone(cached);
    changed.setStatus(null);
    changed.getMetadata().setManagedFields(null);
    changed.getMetadata().setResourceVersion(seen);
    ApiKeySpec spec = changed.getSpec() == null ? new ApiKeySpec() : changed.getSpec();
    String displayName = form.getOrDefault("displayName", "").trim();
    spec.setDisplayName(displayName.isEmpty() ? null : displayName);
    List<String> scopes =
        Arrays.stream(form.getOrDefault("scopes", "").split(","))
            .map(String::trim)
            .filter(x -> !x.isEmpty())
            .toList();
    spec.setScopes(scopes.isEmpty() ? null : scopes);
    String expiresAfter = form.getOrDefault("expiresAfter", "").trim();
    spec.setExpiresAfter(expiresAfter.isEmpty() ? null : expiresAfter);
    changed.setSpec(spec);
    try {
      client.resources(ApiKey.class).inNamespace(ns).resource(changed).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        ApiKey now = cached(ns, name);
        return Answer.html(
            409,
            editForm(
                now == null ? cached : now,
                null,
                "Someone changed this key since you opened the form, so nothing was saved. The"
                    + " form now shows the key as it is; make your change again."));
      }
      Map<String, String> kept = new LinkedHashMap<>(form);
      kept.remove("csrf");
      return Answer.html(e.getCode() == 403 ? 403 : 400, editForm(cached, kept, sentence(e)));
    }
    return Answer.redirect("/keys/" + u(ns) + "/" + u(name) + "?done=edit");
  }

  private String keyPage(ApiKey key, String done) {
    ApiKeyStatus s = key.getStatus() == null ? new ApiKeyStatus() : key.getStatus();
    ApiKeySpec spec = key.getSpec() == null ? new ApiKeySpec() : key.getSpec();
    String ns = key.getMetadata().getNamespace();
    String name = key.getMetadata().getName();
    StringBuilder b = new StringBuilder();
    if ("edit".equals(done)) {
      b.append("<p role=\"status\">Saved. The operator applies the change; the page follows.</p>");
    }
    b.append("<div id=\"live-key\" data-live=\"ApiKey Event\">");
    b.append("<p>")
        .append(badge(KeyQuery.phase(key)))
        .append(" ApiKey <code>")
        .append(e(ns))
        .append('/')
        .append(e(name))
        .append("</code></p><dl>");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("Type", KeyQuery.type(key));
    fields.put("Scopes", spec.getScopes() == null ? "none" : String.join(", ", spec.getScopes()));
    fields.put("Key (masked)", s.getMaskedKey());
    fields.put("Fingerprint", s.getFingerprint());
    fields.put("Key version", s.getKeyVersion() == null ? null : s.getKeyVersion().toString());
    fields.put("Secret", s.getSecretName());
    fields.put("Created", created(key));
    fields.put("Created by", s.getCreatedBy());
    fields.put("Issued", s.getIssuedAt());
    fields.put("Expires", s.getExpiresAt() == null ? "never" : s.getExpiresAt());
    fields.put("Rotates", s.getRotatesAt());
    fields.put("Last rotated", s.getLastRotatedAt());
    fields.put("Last used", lastUsedOf(s.getLastUsedAt()));
    fields.put("Revoked", s.getRevokedAt());
    fields.forEach(
        (label, value) ->
            b.append("<dt>")
                .append(e(label))
                .append("</dt><dd>")
                .append(e(orDash(value)))
                .append("</dd>"));
    b.append("</dl>");
    PreviousKey previous = s.getPreviousKey();
    b.append("<h2>Previous key</h2>");
    if (previous == null) {
      b.append("<p>None: no older key version is still valid.</p>");
    } else {
      b.append("<dl><dt>Key (masked)</dt><dd><code>")
          .append(e(previous.getMaskedKey()))
          .append("</code></dd><dt>Valid until</dt><dd>")
          .append(e(orDash(previous.getValidUntil())))
          .append("</dd><dt>Last used</dt><dd>")
          .append(e(lastUsedOf(previous.getLastUsedAt())))
          .append("</dd></dl>");
    }
    b.append(Html.conditions(s.getConditions())).append("<h2>Recent events</h2>");
    List<Event> recent =
        events.items().stream()
            .filter(
                ev ->
                    ev.getInvolvedObject() != null
                        && "ApiKey".equals(ev.getInvolvedObject().getKind())
                        && name.equals(ev.getInvolvedObject().getName())
                        && ns.equals(ev.getMetadata().getNamespace()))
            .sorted(
                Comparator.comparing(
                    Console::eventTime, Comparator.nullsFirst(Comparator.reverseOrder())))
            .limit(20)
            .toList();
    if (recent.isEmpty()) {
      b.append("<p>No events.</p>");
    } else {
      b.append(
          "<table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Type</th>"
              + "<th scope=\"col\">Reason</th><th scope=\"col\">Message</th></tr></thead><tbody>");
      for (Event ev : recent) {
        b.append("<tr><td>")
            .append(e(eventTime(ev)))
            .append("</td><td>")
            .append(e(ev.getType()))
            .append("</td><td>")
            .append(e(ev.getReason()))
            .append("</td><td>")
            .append(e(ev.getMessage()))
            .append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    String base = "/keys/" + u(ns) + "/" + u(name) + "/confirm?action=";
    b.append("<h2>Actions</h2><ul class=\"actions\">")
        .append("<li><a href=\"/keys/")
        .append(e(u(ns)))
        .append('/')
        .append(e(u(name)))
        .append("/edit\">Edit display name, scopes, expiry</a></li>")
        .append("<li><a href=\"")
        .append(e(base))
        .append("rotate\">Rotate now</a></li>")
        .append("<li><a href=\"")
        .append(e(base))
        .append("revoke\">Revoke</a></li>")
        .append("<li><a href=\"")
        .append(e(base))
        .append("delete\">Delete</a></li></ul></div>");
    return Html.page(KeyQuery.displayName(key), b.toString());
  }

  private static String eventTime(Event ev) {
    if (ev.getLastTimestamp() != null) {
      return ev.getLastTimestamp();
    }
    return ev.getEventTime() != null ? ev.getEventTime().getTime() : ev.getFirstTimestamp();
  }

  private Answer confirmPage(ApiKey key, String action) {
    String what =
        switch (action) {
          case "rotate" ->
              "Rotate now: a new key is issued; the current one stays valid for at most the"
                  + " key's overlap.";
          case "revoke" ->
              "Revoke: every value of this key is removed from its Secret at once; anything"
                  + " still using it is refused.";
          case "delete" ->
              "Delete: the ApiKey and its Secret are deleted; anything still using the key is"
                  + " refused.";
          default -> null;
        };
    if (what == null) {
      return Answer.html(404, Html.page("Not found", "<p>No such action.</p>"));
    }
    String ns = key.getMetadata().getNamespace();
    String name = key.getMetadata().getName();
    String verb = Character.toUpperCase(action.charAt(0)) + action.substring(1);
    String body =
        "<p>"
            + e(what)
            + "</p><p>Key: <strong>"
            + e(KeyQuery.displayName(key))
            + "</strong> (<code>"
            + e(ns)
            + "/"
            + e(name)
            + "</code>)</p><form method=\"post\" action=\"/keys/"
            + e(u(ns))
            + "/"
            + e(u(name))
            + "/"
            + e(action)
            + "\">"
            + csrf(csrfToken)
            + "<button type=\"submit\">"
            + e(verb + " " + name)
            + "</button> <a href=\"/keys/"
            + e(u(ns))
            + "/"
            + e(u(name))
            + "\">Cancel</a></form>";
    return Answer.html(200, Html.page(verb + " " + KeyQuery.displayName(key) + "?", body));
  }

  private String createForm(Map<String, String> form, String error) {
    String ns = form.getOrDefault("namespace", namespace == null ? "default" : namespace);
    String type = form.getOrDefault("type", "Standard");
    StringBuilder b = new StringBuilder();
    if (error != null) {
      b.append("<p class=\"error\" role=\"alert\">").append(e(error)).append("</p>");
    }
    b.append("<form method=\"post\" action=\"/keys\" class=\"create\">")
        .append(csrf(csrfToken))
        .append(Html.field("name", "Name (metadata.name)", form.get("name"), true))
        .append(Html.field("namespace", "Namespace", ns, true))
        .append(Html.field("displayName", "Display name", form.get("displayName"), false))
        .append("<label>Type <select name=\"type\">")
        .append(option("Standard", "Standard", type))
        .append(option("Agent", "Agent", type))
        .append("</select></label>")
        .append(Html.field("scopes", "Scopes (comma-separated)", form.get("scopes"), false))
        .append(
            Html.field(
                "expiresAfter",
                "Expires after (like 90d, 36h, never; empty for the type's default)",
                form.get("expiresAfter"),
                false))
        .append("<button type=\"submit\">Create key</button></form>");
    return Html.page("Create an API key", b.toString());
  }

  private Answer create(Map<String, String> form) {
    String name = form.getOrDefault("name", "").trim();
    String ns = form.getOrDefault("namespace", "").trim();
    if (name.isEmpty() || ns.isEmpty()) {
      return Answer.html(400, createForm(form, "Give the key a name and a namespace."));
    }
    ApiKey key = new ApiKey();
    key.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    ApiKeySpec spec = new ApiKeySpec();
    String displayName = form.getOrDefault("displayName", "").trim();
    spec.setDisplayName(displayName.isEmpty() ? null : displayName);
    String type = form.getOrDefault("type", "Standard");
    spec.setType(type.isEmpty() ? null : type);
    List<String> scopes =
        Arrays.stream(form.getOrDefault("scopes", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    spec.setScopes(scopes.isEmpty() ? null : scopes);
    String expiresAfter = form.getOrDefault("expiresAfter", "").trim();
    spec.setExpiresAfter(expiresAfter.isEmpty() ? null : expiresAfter);
    key.setSpec(spec);
    ApiKey made;
    try {
      made = client.resources(ApiKey.class).inNamespace(ns).resource(key).create();
    } catch (KubernetesClientException e) {
      int status = e.getCode() == 403 ? 403 : e.getCode() == 409 ? 409 : 400;
      String why =
          e.getCode() == 409
              ? "An ApiKey named " + name + " already exists in namespace " + ns + "."
              : sentence(e);
      return Answer.html(status, createForm(form, why));
    }
    return Answer.html(200, oneTimePage(ns, name, made.getMetadata().getUid()));
  }

  /**
   * Waits (on the cache) until the operator has issued the key, then reads its value from the
   * Secret once, for this one answer. The value is kept in no field and written to no log.
   */
  private String oneTimePage(String ns, String name, String uid) {
    long deadline = System.nanoTime() + valueWait.toNanos();
    ApiKey issued = null;
    while (System.nanoTime() < deadline) {
      ApiKey cached = cached(ns, name);
      // The uid tells this key from an earlier one of the same name still in the cache.
      if (cached != null
          && java.util.Objects.equals(uid, cached.getMetadata().getUid())
          && cached.getStatus() != null
          && cached.getStatus().getKeyVersion() != null
          && cached.getStatus().getSecretName() != null
          && "Active".equals(cached.getStatus().getPhase())) {
        issued = cached;
        break;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    String link = "<p><a href=\"/keys/" + e(u(ns)) + "/" + e(u(name)) + "\">Go to the key</a></p>";
    if (issued == null) {
      return Html.page(
          "Key created",
          "<p role=\"alert\">ApiKey "
              + e(ns + "/" + name)
              + " was created, but Keyward has not issued its value yet (is the operator"
              + " running?). Its value is in its Secret once it is Active.</p>"
              + link);
    }
    KeyPolicy.Checked checked = KeyPolicy.from(issued);
    String dataKey =
        checked.policy() == null ? KeyPolicy.DEFAULT_DATA_KEY : checked.policy().dataKey();
    Secret secret =
        client.secrets().inNamespace(ns).withName(issued.getStatus().getSecretName()).get();
    String encoded =
        secret == null || secret.getData() == null ? null : secret.getData().get(dataKey);
    if (encoded == null) {
      return Html.page(
          "Key created",
          "<p role=\"alert\">ApiKey "
              + e(ns + "/" + name)
              + " was created, but its Secret holds"
              + " no value yet.</p>"
              + link);
    }
    String value = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    return Html.page(
        "Key created",
        "<p class=\"warning\" role=\"alert\"><strong>Copy it now, it will not be shown again.</strong>"
            + " The console does not keep it; later it is only in Secret <code>"
            + e(issued.getStatus().getSecretName())
            + "</code>.</p><label>API key for "
            + e(KeyQuery.displayName(issued))
            + " <input class=\"value\" id=\"new-key\" type=\"text\" readonly size=\"60\""
            + " value=\""
            + e(value)
            + "\"></label> <button type=\"button\" data-copy=\"new-key\" hidden>Copy</button>"
            + " <span id=\"new-key-status\" role=\"status\"></span>"
            + link);
  }

  private Answer toolsPage(Map<String, String> query) {
    StringBuilder b = new StringBuilder();
    if (query.containsKey("added")) {
      b.append("<p role=\"status\">Added ToolSecret ")
          .append(e(query.get("added")))
          .append(", sealed in this console. Its status follows below.</p>");
    }
    b.append("<p><a href=\"/tools/new\">Add secret</a></p>");
    b.append("<div id=\"live-tools\" data-live=\"ToolSecret\">");
    String problem = tools.problem();
    if (problem != null) {
      b.append("<p class=\"error\" role=\"alert\">").append(e(problem)).append("</p>");
    }
    b.append(
        "<table><thead><tr><th scope=\"col\">Display name</th><th scope=\"col\">Name</th>"
            + "<th scope=\"col\">Namespace</th><th scope=\"col\">Tool</th>"
            + "<th scope=\"col\">Argument</th><th scope=\"col\">Default</th>"
            + "<th scope=\"col\">Status</th><th scope=\"col\">Value (masked)</th>"
            + "<th scope=\"col\">Created by</th></tr></thead><tbody>");
    List<ToolSecret> all = new ArrayList<>(tools.items());
    all.sort(
        Comparator.comparing((ToolSecret t) -> t.getMetadata().getNamespace())
            .thenComparing(t -> t.getMetadata().getName()));
    for (ToolSecret t : all) {
      var spec = t.getSpec();
      var s = t.getStatus();
      Function<Function<ToolSecret, String>, String> get = f -> orDash(f.apply(t));
      b.append("<tr><td>")
          .append(
              e(
                  spec == null || spec.getDisplayName() == null
                      ? t.getMetadata().getName()
                      : spec.getDisplayName()))
          .append("</td><td>")
          .append(e(t.getMetadata().getName()))
          .append("</td><td>")
          .append(e(t.getMetadata().getNamespace()))
          .append("</td><td>")
          .append(e(get.apply(x -> spec == null ? null : spec.getTool())))
          .append("</td><td>")
          .append(e(get.apply(x -> spec == null ? null : spec.getToolArg())))
          .append("</td><td>")
          .append(spec != null && Boolean.TRUE.equals(spec.getDefaultForTool()) ? "yes" : "no")
          .append("</td><td>")
          .append(badge(s == null ? null : s.getPhase()))
          .append("</td><td><code>")
          .append(e(get.apply(x -> s == null ? null : s.getDisplay())))
          .append("</code></td><td>")
          .append(e(get.apply(x -> s == null ? null : s.getCreatedBy())))
          .append("</td></tr>");
    }
    b.append("</tbody></table></div>");
    return Answer.html(200, Html.page("Tool secrets", b.toString()));
  }

  // ---- helpers ----

  private static String created(ApiKey key) {
    String at = key.getStatus() == null ? null : key.getStatus().getCreatedAt();
    return at != null ? at : key.getMetadata().getCreationTimestamp();
  }

  private static String lastUsed(ApiKey key) {
    var last = KeyQuery.lastUse(key);
    return last == null ? "never" : last.toString();
  }

  /** An informer of {@code kind} in {@code namespace}, or in every namespace when null. */
  private static <T extends HasMetadata> SharedIndexInformer<T> informer(
      KubernetesClient client, Class<T> kind, String namespace) {
    return namespace == null
        ? client.resources(kind).inAnyNamespace().runnableInformer(0)
        : client.resources(kind).inNamespace(namespace).runnableInformer(0);
  }

  private static String lastUsedOf(String at) {
    return at == null ? "never" : at;
  }

  private static String orDash(String value) {
    return value == null || value.isEmpty() ? "—" : value;
  }

  private static String select(
      String name, String label, java.util.Collection<String> values, String chosen) {
    StringBuilder b =
        new StringBuilder("<label>" + e(label) + " <select name=\"" + e(name) + "\">");
    b.append(option("", "any", chosen));
    values.forEach(v -> b.append(option(v, v, chosen)));
    return b.append("</select></label>").toString();
  }

  private static String option(String value, String label, String chosen) {
    return "<option value=\""
        + e(value)
        + "\""
        + (value.equals(chosen) ? " selected" : "")
        + ">"
        + e(label)
        + "</option>";
  }

  private static String checkbox(String name, String label, boolean checked) {
    return "<label><input type=\"checkbox\" name=\""
        + e(name)
        + "\" value=\"1\""
        + (checked ? " checked" : "")
        + "> "
        + e(label)
        + "</label>";
  }

  /** A readable sentence for an API failure: a 403 says who may not do what, never a trace. */
  static String sentence(Throwable thrown) {
    Throwable t = thrown;
    for (Throwable c = thrown; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException k && k.getCode() > 0) {
        t = c;
        break;
      }
    }
    if (t instanceof KubernetesClientException k && k.getCode() == 403) {
      String detail = k.getStatus() != null ? k.getStatus().getMessage() : null;
      return "Kubernetes refused this for your identity (403 Forbidden)"
          + (detail == null ? "." : ": " + detail)
          + " Ask a cluster admin for the RBAC permission, or use a kubeconfig that has it.";
    }
    if (t instanceof KubernetesClientException k && k.getCode() > 0 && k.getStatus() != null) {
      return "The API server answered " + k.getCode() + ": " + k.getStatus().getMessage();
    }
    return ClusterAccess.explain(thrown);
  }

  private static boolean same(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static String cookie(HttpExchange exchange) {
    List<String> headers = exchange.getRequestHeaders().get("Cookie");
    if (headers == null) {
      return null;
    }
    for (String header : headers) {
      for (String part : header.split(";")) {
        String p = part.trim();
        if (p.startsWith(COOKIE + "=")) {
          return p.substring(COOKIE.length() + 1);
        }
      }
    }
    return null;
  }

  private static Map<String, String> form(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_FORM + 1);
      if (body.length > MAX_FORM) {
        return Map.of();
      }
      return params(new String(body, StandardCharsets.UTF_8));
    }
  }

  static Map<String, String> params(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.putIfAbsent(
            URLDecoder.decode(k, StandardCharsets.UTF_8),
            URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // a malformed escape: the parameter is ignored
      }
    }
    return out;
  }

  private static String queryString(Map<String, String> query) {
    if (query.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("?");
    query.forEach(
        (k, v) -> {
          if (b.length() > 1) {
            b.append('&');
          }
          b.append(u(k)).append('=').append(u(v));
        });
    return b.toString();
  }

  private static String resource(String name) {
    try (InputStream in = Console.class.getResourceAsStream(name)) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
