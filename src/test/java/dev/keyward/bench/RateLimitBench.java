package dev.keyward.bench;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.apikey.RateLimit;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.RedisServer;
import dev.keyward.testing.TestApiKeys;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * P11: every key with a rateLimit kept in a shared store on the same machine (a real redis-server,
 * child process), the verifier as a child JVM like P6: verifications per second, p99, store round
 * trips per request (the store's own count of script runs), and the round trips a flood from a key
 * already over its limit costs (none).
 */
final class RateLimitBench {

  private static final String NS = "bench-ratelimit";

  private RateLimitBench() {}

  static Map<String, Object> run(int n, Path out) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    int keyCount = Math.min(n, 1_000);
    figures.put("keys", keyCount);
    try (RedisServer redis = RedisServer.launch();
        BenchApiServer api = BenchApiServer.start(out, "ratelimit")) {
      KubernetesClient admin = api.admin();
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .create();
      // A limit no run reaches, so every request is one store decision that admits.
      String[] keys = new String[keyCount];
      for (int i = 0; i < keyCount; i++) {
        keys[i] = create(admin, String.format("limited-%05d", i), 100_000_000, "1s");
      }
      String blocked = create(admin, "blocked", 1, "1h");
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      try (VerifierBench.Child verifier =
          VerifierBench.Child.start(
              out,
              "verifier-ratelimit",
              // The benchmark's credentials: a real API server lets an anonymous client list
              // nothing.
              List.of(
                  "-Xmx64m",
                  "-Dkubeconfig=" + api.kubeconfig(out).toAbsolutePath(),
                  "-Dkubernetes.http2.disable=true",
                  "-Dkubernetes.auth.tryServiceAccount=false"),
              "dev.keyward.Keyward",
              "verifier",
              "--http-port",
              Integer.toString(port),
              "--watch-namespaces",
              NS,
              "--rate-limit-store",
              redis.url(),
              "--rate-limit-replicas-of",
              "none")) {
        verifier.port = port;
        verifier.awaitReady();
        String target = "/v1/verify?namespace=" + NS;
        LoadGenerator.run(port, target, keys, VerifierBench.CONNECTIONS, 5);

        long runsBefore = redis.scriptRuns();
        LoadGenerator.Result r =
            LoadGenerator.run(port, target, keys, VerifierBench.CONNECTIONS, VerifierBench.SECONDS);
        long runs = redis.scriptRuns() - runsBefore;
        figures.put("p11_verifier", r);
        figures.put(
            "p11_store_round_trips_per_request", Math.round(runs * 1000.0 / r.requests()) / 1000.0);
        figures.put(
            "p11_fallbacks",
            verifier.metric(
                    "keyward_verifier_rate_limit_store_fallbacks_total{mode=\"local\",reason=\"timeout\"}")
                + verifier.metric(
                    "keyward_verifier_rate_limit_store_fallbacks_total{mode=\"local\",reason=\"error\"}")
                + verifier.metric(
                    "keyward_verifier_rate_limit_store_fallbacks_total{mode=\"local\",reason=\"backoff\"}"));

        // A key over its limit: its one request, one more that the store refuses (from then on the
        // replica knows), then a flood that must not reach the store.
        RawHttp.get(port, target, "Authorization: Bearer " + blocked);
        RawHttp.get(port, target, "Authorization: Bearer " + blocked);
        long blockedBefore = redis.scriptRuns();
        LoadGenerator.Result flood =
            LoadGenerator.run(port, target, new String[] {blocked}, VerifierBench.CONNECTIONS, 3);
        figures.put("p11_blocked_flood_requests", flood.requests());
        figures.put("p11_blocked_flood_non200", flood.non200());
        figures.put("p11_blocked_flood_per_second", round(flood.perSecond()));
        figures.put("p11_blocked_flood_store_round_trips", redis.scriptRuns() - blockedBefore);
      }
    }
    return figures;
  }

  private static String create(KubernetesClient admin, String name, int requests, String per) {
    String key = KeyFormat.generate(KeyFormat.STANDARD_PREFIX, 32);
    ApiKey apiKey = TestApiKeys.apiKey(name, s -> s.setRateLimit(new RateLimit(requests, per)));
    apiKey.getMetadata().setNamespace(NS);
    admin.resources(ApiKey.class).inNamespace(NS).resource(apiKey).create();
    admin
        .resources(ApiKey.class)
        .inNamespace(NS)
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
    return key;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
