package dev.keyward.verifier;

import dev.keyward.apikey.ApiKey;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keyward verifier} wired together: ApiKey informers (list/watch, never Secrets) feeding the
 * {@link KeyRegistry}, the HTTP port, and the usage writer. No leader election: every replica
 * answers on its own, and its only write is the usage fields of ApiKey status.
 */
public final class Verifier implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Verifier.class);

  /** How the verifier runs; {@link #of} gives the defaults of {@code keyward verifier}. */
  public record Settings(
      KubernetesClient client,
      Clock clock,
      Set<String> watchedNamespaces,
      int httpPort,
      Duration usageGranularity,
      Duration usageWriteEvery,
      int eventLoops) {

    public static final int DEFAULT_PORT = 8081;
    public static final Duration DEFAULT_GRANULARITY = Duration.ofHours(1);

    public static Settings of(KubernetesClient client, Clock clock) {
      return new Settings(
          client,
          clock,
          Set.of(),
          DEFAULT_PORT,
          DEFAULT_GRANULARITY,
          Duration.ofSeconds(5),
          Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    public Settings withWatchedNamespaces(Set<String> namespaces) {
      return new Settings(
          client,
          clock,
          Set.copyOf(namespaces),
          httpPort,
          usageGranularity,
          usageWriteEvery,
          eventLoops);
    }

    public Settings withHttpPort(int port) {
      return new Settings(
          client, clock, watchedNamespaces, port, usageGranularity, usageWriteEvery, eventLoops);
    }

    /** At least one second: finer would make lastUsedAt a write per request. */
    public Settings withUsageGranularity(Duration granularity) {
      if (granularity.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "--usage-granularity must be at least 1s, not " + granularity.toMillis() + "ms");
      }
      return new Settings(
          client, clock, watchedNamespaces, httpPort, granularity, usageWriteEvery, eventLoops);
    }

    /** How often the usage writer looks for due writes; tests set it long and call it directly. */
    public Settings withUsageWriteEvery(Duration every) {
      return new Settings(
          client, clock, watchedNamespaces, httpPort, usageGranularity, every, eventLoops);
    }
  }

  private final Settings settings;
  private final KeyRegistry registry;
  private final List<SharedIndexInformer<ApiKey>> informers = new ArrayList<>();
  private final VerifierMetrics metrics;
  private final VerifierHttp http;
  private final UsageWriter usage;
  private final RateLimiting rateLimiting;
  private final ReadyReplicas replicas;
  private final RateLimitStore limits;
  private final ScheduledExecutorService background =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "keyward-verifier-usage");
            t.setDaemon(true);
            return t;
          });

  public Verifier(Settings settings) {
    this(settings, RateLimiting.local());
  }

  public Verifier(Settings settings, RateLimiting rateLimiting) {
    this.settings = settings;
    this.rateLimiting = rateLimiting;
    this.registry = new KeyRegistry(settings.clock());
    this.metrics = new VerifierMetrics(registry, this::synced);
    this.replicas =
        rateLimiting.replicasService() == null
            ? null
            : new ReadyReplicas(
                settings.client(),
                rateLimiting.replicasNamespace(),
                rateLimiting.replicasService());
    LocalRateLimits local = new LocalRateLimits(replicas == null ? () -> 1 : replicas::ready);
    metrics.rateLimitReplicas(replicas == null ? () -> 1 : replicas::ready);
    this.limits =
        rateLimiting.storeUrl() == null
            ? local
            : new RedisRateLimits(
                rateLimiting.storeUrl(),
                rateLimiting.storePassword(),
                rateLimiting.storeTimeout(),
                rateLimiting.onStoreError(),
                local,
                reason -> metrics.rateLimitFallback(reason, rateLimiting.onStoreError()));
    KeyVerifier verifier = new KeyVerifier(registry, settings.clock(), this::synced, limits);
    this.http =
        new VerifierHttp(new VerifyApi(verifier), metrics, this::synced, settings.eventLoops());
    this.usage = new UsageWriter(settings.client(), registry, settings.usageGranularity(), metrics);
  }

  /**
   * Opens the port (answering 503 until the cache has synced) and starts the informers. Returns at
   * once; {@link #synced()} says when keys are answered.
   */
  public void start() throws Exception {
    http.start(settings.httpPort(), settings.eventLoops());
    if (limits instanceof RedisRateLimits redis) {
      redis.start(http.vertx());
    }
    if (replicas != null) {
      replicas.start();
    }
    if (settings.watchedNamespaces().isEmpty()) {
      informers.add(
          inform(settings.client().resources(ApiKey.class).inAnyNamespace().withLimit(500L), null));
    } else {
      for (String namespace : settings.watchedNamespaces()) {
        informers.add(
            inform(
                settings.client().resources(ApiKey.class).inNamespace(namespace).withLimit(500L),
                namespace));
      }
    }
    long every = settings.usageWriteEvery().toMillis();
    background.scheduleWithFixedDelay(this::writeUsage, every, every, TimeUnit.MILLISECONDS);
    background.scheduleWithFixedDelay(this::checkWatches, 1, 1, TimeUnit.SECONDS);
    log.info(
        "Keyward verifier listening on port {}, watching {}",
        http.port(),
        settings.watchedNamespaces().isEmpty() ? "all namespaces" : settings.watchedNamespaces());
  }

  private SharedIndexInformer<ApiKey> inform(
      io.fabric8.kubernetes.client.dsl.Informable<ApiKey> source, String namespace) {
    SharedIndexInformer<ApiKey> informer = source.runnableInformer(0);
    informer.removeNamespaceIndex();
    informer.itemStore(registry.store(namespace));
    informer.exceptionHandler(
        (started, t) -> {
          log.warn(
              "ApiKey watch{} failed, retrying: {}",
              namespace == null ? "" : " in " + namespace,
              t.getClass().getSimpleName());
          return true;
        });
    start(informer, namespace);
    return informer;
  }

  /**
   * Starts an informer; when even sending its first list fails, tries again a second later (a
   * failed list after that is retried by the informer itself, through the exception handler).
   */
  private void start(SharedIndexInformer<ApiKey> informer, String namespace) {
    try {
      informer
          .start()
          .whenComplete(
              (ok, e) -> {
                if (e == null) {
                  registry.heard();
                  log.info(
                      "Verifier cache synced{}: {} ApiKeys",
                      namespace == null ? "" : " for " + namespace,
                      registry.apiKeys());
                }
              });
    } catch (RuntimeException e) {
      log.warn("Listing ApiKeys failed, retrying: {}", e.getClass().getSimpleName());
      background.schedule(() -> start(informer, namespace), 1, TimeUnit.SECONDS);
    }
  }

  /** A watch that is open hears every change: the cache is as fresh as the API server. */
  private void checkWatches() {
    if (synced() && informers.stream().allMatch(SharedIndexInformer::isWatching)) {
      registry.heard();
    }
  }

  private void writeUsage() {
    try {
      usage.writeDue();
    } catch (RuntimeException e) {
      log.warn("Usage writing failed: {}", e.getClass().getSimpleName());
    }
  }

  /** Whether every informer has listed once: before that every verification answers 503. */
  public boolean synced() {
    return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  public int httpPort() {
    return http.port();
  }

  public KeyRegistry registry() {
    return registry;
  }

  /** Ready verifier replicas a local limit is divided by (1 when not divided). */
  public int rateLimitReplicas() {
    return replicas == null ? 1 : replicas.ready();
  }

  public RateLimiting rateLimiting() {
    return rateLimiting;
  }

  public VerifierMetrics metrics() {
    return metrics;
  }

  /** Writes due usage now (tests; the verifier does it every few seconds on its own). */
  public int writeUsageNow() {
    return usage.writeDue();
  }

  @Override
  public void close() {
    background.shutdownNow();
    informers.forEach(SharedIndexInformer::stop);
    if (replicas != null) {
      replicas.close();
    }
    limits.close();
    http.close();
  }
}
