package dev.keyward.bench;

import dev.keyward.runtime.KeywardClients;
import dev.keyward.runtime.KeywardOperator;
import dev.keyward.runtime.OperatorSettings;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.testing.MutableClock;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.TestApiServer;
import dev.keyward.testing.TestToolGrants;
import dev.keyward.testing.TestToolSecrets;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantReconciler;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * P10: one ToolSecret used by N grants in one namespace is re-sealed. How long until every grant's
 * Secret holds the new value, against a bare client doing the same N Secret updates; the operator's
 * Secret and status writes per grant for it; and its writes when nothing changed.
 */
final class GrantBench {

  static final String V1 = "lin_api_bench_first_0123456789";
  static final String V2 = "lin_api_bench_second_9876543210";
  static final String KEY = "LINEAR_API_KEY";

  private GrantBench() {}

  static Map<String, Object> run(int n, Path out) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("backend", TestApiServer.BACKEND);
    figures.put("grants", n);
    int rounds = Integer.getInteger("keyward.bench.p10Rounds", 3);
    if (rounds > 0) {
      // A short round of both first, results dropped, so that neither runs on a cold JIT.
      int warmUp = Math.min(n, 200);
      try (BenchApiServer server = BenchApiServer.start(out, "p10-warm-up-operator")) {
        operator(server, warmUp, new LinkedHashMap<>());
      }
      try (BenchApiServer server = BenchApiServer.start(out, "p10-warm-up-floor")) {
        floor(server, warmUp);
      }
    }
    List<Double> ratios = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      double operator;
      try (BenchApiServer server = BenchApiServer.start(out, "p10-operator")) {
        operator = operator(server, n, round == 1 ? figures : new LinkedHashMap<>());
      }
      double floor;
      try (BenchApiServer server = BenchApiServer.start(out, "p10-floor")) {
        floor = floor(server, n);
      }
      figures.put("p10_round_" + round + "_operator_seconds", round(operator));
      figures.put("p10_round_" + round + "_floor_seconds", round(floor));
      ratios.add(operator / floor);
    }
    if (!ratios.isEmpty()) {
      figures.put("p10_ratio_by_round", ratios.stream().map(GrantBench::round).toList());
      double[] sorted = ratios.stream().mapToDouble(d -> d).sorted().toArray();
      figures.put(
          "p10_ratio",
          round(
              sorted.length % 2 == 1
                  ? sorted[sorted.length / 2]
                  : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2));
    }
    int held = Integer.getInteger("keyward.bench.grantHeap", 10_000);
    if (held > 0) {
      try (BenchApiServer server = BenchApiServer.start(out, "p10-heap")) {
        heap(server, held, figures);
      }
    }
    return figures;
  }

  /**
   * The operator's heap per grant: M grants with one entry each, every one delivered and its status
   * written, after a full GC, minus the heap before the operator started.
   */
  private static void heap(BenchApiServer server, int m, Map<String, Object> figures)
      throws Exception {
    KubernetesClient admin = server.admin();
    String ns = namespace(admin, "bench-p10-heap");
    RequestLog log = new RequestLog();
    try (KubernetesClient client = benchClient(server, log);
        KeywardOperator operator = unstartedOperator(client, ns)) {
      sealedLinearAndGrants(admin, operator, ns, m);
      // Ready grants as a plain watch reports them (no cache of its own in this JVM's heap).
      Set<String> ready = ConcurrentHashMap.newKeySet();
      Watch watch =
          admin
              .resources(ToolGrant.class)
              .inNamespace(ns)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, ToolGrant g) {
                      if (g.getStatus() != null && "Ready".equals(g.getStatus().getPhase())) {
                        ready.add(g.getMetadata().getName());
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  });
      // Live heap from class histograms (each taken after a full GC), as P3 measures it.
      Map<String, long[]> classesBefore = OperatorBench.classHistogram();
      long before = OperatorBench.live(classesBefore);
      long start = System.nanoTime();
      operator.start();
      long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
      while (ready.size() < m) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(ready.size() + " grants Ready after 15 minutes");
        }
        Thread.sleep(100);
      }
      watch.close();
      ready.clear();
      double seconds = (System.nanoTime() - start) / 1e9;
      settled(log, Duration.ofSeconds(2));
      log.clear(); // the benchmark's own record of requests is not the operator's heap
      Map<String, long[]> classesAfter = OperatorBench.classHistogram();
      long after = OperatorBench.live(classesAfter);
      figures.put("p10_heap_grants", m);
      figures.put("p10_heap_seconds_until_all_ready", round(seconds));
      figures.put("p10_heap_mb_before_operator", round(before / 1048576.0));
      figures.put("p10_heap_mb_with_grants", round(after / 1048576.0));
      figures.put("p10_operator_heap_kb_per_grant", round((after - before) / 1024.0 / m));
      figures.put(
          "p10_heap_top_kb_by_class", OperatorBench.growth(classesBefore, classesAfter, 12));
    }
  }

  /** The grants' Secrets as a watch sees them: name to the delivered value. */
  private static final class Delivered implements AutoCloseable {
    final Map<String, String> values = new ConcurrentHashMap<>();
    final SharedIndexInformer<Secret> informer;

    Delivered(KubernetesClient admin, String ns, String label) {
      informer =
          admin
              .secrets()
              .inNamespace(ns)
              .withLabel(label)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Secret s) {
                      put(s);
                    }

                    @Override
                    public void onUpdate(Secret before, Secret s) {
                      put(s);
                    }

                    @Override
                    public void onDelete(Secret s, boolean unknown) {
                      values.remove(s.getMetadata().getName());
                    }
                  });
    }

    private void put(Secret s) {
      String v = ManagedSecrets.decodedData(s).get(KEY);
      if (v != null) {
        values.put(s.getMetadata().getName(), v);
      }
    }

    void await(int n, String value, Duration limit) throws InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      while (values.values().stream().filter(value::equals).count() < n) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              values.values().stream().filter(value::equals).count()
                  + " of "
                  + n
                  + " Secrets hold the value after "
                  + limit);
        }
        Thread.sleep(5);
      }
    }

    @Override
    public void close() {
      informer.close();
    }
  }

  private static String namespace(KubernetesClient admin, String name) {
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  private static double operator(BenchApiServer server, int n, Map<String, Object> figures)
      throws Exception {
    KubernetesClient admin = server.admin();
    String ns = namespace(admin, "bench-p10");
    RequestLog log = new RequestLog();
    try (KubernetesClient client = benchClient(server, log);
        KeywardOperator operator = unstartedOperator(client, ns);
        Delivered delivered = new Delivered(admin, ns, ToolGrantReconciler.LABEL)) {
      operator.start();
      sealedLinearAndGrants(admin, operator, ns, n);
      delivered.await(n, V1, Duration.ofMinutes(10));
      settled(log, Duration.ofSeconds(2)); // the first delivery's status writes and Events

      int before = log.size();
      long start = System.nanoTime();
      admin
          .resources(ToolSecret.class)
          .inNamespace(ns)
          .withName("linear")
          .edit(
              t -> {
                t.getSpec()
                    .setEncryptedValue(
                        operator.sealingKeys().current().publicKeys().seal(V2, ns, "linear"));
                return t;
              });
      delivered.await(n, V2, Duration.ofMinutes(10));
      double seconds = (System.nanoTime() - start) / 1e9;
      // The grants' status writes and Events follow their Secrets; count them once they stopped.
      settled(log, Duration.ofSeconds(2));
      List<RequestLog.Request> writes =
          log.since(before).stream().filter(RequestLog.Request::isWrite).toList();
      long secretWrites = writes.stream().filter(r -> r.path().contains("/secrets/agent-")).count();
      long statusWrites =
          writes.stream()
              .filter(r -> r.path().contains("/toolgrants/") && r.path().endsWith("/status"))
              .count();
      figures.put("p10_operator_seconds", round(seconds));
      figures.put("p10_grant_secret_writes_per_grant", round((double) secretWrites / n));
      figures.put("p10_grant_status_writes_per_grant", round((double) statusWrites / n));
      figures.put("p10_writes_total", writes.size());

      int idle = log.size();
      operator.resyncAll();
      Thread.sleep(3000);
      figures.put(
          "p10_idle_writes", log.since(idle).stream().filter(RequestLog.Request::isWrite).count());
      return seconds;
    }
  }

  private static KubernetesClient benchClient(BenchApiServer server, RequestLog log) {
    return KeywardClients.builder(server.config())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("bench", log))
        .build();
  }

  /** The operator as the benchmark runs it: watching one namespace, not started yet. */
  private static KeywardOperator unstartedOperator(KubernetesClient client, String ns) {
    return new KeywardOperator(
        OperatorSettings.of(client, new MutableClock())
            .withOperatorNamespace(ns)
            .withWatchedNamespaces(Set.of(ns))
            .withConcurrency(OperatorBench.CONCURRENCY));
  }

  /**
   * One sealed ToolSecret for {@code agno__linear__*} holding V1, and {@code count} grants using
   * it.
   */
  private static void sealedLinearAndGrants(
      KubernetesClient admin, KeywardOperator operator, String ns, int count) throws Exception {
    ToolSecret linear =
        TestToolSecrets.toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(
                  operator.sealingKeys().current().publicKeys().seal(V1, ns, "linear"));
              s.setTool("agno__linear__*");
            });
    linear.getMetadata().setNamespace(ns);
    admin.resource(linear).create();
    forAll(
        count,
        i -> {
          ToolGrant g =
              TestToolGrants.toolGrant(
                  "agent-" + i,
                  TestToolGrants.tools(
                      TestToolGrants.entry("agno__linear__list_issues", "api_key", KEY)));
          g.getMetadata().setNamespace(ns);
          admin.resource(g).create();
        });
  }

  /** Waits until the operator sent no write for {@code quiet} (at most two minutes). */
  private static void settled(RequestLog log, Duration quiet) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    int seen = -1;
    while (System.nanoTime() < deadline) {
      int writes = log.writes().size();
      if (writes == seen) {
        return;
      }
      seen = writes;
      Thread.sleep(quiet.toMillis());
    }
  }

  /** N Secrets exist holding V1; a bare client updates each to V2 from the same thread count. */
  private static double floor(BenchApiServer server, int n) throws Exception {
    KubernetesClient admin = server.admin();
    String ns = namespace(admin, "bench-p10-floor");
    String label = "bench-p10";
    List<Secret> created = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      created.add(null);
    }
    forAll(
        n,
        i ->
            created.set(
                i,
                admin
                    .secrets()
                    .resource(
                        new SecretBuilder()
                            .withNewMetadata()
                            .withName("agent-" + i + "-tools")
                            .withNamespace(ns)
                            .withLabels(Map.of(label, "x"))
                            .endMetadata()
                            .addToData(KEY, encode(V1))
                            .build())
                    .create()));
    try (KubernetesClient bare = new KubernetesClientBuilder().withConfig(server.config()).build();
        Delivered delivered = new Delivered(admin, ns, label)) {
      delivered.await(n, V1, Duration.ofMinutes(5));
      long start = System.nanoTime();
      forAll(
          n,
          i -> {
            Secret s = new SecretBuilder(created.get(i)).withData(Map.of(KEY, encode(V2))).build();
            bare.secrets().resource(s).update();
          });
      delivered.await(n, V2, Duration.ofMinutes(5));
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static String encode(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static void forAll(int count, java.util.function.IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(OperatorBench.CONCURRENCY);
    try {
      List<Future<?>> futures = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.accept(index)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
