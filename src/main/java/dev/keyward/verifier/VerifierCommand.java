package dev.keyward.verifier;

import dev.keyward.cli.ClusterAccess;
import dev.keyward.common.Durations;
import dev.keyward.runtime.ClientRateLimit;
import dev.keyward.runtime.KeywardClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code keyward verifier}: answers "is this key valid, may it do this" until SIGTERM. */
@Command(
    name = "verifier",
    mixinStandardHelpOptions = true,
    description =
        "Verify Keyward keys for proxies (forward-auth on /v1/verify) and services (POST"
            + " /v1/keys/verify). Watches ApiKeys, never Secrets; no leader election.")
public class VerifierCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(VerifierCommand.class);

  @Option(
      names = "--http-port",
      defaultValue = "${env:KEYWARD_HTTP_PORT:-8081}",
      description =
          "Port for /v1/verify, /v1/keys/verify, /healthz, /readyz and /metrics (env"
              + " KEYWARD_HTTP_PORT). Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(
      names = "--watch-namespaces",
      split = ",",
      defaultValue = "${env:KEYWARD_WATCH_NAMESPACES}",
      description =
          "Namespaces whose ApiKeys are accepted, comma-separated (env KEYWARD_WATCH_NAMESPACES)."
              + " Default: all.")
  Set<String> watchNamespaces;

  @Option(
      names = "--usage-granularity",
      defaultValue = "${env:KEYWARD_USAGE_GRANULARITY:-1h}",
      description =
          "How fine status.lastUsedAt is: a key's use is written at most once per this long per"
              + " replica; at least 1s (env KEYWARD_USAGE_GRANULARITY). Default: ${DEFAULT-VALUE}.")
  String usageGranularity;

  @Option(
      names = "--rate-limit-store",
      defaultValue = "${env:KEYWARD_RATE_LIMIT_STORE}",
      description =
          "Keep rate limits in Redis 6+ or Valkey, shared by every replica:"
              + " redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB] (TLS), no password in it (env"
              + " KEYWARD_RATE_LIMIT_STORE). Password: --rate-limit-store-password-file or env"
              + " KEYWARD_RATE_LIMIT_STORE_PASSWORD. Default: none, each replica keeps its share.")
  String rateLimitStore;

  @Option(
      names = "--rate-limit-store-password-file",
      defaultValue = "${env:KEYWARD_RATE_LIMIT_STORE_PASSWORD_FILE}",
      description =
          "File holding the store's password (env KEYWARD_RATE_LIMIT_STORE_PASSWORD_FILE).")
  java.nio.file.Path rateLimitStorePasswordFile;

  @Option(
      names = "--rate-limit-on-store-error",
      defaultValue = "${env:KEYWARD_RATE_LIMIT_ON_STORE_ERROR:-local}",
      description =
          "When the store does not answer within 20ms: local (this replica's share of the limit),"
              + " allow, or deny (503 RATE_LIMIT_UNAVAILABLE) (env"
              + " KEYWARD_RATE_LIMIT_ON_STORE_ERROR). Default: ${DEFAULT-VALUE}.")
  String rateLimitOnStoreError;

  @Option(
      names = "--rate-limit-replicas-of",
      defaultValue = "${env:KEYWARD_RATE_LIMIT_REPLICAS_OF:-keyward-verifier}",
      description =
          "The verifier's Service, in its own namespace (env POD_NAMESPACE, else the kubeconfig's):"
              + " a limit kept locally is divided by its ready endpoints; 'none' to not divide"
              + " (env KEYWARD_RATE_LIMIT_REPLICAS_OF). Default: ${DEFAULT-VALUE}.")
  String rateLimitReplicasOf;

  /** How rate limits are kept, from the flags, the password file and the environment. */
  RateLimiting rateLimiting(String clientNamespace) throws java.io.IOException {
    RateLimiting limits =
        RateLimiting.local()
            .withOnStoreError(RedisRateLimits.OnStoreError.parse(rateLimitOnStoreError));
    if (rateLimitReplicasOf != null
        && !rateLimitReplicasOf.isBlank()
        && !rateLimitReplicasOf.equals("none")) {
      String namespace = System.getenv("POD_NAMESPACE");
      limits =
          limits.withReplicasOf(
              namespace != null && !namespace.isBlank()
                  ? namespace
                  : clientNamespace == null ? "default" : clientNamespace,
              rateLimitReplicasOf);
    }
    if (rateLimitStore != null && !rateLimitStore.isBlank()) {
      String password = System.getenv("KEYWARD_RATE_LIMIT_STORE_PASSWORD");
      if (rateLimitStorePasswordFile != null) {
        password = java.nio.file.Files.readString(rateLimitStorePasswordFile).strip();
      }
      limits = limits.withStore(rateLimitStore.strip(), password);
    }
    return limits;
  }

  @Override
  public Integer call() throws Exception {
    var granularity = Durations.parse("--usage-granularity", usageGranularity);
    var config = ClusterAccess.checkedConfig();
    RateLimiting rateLimiting = rateLimiting(config.getNamespace());
    KubernetesClient client =
        KeywardClients.builder(config)
            .withHttpClientBuilderConsumer(
                b -> b.addOrReplaceInterceptor("keyward-rate-limit", new ClientRateLimit(20, 40)))
            .build();
    Verifier.Settings settings =
        Verifier.Settings.of(client, Clock.systemUTC())
            .withHttpPort(httpPort)
            .withWatchedNamespaces(watchNamespaces == null ? Set.of() : watchNamespaces)
            .withUsageGranularity(granularity);
    CountDownLatch stopped = new CountDownLatch(1);
    try (Verifier verifier = new Verifier(settings, rateLimiting)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    log.info("Stopping the Keyward verifier");
                    verifier.close();
                    stopped.countDown();
                  },
                  "keyward-verifier-shutdown"));
      verifier.start();
      stopped.await();
    } finally {
      client.close();
    }
    return 0;
  }
}
