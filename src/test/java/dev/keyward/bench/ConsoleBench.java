package dev.keyward.bench;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.console.Console;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * C1: the console over {@code keys} ApiKeys. The keys are written to a fresh API server first; then
 * the console runs in a child JVM limited to a 64 MB heap ({@code -Xmx64m}: if it needed more, it
 * would fail, not merely report a figure), and that child reports how long the keys pages take, its
 * heap after a GC, how many watches it opened with 16 pages open, and how long a change takes from
 * the API server to every open page's event stream.
 */
final class ConsoleBench {

  static final String NS = "console-bench";
  static final int HEAP_MB = 64;
  static final int PAGES_OPEN = 16;

  private ConsoleBench() {}

  static Map<String, Object> run(int keys, Path out) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("backend", TestApiServer.BACKEND);
    figures.put("keys", keys);
    figures.put("console_max_heap_mb", HEAP_MB);
    try (BenchApiServer server = BenchApiServer.start(out, "c1-console")) {
      KubernetesClient admin = server.admin();
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .create();
      long start = System.nanoTime();
      fill(admin, keys);
      figures.put("c1_fill_seconds", (System.nanoTime() - start) / 1e9);
      if (!TestApiServer.isMock()) {
        figures.put("c1_skipped", "the child JVM reaches only the mock API server by URL");
        return figures;
      }
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.add("-Xmx" + HEAP_MB + "m");
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              ConsoleBench.class.getName(),
              server.config().getMasterUrl(),
              Integer.toString(keys)));
      Process child =
          new ProcessBuilder(command).redirectError(out.resolve("c1-console.log").toFile()).start();
      try (BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          int eq = line.indexOf('=');
          if (line.startsWith("c1_") && eq > 0) {
            figures.put(line.substring(0, eq), line.substring(eq + 1));
          }
        }
      }
      if (!child.waitFor(5, TimeUnit.MINUTES)) {
        child.destroyForcibly();
      }
      figures.put("c1_console_exit_code", child.exitValue());
    }
    return figures;
  }

  /** {@code keys} ApiKeys with the status an operator would have written. */
  private static void fill(KubernetesClient admin, int keys) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    Instant now = Instant.now();
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      int n = i;
      done.add(
          pool.submit(
              () -> {
                ApiKey key =
                    TestApiKeys.apiKey(
                        String.format("key-%05d", n),
                        s -> {
                          s.setDisplayName("Service " + n);
                          s.setType(n % 5 == 0 ? "Agent" : "Standard");
                          s.setScopes(List.of("models:read"));
                        });
                ApiKey made = admin.resources(ApiKey.class).inNamespace(NS).resource(key).create();
                ApiKeyStatus st = new ApiKeyStatus();
                st.setPhase(n % 50 == 0 ? "Revoked" : "Active");
                st.setMaskedKey("kw_a…" + String.format("%04d", n % 10_000));
                st.setCreatedAt(now.minus(Duration.ofDays(n % 400)).toString());
                st.setCreatedBy("system:serviceaccount:ci:deployer");
                st.setLastUsedAt(
                    n % 3 == 0 ? null : now.minus(Duration.ofHours(n % 3000)).toString());
                st.setExpiresAt(now.plus(Duration.ofDays(1 + n % 365)).toString());
                st.setKeyVersion(1);
                st.setSecretName(made.getMetadata().getName());
                made.setStatus(st);
                admin.resources(ApiKey.class).inNamespace(NS).resource(made).updateStatus();
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
  }

  /** The child JVM: the console alone, in 64 MB. Prints c1_* figures, one per line. */
  public static void main(String[] args) throws Exception {
    String master = args[0];
    int keys = Integer.parseInt(args[1]);
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(master)
            .withTrustCerts(true)
            .withHttp2Disable(true)
            .build();
    RequestLog requests = new RequestLog();
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("c1", requests))
            .build();
    long start = System.nanoTime();
    try (Console console =
            new Console(client, NS, "127.0.0.1", 0, Clock.systemUTC(), Duration.ofSeconds(5));
        KubernetesClient other = new KubernetesClientBuilder().withConfig(config).build()) {
      while (!console.synced()) {
        Thread.sleep(50);
      }
      print("c1_sync_seconds", (System.nanoTime() - start) / 1e9);
      HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
      String base = "http://127.0.0.1:" + console.port();
      HttpResponse<String> login =
          http.send(
              HttpRequest.newBuilder(URI.create(console.url())).build(),
              HttpResponse.BodyHandlers.ofString());
      String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      print("c1_heap_after_sync_mb", heapAfterGcMb());

      Map<String, String> pages = new LinkedHashMap<>();
      pages.put("first_page", "/keys");
      pages.put("search", "/keys?q=service+99");
      pages.put("sort_last_used", "/keys?sort=lastUsed");
      pages.put("sort_expiry", "/keys?sort=expires&status=Active");
      pages.put("unused_90_days", "/keys?unused=1&type=Standard");
      pages.put("page_100", "/keys?page=100");
      pages.put("key", "/keys/" + NS + "/key-04711");
      for (int warm = 0; warm < 20; warm++) {
        get(http, base + "/keys?sort=lastUsed&page=" + (warm + 1), cookie);
      }
      double worst = 0;
      for (var page : pages.entrySet()) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
          long t0 = System.nanoTime();
          HttpResponse<String> r = get(http, base + page.getValue(), cookie);
          ms.add((System.nanoTime() - t0) / 1e6);
          if (r.statusCode() != 200) {
            throw new IllegalStateException(page.getValue() + " answered " + r.statusCode());
          }
        }
        ms.sort(Double::compare);
        print("c1_" + page.getKey() + "_median_ms", round(ms.get(ms.size() / 2)));
        print("c1_" + page.getKey() + "_max_ms", round(ms.get(ms.size() - 1)));
        worst = Math.max(worst, ms.get(ms.size() - 1));
      }
      print("c1_keys_page_worst_ms", round(worst));

      // Open pages: each holds one event stream. A change made by another client reaches all.
      List<CountDownLatch> heard = new ArrayList<>();
      List<CompletableFuture<?>> streams = new ArrayList<>();
      for (int i = 0; i < PAGES_OPEN; i++) {
        CountDownLatch latch = new CountDownLatch(1);
        heard.add(latch);
        HttpResponse<Stream<String>> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/events"))
                    .header("Cookie", cookie)
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
        streams.add(
            CompletableFuture.runAsync(
                () ->
                    r.body()
                        .forEach(
                            l -> {
                              if (l.equals("data: ApiKey")) {
                                latch.countDown();
                              }
                            })));
      }
      Thread.sleep(500);
      long t0 = System.nanoTime();
      other
          .resources(ApiKey.class)
          .inNamespace(NS)
          .withName("key-00001")
          .edit(
              k -> {
                k.getSpec().setRevoked(true);
                return k;
              });
      for (CountDownLatch latch : heard) {
        latch.await(30, TimeUnit.SECONDS);
      }
      print("c1_change_to_all_open_pages_ms", round((System.nanoTime() - t0) / 1e6));
      print("c1_pages_open", PAGES_OPEN);
      long watches =
          requests.requests().stream().filter(r -> r.path().contains("watch=true")).count();
      print("c1_watches_opened", watches);
      print("c1_api_requests_total", requests.size());
      print("c1_heap_with_pages_open_mb", heapAfterGcMb());
      print("c1_max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
      streams.forEach(f -> f.cancel(true));
    }
    System.out.flush();
    System.exit(0);
  }

  private static HttpResponse<String> get(HttpClient http, String url, String cookie)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double heapAfterGcMb() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return round(
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0));
  }

  private static double round(double d) {
    return Math.round(d * 10) / 10.0;
  }

  private static void print(String key, Object value) {
    System.out.println(key + "=" + value);
    System.out.flush();
  }
}
