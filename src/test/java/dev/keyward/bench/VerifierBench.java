package dev.keyward.bench;

import dev.keyward.admission.Creator;
import dev.keyward.admission.GrantReview;
import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.ScopeRbac;
import dev.keyward.testing.TestApiKeys;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * P6-P8 and usage writes for {@code keyward verifier}, each process on its own: the mock API server
 * (child JVM), the verifier as {@code java -Xmx64m -jar ... verifier} would run (child JVM, same
 * class path), the floor (child JVM: the same Vert.x stack answering 200 without verifying), and
 * the load generator and revocation writer here.
 */
final class VerifierBench {

  static final String NS = "bench-verifier";

  /** The recorded creator of every benchmark key; the mock lets them grant every scope. */
  static final String OWNER = "bench-owner";

  /** The one scope every benchmark key carries and every request asks for. */
  static final String SCOPE = "bench";

  static final double SECONDS =
      Double.parseDouble(System.getProperty("keyward.bench.seconds", "10"));
  static final int CONNECTIONS = Integer.getInteger("keyward.bench.connections", 8);

  private VerifierBench() {}

  static Map<String, Object> run(int n, Path out) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("keys", n);
    try (BenchApiServer api = BenchApiServer.start(out, "verifier")) {
      KubernetesClient admin = api.admin();
      for (String ns : List.of(NS, "bench-verifier-empty")) {
        admin
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
      }
      grantOwner(admin, NS);
      String[] keys = createKeys(admin, NS, n);
      Path kubeconfig = api.kubeconfig(out);
      try (Child floor = Child.start(out, "floor", List.of(), FloorServer.class.getName());
          Child empty = verifier(out, kubeconfig, "bench-verifier-empty");
          Child verifier = verifier(out, kubeconfig, NS)) {
        long syncStart = System.nanoTime();
        verifier.awaitReady();
        figures.put("sync_seconds_n_keys", round((System.nanoTime() - syncStart) / 1e9));
        empty.awaitReady();

        // P6: warm both up, then measure the floor and the verifier in turn.
        String target = "/v1/verify?scope=bench&namespace=" + NS;
        LoadGenerator.run(floor.port, target, keys, CONNECTIONS, 5);
        LoadGenerator.run(verifier.port, target, keys, CONNECTIONS, 5);
        LoadGenerator.Result f = LoadGenerator.run(floor.port, target, keys, CONNECTIONS, SECONDS);
        LoadGenerator.Result v =
            LoadGenerator.run(verifier.port, target, keys, CONNECTIONS, SECONDS);
        figures.put("p6_floor", f);
        figures.put("p6_verifier", v);
        figures.put("p6_ratio_floor_over_verifier", round(f.perSecond() / v.perSecond()));

        // P6 with --owner-check, every answer cached: its own verifier, warmed as long as the plain
        // one before its second run, then measured before that second run; the
        // SubjectAccessReviews it sends, warm and under load.
        try (Child owners = verifier(out, kubeconfig, NS, "--owner-check")) {
          owners.awaitReady();
          // As much load before its measurement as the plain verifier had before its second run.
          LoadGenerator.run(owners.port, target, keys, CONNECTIONS, 5 + SECONDS);
          double warm = owners.metric("keyward_verifier_owner_reviews_total");
          LoadGenerator.Result o =
              LoadGenerator.run(owners.port, target, keys, CONNECTIONS, SECONDS);
          double loaded = owners.metric("keyward_verifier_owner_reviews_total") - warm;
          LoadGenerator.Result again =
              LoadGenerator.run(verifier.port, target, keys, CONNECTIONS, SECONDS);
          figures.put("p6_owner_check", o);
          figures.put("p6_plain_again", again);
          figures.put(
              "p6_ratio_owner_check_over_plain",
              round(o.perSecond() / ((v.perSecond() + again.perSecond()) / 2)));
          figures.put(
              "p6_ratio_owner_check_over_plain_again", round(o.perSecond() / again.perSecond()));
          figures.put("p6_owner_reviews_until_warm", warm);
          figures.put("p6_owner_reviews_during_load", loaded);
          figures.put("p6_owner_answers_cached", owners.metric("keyward_verifier_owner_answers"));
        }

        // P12: the verifier through nginx against nginx's own trivial auth answer.
        if (NginxBench.available()) {
          figures.putAll(NginxBench.run(verifier.port, NS, keys, out));
        } else {
          System.out.println("P12 left out: no " + NginxBench.NGINX + " (apt-get install nginx)");
        }

        // P8: heap after GC, with n keys and with none.
        long full = verifier.heapAfterGc();
        long none = empty.heapAfterGc();
        figures.put("p8_heap_mb_n_keys", round(full / 1048576.0));
        figures.put("p8_heap_mb_no_keys", round(none / 1048576.0));
        figures.put("p8_bytes_per_key", (full - none) / n);

        // Usage writes so far: every key was used for the first time in the load runs.
        figures.put(
            "usage_writes_during_load",
            verifier.metric("keyward_verifier_usage_writes_total{result=\"written\"}"));

        // P7: revocation write to the first 401 REVOKED, 100 times.
        double[] fresh = new double[Math.min(100, n)];
        for (int i = 0; i < fresh.length; i++) {
          String name = String.format("bench-%05d", i);
          long t0 = System.nanoTime();
          admin
              .resources(ApiKey.class)
              .inNamespace(NS)
              .withName(name)
              .edit(
                  k -> {
                    k.getSpec().setRevoked(true);
                    return k;
                  });
          while (!"REVOKED"
              .equals(
                  RawHttp.get(verifier.port, "/v1/verify", "Authorization: Bearer " + keys[i])
                      .code())) {
            Thread.onSpinWait();
          }
          fresh[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(fresh);
        figures.put("p7_revocation_to_401_p50_ms", round(fresh[fresh.length / 2]));
        figures.put(
            "p7_revocation_to_401_p99_ms", round(fresh[(int) Math.ceil(fresh.length * 0.99) - 1]));
        figures.put("p7_revocation_to_401_max_ms", round(fresh[fresh.length - 1]));
      }
    }
    return figures;
  }

  /**
   * Starts {@code keyward verifier} as its own JVM watching {@code namespace}, with the kubeconfig
   * the benchmark's own client uses: a real API server answers a client without credentials as
   * {@code system:anonymous}, whom RBAC lets list nothing, so the verifier would never be ready.
   */
  static Child verifier(Path out, Path kubeconfig, String namespace, String... flags)
      throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "verifier",
                "--http-port",
                Integer.toString(port),
                "--watch-namespaces",
                namespace));
    args.addAll(List.of(flags));
    Child child =
        Child.start(
            out,
            "verifier-" + namespace + (flags.length == 0 ? "" : "-owner-check"),
            List.of(
                "-Xmx64m",
                "-Dkubeconfig=" + kubeconfig.toAbsolutePath(),
                "-Dkubernetes.http2.disable=true",
                "-Dkubernetes.auth.tryServiceAccount=false"),
            "dev.keyward.Keyward",
            args.toArray(String[]::new));
    child.port = port;
    return child;
  }

  /**
   * Lets {@link #OWNER} grant every scope in {@code namespace}, as RBAC says it (a Role with verb
   * {@code grant} on {@code scopes.keyward.dev} and its RoleBinding), and waits until the API
   * server answers so: a real server's RBAC decides the {@code --owner-check} verifier's
   * SubjectAccessReviews. The mock has no RBAC; its expectation ({@link BenchApiServer#main})
   * answers the same.
   */
  static void grantOwner(KubernetesClient admin, String namespace) {
    ScopeRbac.bind(admin, namespace, "bench-owner-grants-scopes", "User", OWNER);
    Creator owner = new Creator(OWNER, "", List.of());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!GrantReview.of(admin).mayGrant(owner, Map.of(), namespace, SCOPE)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the API server does not let " + OWNER + " grant " + SCOPE + " after 60 s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * Creates {@code n} ApiKeys in {@code namespace} the way the operator leaves them: created with
   * the spec, then status (phase, version, keyHash) written through the status subresource, since a
   * real API server drops {@code status} from a create. Returns the keys, in the order of their
   * names {@code bench-00000}, ...
   */
  static String[] createKeys(KubernetesClient admin, String namespace, int n) throws Exception {
    String[] keys = new String[n];
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(
            pool.submit(
                () -> {
                  String key = KeyFormat.generate(KeyFormat.STANDARD_PREFIX, 32);
                  keys[index] = key;
                  String name = String.format("bench-%05d", index);
                  ApiKey apiKey = TestApiKeys.apiKey(name, s -> s.setScopes(List.of(SCOPE)));
                  apiKey.getMetadata().setNamespace(namespace);
                  apiKey.getMetadata().setAnnotations(Map.of(Creator.USER_ANNOTATION, OWNER));
                  admin.resources(ApiKey.class).inNamespace(namespace).resource(apiKey).create();
                  admin
                      .resources(ApiKey.class)
                      .inNamespace(namespace)
                      .withName(name)
                      .editStatus(
                          k -> {
                            ApiKeyStatus s = new ApiKeyStatus();
                            s.setPhase("Active");
                            s.setKeyVersion(1);
                            s.setKeyHash(KeyFormat.keyHash(key));
                            s.setIssuedAt(Instant.now().toString());
                            k.setStatus(s);
                            return k;
                          });
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return keys;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** A child JVM on this class path; stdout and stderr go to a log file. */
  static final class Child implements AutoCloseable {
    final Process process;
    final Path log;
    int port;

    private Child(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static Child start(Path out, String name, List<String> jvmArgs, String main, String... args)
        throws IOException {
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.addAll(jvmArgs);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command);
      Path log = out.resolve(name + ".log");
      Child child;
      if (main.equals(FloorServer.class.getName())) {
        child = new Child(builder.redirectError(log.toFile()).start(), log);
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(child.process.getInputStream(), StandardCharsets.UTF_8));
        child.port = Integer.parseInt(in.readLine().trim());
      } else {
        child =
            new Child(builder.redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
      }
      return child;
    }

    /**
     * Waits until {@code /readyz} answers 200; fails at once when the process exits, and after 5
     * minutes, either way with the end of its log, which says why (a 403 on the first list, say).
     */
    void awaitReady() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              log.getFileName() + " exited with " + process.exitValue() + ": " + tail());
        }
        try {
          if (RawHttp.get(port, "/readyz").status() == 200) {
            return;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(20);
      }
      throw new IllegalStateException(log.getFileName() + " not ready after 5 minutes: " + tail());
    }

    /** The last lines of the log. */
    String tail() throws IOException {
      List<String> lines = java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    /** Heap in use after a full GC, from the process's own /metrics. */
    long heapAfterGc() throws Exception {
      for (int i = 0; i < 2; i++) {
        new ProcessBuilder("jcmd", Long.toString(process.pid()), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor();
      }
      long sum = 0;
      for (String line : RawHttp.get(port, "/metrics").body().split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{area=\"heap\"")) {
          sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    }

    double metric(String series) throws IOException {
      for (String line : RawHttp.get(port, "/metrics").body().split("\n")) {
        if (line.startsWith(series + " ")) {
          return Double.parseDouble(line.substring(series.length() + 1));
        }
      }
      return 0;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
