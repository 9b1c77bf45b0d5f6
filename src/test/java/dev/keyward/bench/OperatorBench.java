package dev.keyward.bench;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.runtime.KeywardClients;
import dev.keyward.runtime.KeywardOperator;
import dev.keyward.runtime.OperatorSettings;
import dev.keyward.testing.MutableClock;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * P1–P4 against the test API server (fabric8 mock server by default, kube-api-test with {@code
 * -Dkeyward.apiserver=kube-api-test}): N new ApiKeys until all are Active next to a bare client
 * doing the same writes, requests per key, idle writes, heap with N keys and with 3×N unrelated
 * Secrets, and a rotation storm.
 */
final class OperatorBench {

  static final int CONCURRENCY = Integer.getInteger("keyward.bench.concurrency", 10);

  /**
   * {@code real} (default): objects shaped as a real API server stores them: the mock adds
   * managedFields ({@link dev.keyward.testing.RealServerShape}) and the ApiKeys carry kubectl's
   * last-applied-configuration annotation, as after {@code kubectl apply}. {@code plain}: what the
   * mock stores of what a client sends.
   */
  static final boolean REAL_SHAPE =
      !"plain".equals(System.getProperty("keyward.bench.shape", "real"));

  private static final Predicate<ApiKey> ACTIVE =
      k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase());
  private static final Predicate<ApiKey> ROTATED =
      k -> k.getStatus() != null && Integer.valueOf(2).equals(k.getStatus().getKeyVersion());

  private OperatorBench() {}

  static Map<String, Object> run(int n, Path out) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("backend", TestApiServer.BACKEND);
    figures.put("keys", n);
    figures.put("concurrency", CONCURRENCY);
    figures.put("shape", REAL_SHAPE ? "real" : "plain");

    // A short round of both first, results dropped, so that neither runs on a cold JIT.
    int warmUp = Math.min(n, 500);
    try (BenchApiServer server = BenchApiServer.start(out, "warm-up-operator", REAL_SHAPE)) {
      Template template = operator(server, warmUp, new LinkedHashMap<>(), false);
      try (BenchApiServer floorServer = BenchApiServer.start(out, "warm-up-floor", REAL_SHAPE)) {
        floor(floorServer, warmUp, template, new LinkedHashMap<>());
      }
    }

    // Round 1 runs everything (P1 to P4) for the operator, then the floor. A machine shared with
    // other work moves one phase's CPU by a fifth from run to run, so P1 runs again in further
    // rounds (P1 alone, the order of operator and floor alternating), and the figures that compare
    // the two are medians over the rounds. Each round's own figures are printed too.
    int rounds = Math.max(1, Integer.getInteger("keyward.bench.p1Rounds", 3));
    List<Map<String, Object>> perRound = new ArrayList<>();
    Template template = null;
    for (int round = 1; round <= rounds; round++) {
      Map<String, Object> these = round == 1 ? figures : new LinkedHashMap<>();
      boolean floorFirst = round % 2 == 0;
      if (floorFirst) {
        floorRound(out, n, template, these);
      }
      try (BenchApiServer server = BenchApiServer.start(out, "operator", REAL_SHAPE)) {
        template = operator(server, n, these, round == 1);
      }
      if (!floorFirst) {
        floorRound(out, n, template, these);
      }
      perRound.add(these);
    }
    // Round 1's figures are in the same map: take every round's values before medians replace
    // them there.
    ToDoubleFunction<Map<String, Object>> wallRatio =
        r -> (Double) r.get("p1_operator_seconds") / (Double) r.get("p1_floor_seconds");
    ToDoubleFunction<Map<String, Object>> cpuRatio =
        r ->
            (Double) r.get("p1_operator_client_cpu_ms_per_key")
                / (Double) r.get("p1_floor_client_cpu_ms_per_key");
    Map<String, Object> compared = new LinkedHashMap<>();
    compared.put("p1_rounds", rounds);
    for (String figure :
        List.of(
            "p1_operator_seconds",
            "p1_floor_seconds",
            "p1_operator_client_cpu_ms_per_key",
            "p1_floor_client_cpu_ms_per_key")) {
      compared.put(figure + "_by_round", byRound(perRound, r -> (Double) r.get(figure)));
      compared.put(figure, median(perRound, r -> (Double) r.get(figure)));
    }
    compared.put("p1_ratio_by_round", byRound(perRound, wallRatio));
    compared.put("p1_ratio", median(perRound, wallRatio));
    // Operator CPU per key against the bare client's: the operator's own share of the work.
    compared.put("p1_cpu_ratio_operator_to_floor_by_round", byRound(perRound, cpuRatio));
    compared.put("p1_cpu_ratio_operator_to_floor", median(perRound, cpuRatio));
    // P4 against P1 of the same operator run, round 1's.
    double p1OfRound1 = (Double) figures.get("p1_operator_seconds");
    figures.putAll(compared);
    if (figures.get("p4_rotation_seconds") instanceof Double p4) {
      figures.put("p4_ratio_to_p1", round(p4 / p1OfRound1));
    }
    return figures;
  }

  /** The floor on a server of its own, its figures put into {@code figures}. */
  private static void floorRound(Path out, int n, Template template, Map<String, Object> figures)
      throws Exception {
    try (BenchApiServer server = BenchApiServer.start(out, "floor", REAL_SHAPE)) {
      figures.put("p1_floor_seconds", round(floor(server, n, template, figures)));
    }
  }

  private static List<Double> byRound(
      List<Map<String, Object>> rounds, ToDoubleFunction<Map<String, Object>> figure) {
    return rounds.stream().map(r -> round(figure.applyAsDouble(r))).toList();
  }

  private static double median(
      List<Map<String, Object>> rounds, ToDoubleFunction<Map<String, Object>> figure) {
    double[] values = rounds.stream().mapToDouble(figure).sorted().toArray();
    int mid = values.length / 2;
    return round(values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2);
  }

  /** What the operator wrote for one key: the floor writes the same bytes for every key. */
  private record Template(Secret secret, ApiKeyStatus status) {
    Secret secretFor(ApiKey key) {
      return new SecretBuilder(secret)
          .editMetadata()
          .withNamespace(key.getMetadata().getNamespace())
          .withName(key.getMetadata().getName())
          .withUid(null)
          .withResourceVersion(null)
          .withCreationTimestamp(null)
          .withManagedFields()
          .editFirstOwnerReference()
          .withName(key.getMetadata().getName())
          .withUid(key.getMetadata().getUid())
          .endOwnerReference()
          .endMetadata()
          .build();
    }
  }

  /**
   * The floor: N ApiKeys exist; a bare client creates each one's Secret and patches its status,
   * from the same number of threads, against a server of its own.
   */
  private static double floor(
      BenchApiServer server, int n, Template template, Map<String, Object> figures)
      throws Exception {
    KubernetesClient admin = server.admin();
    String ns = namespace(admin, "floor");
    ApiKey[] keys = createApiKeys(admin, ns, n);
    try (KubernetesClient bare = new KubernetesClientBuilder().withConfig(server.config()).build();
        ApiKeyWatch watch = new ApiKeyWatch(server.config(), ns)) {
      Cpu cpu = new Cpu(server);
      long start = System.nanoTime();
      forAll(
          n,
          i -> {
            ApiKey key = keys[i];
            bare.secrets().resource(template.secretFor(key)).create();
            ApiKeyStatus status = template.status();
            bare.resource(key)
                .editStatus(
                    k -> {
                      k.setStatus(status);
                      return k;
                    });
          });
      watch.await(n, ACTIVE);
      double seconds = (System.nanoTime() - start) / 1e9;
      cpu.report("p1_floor", n, figures);
      return seconds;
    }
  }

  /** CPU used by this JVM (operator or bare client) and by the API server during a phase. */
  private static final class Cpu {
    private final BenchApiServer server;
    private final long client = clientNanos();
    private final Duration serverStart;
    private final Instant started;
    private final Map<String, Long> threadsStart = ThreadCpu.byGroup();

    Cpu(BenchApiServer server) {
      this.server = server;
      this.serverStart = server.cpu();
      this.started = Instant.now();
    }

    void report(String phase, int n, Map<String, Object> figures) {
      // The phase's wall-clock window, to cut a flight recording down to it.
      System.err.printf("bench-window %s %s %s%n", phase, started, Instant.now());
      double clientMs = (clientNanos() - client) / 1e6;
      double serverMs = server.cpu().minus(serverStart).toNanos() / 1e6;
      figures.put(phase + "_client_cpu_ms_per_key", round(clientMs / n));
      figures.put(phase + "_apiserver_cpu_ms_per_key", round(serverMs / n));
      Map<String, Double> byThread = ThreadCpu.since(threadsStart, n);
      // Threads that ended during the phase (the floor's workers) are gone from /proc.
      double ended =
          clientMs / n
              - byThread.entrySet().stream()
                  .filter(e -> !e.getKey().equals(ThreadCpu.KERNEL))
                  .mapToDouble(Map.Entry::getValue)
                  .sum();
      if (ended >= 0.01) {
        byThread.put("ended threads", round(ended));
      }
      figures.put(phase + "_client_cpu_ms_per_key_by_thread", byThread);
    }

    private static long clientNanos() {
      return ((com.sun.management.OperatingSystemMXBean)
              ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }
  }

  private static Template operator(
      BenchApiServer server, int n, Map<String, Object> figures, boolean full) throws Exception {
    KubernetesClient admin = server.admin();
    String ns = namespace(admin, "operator");
    createApiKeys(admin, ns, n);
    RequestLog log = new RequestLog();
    MutableClock clock = new MutableClock();
    try (ApiKeyWatch keys = new ApiKeyWatch(server.config(), ns);
        KubernetesClient client =
            KeywardClients.builder(server.config())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("bench", log))
                .build();
        KeywardOperator operator =
            new KeywardOperator(
                OperatorSettings.of(client, clock)
                    .withOperatorNamespace(ns)
                    .withWatchedNamespaces(Set.of(ns))
                    .withConcurrency(CONCURRENCY))) {

      // The heap before the operator starts (the benchmark's own watch already holds the N
      // keys), so P3 can tell what the operator holds per key.
      Map<String, long[]> histogramBefore = full ? classHistogram() : Map.of();
      long heapBefore = live(histogramBefore);

      // P1: N keys exist; from operator start until every one is Active.
      Cpu cpu = new Cpu(server);
      long start = System.nanoTime();
      operator.start();
      keys.await(n, ACTIVE);
      double p1 = (System.nanoTime() - start) / 1e9;
      figures.put("p1_operator_seconds", round(p1));
      cpu.report("p1_operator", n, figures);
      figures.put("p1_reconciles_per_key", round(reconciles(operator) / n));
      Template template =
          new Template(
              admin.secrets().inNamespace(ns).withName("k0").get(),
              admin.resources(ApiKey.class).inNamespace(ns).withName("k0").get().getStatus());

      // P2: every request the operator sent from its start until all keys were Active, by verb and
      // resource, and the writes per key; then an idle window.
      List<RequestLog.Request> issued = log.requests();
      figures.put("p2_requests", byVerb(issued));
      figures.put(
          "p2_writes_per_key",
          Math.round(1000.0 * issued.stream().filter(RequestLog.Request::isWrite).count() / n)
              / 1000.0);
      // -Dkeyward.bench.p1Only=true: P1 and P2's requests alone, e.g. to profile P1 at a large N.
      if (!full || Boolean.getBoolean("keyward.bench.p1Only")) {
        return template;
      }
      Thread.sleep(1000);
      int idleStart = log.writes().size();
      operator.resyncAll();
      Thread.sleep(5000);
      figures.put("p2_idle_writes", log.writes().size() - idleStart);

      // P4: every key due at once. Before P3 adds its Secrets: the mock server's cost per request
      // grows with every object it holds, which would be measured instead of the operator.
      int beforeStorm = log.size();
      double reconcilesBeforeStorm = reconciles(operator);
      Cpu stormCpu = new Cpu(server);
      long storm = System.nanoTime();
      clock.advance(Duration.ofDays(84));
      operator.resyncAll();
      keys.await(n, ROTATED);
      double p4 = (System.nanoTime() - storm) / 1e9;
      figures.put("p4_rotation_seconds", round(p4));
      figures.put("p4_requests", byVerb(log.since(beforeStorm)));
      stormCpu.report("p4_operator", n, figures);
      figures.put(
          "p4_reconciles_per_key", round((reconciles(operator) - reconcilesBeforeStorm) / n));
      // The storm's Events are sent after its Secrets and statuses, by the operator's Event
      // thread: the time until the last one was sent, from the storm's start. Before P3, or the
      // queue would be measured as heap.
      if (!operator.events().flush(Duration.ofMinutes(30))) {
        throw new IllegalStateException("the storm's Events were not sent in 30 minutes");
      }
      figures.put("p4_events_sent_seconds", round((System.nanoTime() - storm) / 1e9));
      figures.put("p4_events_dropped", operator.events().dropped());

      // P3: this JVM's heap (operator, its client, the benchmark's ApiKey watch; the API server is
      // another process) with N keys, then with 3×N unrelated Secrets in the watched namespace.
      // First let the operator's own cache catch up with the storm, or its backlog is measured.
      while (operator.cachedApiKeys().filter(ROTATED).count() < n) {
        Thread.sleep(100);
      }
      Thread.sleep(2000);
      Map<String, long[]> before = classHistogram();
      long heapKeys = live(before);
      figures.put("p3_operator_top_kb_by_class", growth(histogramBefore, before, 12));
      figures.put("p3_heap_mb_with_keys", round(heapKeys / 1048576.0));
      // -Dkeyward.bench.p3Unrelated=false: the heap with N keys only (creating 3×N Secrets on the
      // mock takes longer than the rest of a run at N=10,000).
      if (Boolean.parseBoolean(System.getProperty("keyward.bench.p3Unrelated", "true"))) {
        forAll(3 * n, i -> admin.secrets().resource(secret(ns, "unrelated-" + i)).create());
        Thread.sleep(2000);
        Map<String, long[]> after = classHistogram();
        long heapUnrelated = live(after);
        figures.put("p3_top_growth_kb_by_class", growth(before, after, 8));
        figures.put("p3_heap_mb_with_unrelated_secrets", round(heapUnrelated / 1048576.0));
        figures.put("p3_growth_percent", round(100.0 * (heapUnrelated - heapKeys) / heapKeys));
      }
      figures.put("p3_operator_heap_kb_per_key", round((heapKeys - heapBefore) / 1024.0 / n));
      figures.put("p3_jvm_heap_kb_per_key", round(heapKeys / 1024.0 / n));

      figures.put("error_responses_by_status", log.errorResponses());
      return template;
    }
  }

  /** Creates N Agent ApiKeys {@code k0..k<N-1>} from {@link #CONCURRENCY} threads. */
  private static ApiKey[] createApiKeys(KubernetesClient admin, String ns, int n) throws Exception {
    ApiKey[] created = new ApiKey[n];
    forAll(
        n,
        i -> {
          ApiKey key = TestApiKeys.apiKey("k" + i, s -> s.setType("Agent"));
          key.getMetadata().setNamespace(ns);
          if (REAL_SHAPE) {
            key.getMetadata().setAnnotations(Map.of(LAST_APPLIED, lastApplied(key)));
          }
          created[i] = admin.resource(key).create();
        });
    return created;
  }

  private static final io.fabric8.kubernetes.client.utils.KubernetesSerialization JSON =
      new io.fabric8.kubernetes.client.utils.KubernetesSerialization();

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  /**
   * What {@code kubectl apply} records of the manifest it applied: the object as sent, one line.
   */
  private static String lastApplied(ApiKey key) {
    ApiKey applied = new ApiKey();
    applied.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(key.getMetadata().getName())
            .withNamespace(key.getMetadata().getNamespace())
            .withAnnotations(Map.of())
            .build());
    applied.setSpec(key.getSpec());
    return JSON.asJson(applied) + "\n";
  }

  /** Request counts by method and resource: "POST secrets", "PATCH apikeys/status", ... */
  private static Map<String, Integer> byVerb(List<RequestLog.Request> requests) {
    Map<String, Integer> counts = new TreeMap<>();
    for (RequestLog.Request r : requests) {
      String path = r.path().replaceAll("\\?.*", "");
      String resource =
          path.endsWith("/status")
              ? path.replaceAll(".*/([a-z]+)/[^/]+/status$", "$1/status")
              : path.replaceAll(".*/([a-z]+)(/[^/]+)?$", "$1");
      counts.merge(r.method() + " " + resource, 1, Integer::sum);
    }
    return counts;
  }

  /** ApiKey reconciles started so far, from the operator's own metrics. */
  private static double reconciles(KeywardOperator operator) {
    return operator.registry().find("operator.sdk.reconciliations.started").counters().stream()
        .filter(c -> "ApiKey".equals(c.getId().getTag("kind")))
        .mapToDouble(c -> c.count())
        .sum();
  }

  private static String namespace(KubernetesClient admin, String phase) {
    String name = "bench-" + phase;
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /** Runs {@code task(0..count-1)} from {@link #CONCURRENCY} threads and waits for all. */
  private static void forAll(int count, IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
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

  /**
   * The benchmark's view of the ApiKeys: one watch, and a count of the keys that meet the current
   * goal kept up to date by its events, so waiting costs neither the server nor this JVM a scan.
   */
  private static final class ApiKeyWatch implements AutoCloseable {
    // No map of its own besides the informer's store: after a re-list the store holds new copies
    // without telling a handler about unchanged objects, and a map of the old ones would double
    // the ApiKeys this JVM holds (and show up in P3).
    private final Set<String> done = ConcurrentHashMap.newKeySet();
    private volatile Predicate<ApiKey> goal = k -> false;
    private final SharedIndexInformer<ApiKey> informer;

    private final KubernetesClient client;

    /**
     * Its own client, reading as the operator's does (without managedFields), its events handled on
     * one thread of its own ({@code bench-watch}): what the benchmark spends watching is not the
     * operator's, and the thread groups tell the two apart.
     */
    ApiKeyWatch(io.fabric8.kubernetes.client.Config config, String namespace) {
      client =
          new KubernetesClientBuilder()
              .withConfig(config)
              .withKubernetesSerialization(KeywardClients.json())
              .withTaskExecutor(
                  Executors.newSingleThreadExecutor(
                      r -> {
                        Thread t = new Thread(r, "bench-watch");
                        t.setDaemon(true);
                        return t;
                      }))
              .build();
      informer = client.resources(ApiKey.class).inNamespace(namespace).runnableInformer(0);
      informer.itemStore(new Progress());
      informer.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(ApiKey key) {
              seen(key);
            }

            @Override
            public void onUpdate(ApiKey old, ApiKey key) {
              seen(key);
            }

            @Override
            public void onDelete(ApiKey key, boolean unknown) {
              done.remove(key.getMetadata().getName());
            }
          });
      informer.run();
    }

    /**
     * The watch's store: of each ApiKey only what the goals read (name, phase, key version), so the
     * heap P3 measures is the operator's and not a second full copy of every ApiKey in this JVM
     * (with a real API server's managedFields, 3 KB per key more).
     */
    private static final class Progress extends BasicItemStore<ApiKey> {
      Progress() {
        super(Cache::metaNamespaceKeyFunc);
      }

      @Override
      public ApiKey put(String key, ApiKey full) {
        ApiKey slim = new ApiKey();
        slim.setMetadata(
            new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(full.getMetadata().getName())
                .withNamespace(full.getMetadata().getNamespace())
                .withResourceVersion(full.getMetadata().getResourceVersion())
                .build());
        if (full.getStatus() != null) {
          ApiKeyStatus status = new ApiKeyStatus();
          status.setPhase(full.getStatus().getPhase());
          status.setKeyVersion(full.getStatus().getKeyVersion());
          slim.setStatus(status);
        }
        return super.put(key, slim);
      }
    }

    private synchronized void seen(ApiKey key) {
      String name = key.getMetadata().getName();
      if (goal.test(key)) {
        done.add(name);
      } else {
        done.remove(name);
      }
    }

    void await(int n, Predicate<ApiKey> goal) throws InterruptedException {
      synchronized (this) {
        this.goal = goal;
        done.clear();
        informer.getStore().list().stream()
            .filter(goal)
            .forEach(k -> done.add(k.getMetadata().getName()));
      }
      while (done.size() < n) {
        Thread.sleep(20);
      }
    }

    @Override
    public void close() {
      informer.close();
      client.close();
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

  /** Live objects by class (after a full GC): class name to {instances, bytes}. */
  static Map<String, long[]> classHistogram() throws Exception {
    String text =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    Map<String, long[]> byClass = new java.util.HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        byClass.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
    }
    return byClass;
  }

  /** The classes whose live bytes grew most, with the growth in KB. */
  static Map<String, Long> growth(Map<String, long[]> before, Map<String, long[]> after, int top) {
    Map<String, Long> grown = new LinkedHashMap<>();
    after.entrySet().stream()
        .map(
            e ->
                Map.entry(
                    e.getKey(),
                    e.getValue()[1] - before.getOrDefault(e.getKey(), new long[] {0, 0})[1]))
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(e -> grown.put(e.getKey(), e.getValue() / 1024));
    return grown;
  }

  /**
   * The live heap: the sum of a class histogram, which is taken after a full GC. The heap's "used"
   * after {@code System.gc()} was not: with the real server's shape it read 20 MB more before the
   * operator started than after it had cached 3,000 keys.
   */
  static long live(Map<String, long[]> histogram) {
    return histogram.values().stream().mapToLong(v -> v[1]).sum();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
