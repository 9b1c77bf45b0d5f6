package dev.keyward.bench;

import dev.keyward.apikey.ApiKey;
import dev.keyward.runtime.KeywardOperator;
import dev.keyward.testing.MutableClock;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * P1–P4 against the test API server (fabric8 mock server by default, kube-api-test with {@code
 * -Dkeyward.apiserver=kube-api-test}): N new ApiKeys until all are Active next to a bare client
 * doing the same writes, requests per key, idle writes, heap with N keys and with 3×N unrelated
 * Secrets, and a rotation storm.
 */
final class OperatorBench {

  static final int CONCURRENCY = 10;

  private OperatorBench() {}

  static Map<String, Object> run(int n) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    TestApiServer server = TestApiServer.get();
    KubernetesClient admin = server.admin();
    String ns = "bench-" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    String floorNs = ns + "-floor";
    for (String name : List.of(ns, floorNs)) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
    figures.put("backend", TestApiServer.BACKEND);
    figures.put("keys", n);
    figures.put("concurrency", CONCURRENCY);

    // Floor: a bare client creating a Secret and patching an ApiKey's status, same concurrency.
    List<ApiKey> floorKeys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ApiKey key = TestApiKeys.apiKey("k" + i, s -> s.setType("Agent"));
      key.getMetadata().setNamespace(floorNs);
      floorKeys.add(admin.resource(key).create());
    }
    long floorStart = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> futures = new ArrayList<>();
    try (KubernetesClient bare =
        new KubernetesClientBuilder().withConfig(server.config()).build()) {
      for (ApiKey key : floorKeys) {
        futures.add(
            pool.submit(
                () -> {
                  bare.secrets().resource(secret(floorNs, key.getMetadata().getName())).create();
                  key.setStatus(new dev.keyward.apikey.ApiKeyStatus());
                  key.getStatus().setPhase("Active");
                  bare.resource(key)
                      .editStatus(
                          k -> {
                            k.setStatus(key.getStatus());
                            return k;
                          });
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    pool.shutdown();
    double floorSeconds = (System.nanoTime() - floorStart) / 1e9;

    // P1: the operator.
    RequestLog log = new RequestLog();
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(server.config())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("bench", log))
            .build();
    MutableClock clock = new MutableClock();
    KeywardOperator operator =
        new KeywardOperator(
            KeywardOperator.Settings.of(client, clock)
                .withOperatorNamespace(ns)
                .withWatchedNamespaces(Set.of(ns))
                .withConcurrency(CONCURRENCY));
    operator.start();
    int before = log.size();
    long start = System.nanoTime();
    ExecutorService creators = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> created = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "k" + i;
      created.add(
          creators.submit(
              () -> {
                ApiKey key = TestApiKeys.apiKey(name, s -> s.setType("Agent"));
                key.getMetadata().setNamespace(ns);
                admin.resource(key).create();
              }));
    }
    for (Future<?> f : created) {
      f.get();
    }
    creators.shutdown();
    awaitAll(ns, n, k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    double p1 = (System.nanoTime() - start) / 1e9;
    figures.put("p1_operator_seconds", round(p1));
    figures.put("p1_floor_seconds", round(floorSeconds));
    figures.put("p1_ratio", round(p1 / floorSeconds));

    // P2: requests by verb per key, then an idle window.
    Map<String, Double> perKey = new TreeMap<>();
    for (RequestLog.Request r : log.since(before)) {
      String kind =
          r.path().contains("/events")
              ? "events"
              : r.path().contains("/status")
                  ? "status"
                  : r.path().contains("/secrets") ? "secrets" : "other";
      perKey.merge(r.method() + " " + kind, 1.0 / n, Double::sum);
    }
    perKey.replaceAll((k, v) -> round(v));
    figures.put("p2_requests_per_key", perKey);
    Thread.sleep(1000);
    int idleStart = log.writes().size();
    operator.resyncAll();
    Thread.sleep(5000);
    figures.put("p2_idle_writes", log.writes().size() - idleStart);

    // P3: heap with N keys, then with 3×N unrelated Secrets in the watched namespace.
    long heapKeys = heapAfterGc();
    ExecutorService fillers = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> filled = new ArrayList<>();
    for (int i = 0; i < 3 * n; i++) {
      String name = "unrelated-" + i;
      filled.add(fillers.submit(() -> admin.secrets().resource(secret(ns, name)).create()));
    }
    for (Future<?> f : filled) {
      f.get();
    }
    fillers.shutdown();
    Thread.sleep(2000);
    long heapUnrelated = heapAfterGc();
    figures.put("p3_heap_mb_with_keys", round(heapKeys / 1048576.0));
    figures.put("p3_heap_mb_with_unrelated_secrets", round(heapUnrelated / 1048576.0));
    figures.put("p3_growth_percent", round(100.0 * (heapUnrelated - heapKeys) / heapKeys));
    figures.put(
        "p3_note", "whole test JVM heap: includes the in-process mock server holding the Secrets");

    // P4: every key due at once.
    int beforeStorm = log.size();
    long storm = System.nanoTime();
    clock.advance(Duration.ofDays(84));
    operator.resyncAll();
    awaitAll(
        ns,
        n,
        k -> k.getStatus() != null && Integer.valueOf(2).equals(k.getStatus().getKeyVersion()));
    double p4 = (System.nanoTime() - storm) / 1e9;
    figures.put("p4_rotation_seconds", round(p4));
    figures.put("p4_ratio_to_p1", round(p4 / p1));
    figures.put("p4_requests", log.size() - beforeStorm);

    operator.close();
    client.close();
    return figures;
  }

  private static void awaitAll(String namespace, int n, Predicate<ApiKey> done)
      throws InterruptedException {
    while (TestApiServer.get()
            .admin()
            .resources(ApiKey.class)
            .inNamespace(namespace)
            .list()
            .getItems()
            .stream()
            .filter(done)
            .count()
        < n) {
      Thread.sleep(200);
    }
  }

  private static Secret secret(String namespace, String name) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToData(
            "apiKey",
            Base64.getEncoder()
                .encodeToString(
                    ("kwa_" + name + "_0123456789abcdef").getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
