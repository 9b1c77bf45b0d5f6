package dev.keyward.runtime;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyObserver;
import dev.keyward.apikey.ApiKeyReconciler;
import dev.keyward.common.EventRecorder;
import dev.keyward.metrics.KeywardMetrics;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.sealing.SealingKeys;
import dev.keyward.toolsecret.ToolIndexSecret;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretObserver;
import dev.keyward.toolsecret.ToolSecretReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's wiring, shared by {@code keyward operator}, {@code keyward dev} and the tests, so
 * that what is tested is what runs.
 */
public final class KeywardOperator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KeywardOperator.class);

  /**
   * What the wiring needs from the outside, with the defaults of {@code keyward operator}. Fluent:
   * each {@code with} method sets one thing and returns these settings.
   */
  public static final class Settings {

    public static final String DEFAULT_OPERATOR_NAMESPACE = "keyward-system";
    public static final Duration DEFAULT_SEALING_KEY_ROTATION = Duration.ofDays(30);
    public static final long DEFAULT_NAMESPACE_QUOTA = 512 * 1024;

    private final KubernetesClient client;
    private final Clock clock;
    private String operatorNamespace = DEFAULT_OPERATOR_NAMESPACE;
    private Set<String> watchedNamespaces = Set.of();
    private int concurrency = 10;
    private Duration sealingKeyRotation = DEFAULT_SEALING_KEY_ROTATION;
    private long namespaceQuotaBytes = DEFAULT_NAMESPACE_QUOTA;
    private String toolIndexName = ToolIndexSecret.DEFAULT_NAME;
    private ApiKeyObserver apiKeyObserver = ApiKeyObserver.NONE;
    private ToolSecretObserver toolSecretObserver = ToolSecretObserver.NONE;
    private boolean leaderElection;
    private int httpPort = -1;
    private Runnable onLostLead = () -> System.exit(1);

    private Settings(KubernetesClient client, Clock clock) {
      this.client = client;
      this.clock = clock;
    }

    public static Settings of(KubernetesClient client, Clock clock) {
      return new Settings(client, clock);
    }

    /** Where the sealing keys and the leader Lease live. */
    public Settings withOperatorNamespace(String namespace) {
      this.operatorNamespace = namespace;
      return this;
    }

    /** Namespaces whose resources Keyward manages; empty means all. */
    public Settings withWatchedNamespaces(Set<String> namespaces) {
      this.watchedNamespaces = Set.copyOf(namespaces);
      return this;
    }

    public Settings withConcurrency(int threads) {
      this.concurrency = threads;
      return this;
    }

    public Settings withSealingKeyRotation(Duration period) {
      this.sealingKeyRotation = period;
      return this;
    }

    /** Limit on the total size of the tool values one namespace serves. */
    public Settings withNamespaceQuota(long bytes) {
      this.namespaceQuotaBytes = bytes;
      return this;
    }

    public Settings withToolIndexName(String name) {
      this.toolIndexName = name;
      return this;
    }

    /** Only the holder of Lease {@code keyward-leader} in the operator namespace reconciles. */
    public Settings withLeaderElection(boolean enabled) {
      this.leaderElection = enabled;
      return this;
    }

    /** Serve /healthz, /readyz, /metrics and /v1/sealing-public-keys here; 0 = any, -1 = off. */
    public Settings withHttpPort(int port) {
      this.httpPort = port;
      return this;
    }

    /** What happens when this process loses the lead it held; by default it exits. */
    public Settings withOnLostLead(Runnable action) {
      this.onLostLead = action;
      return this;
    }

    public Settings withObservers(ApiKeyObserver apiKeys, ToolSecretObserver toolSecrets) {
      this.apiKeyObserver = apiKeys;
      this.toolSecretObserver = toolSecrets;
      return this;
    }

    public KubernetesClient client() {
      return client;
    }

    public Clock clock() {
      return clock;
    }

    public String operatorNamespace() {
      return operatorNamespace;
    }

    public Set<String> watchedNamespaces() {
      return watchedNamespaces;
    }

    public int concurrency() {
      return concurrency;
    }

    public Duration sealingKeyRotation() {
      return sealingKeyRotation;
    }

    public long namespaceQuotaBytes() {
      return namespaceQuotaBytes;
    }

    public String toolIndexName() {
      return toolIndexName;
    }

    public ApiKeyObserver apiKeyObserver() {
      return apiKeyObserver;
    }

    public ToolSecretObserver toolSecretObserver() {
      return toolSecretObserver;
    }

    public boolean leaderElection() {
      return leaderElection;
    }

    public int httpPort() {
      return httpPort;
    }

    public Runnable onLostLead() {
      return onLostLead;
    }
  }

  /** The sealing keys are looked at least this often, so a due rotation is never late by more. */
  static final Duration SEALING_KEY_CHECK = Duration.ofHours(1);

  private final Settings settings;
  private final Operator operator;
  private final ApiKeyReconciler apiKeys;
  private final ToolSecretReconciler toolSecrets;
  private final SealingKeyStore sealingKeys;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final KeywardMetrics metrics;
  private HttpEndpoints http;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("keyward-sealing-keys"));

  public KeywardOperator(Settings settings) {
    this.settings = settings;
    this.operator =
        new Operator(
            o ->
                o.withKubernetesClient(settings.client())
                    .withUseSSAToPatchPrimaryResource(false)
                    .withConcurrentReconciliationThreads(settings.concurrency())
                    .withReconciliationTerminationTimeout(Duration.ofSeconds(5))
                    .withCloseClientOnStop(false)
                    .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                    .withLeaderElectionConfiguration(
                        settings.leaderElection() ? leaderElection(settings) : null));
    EventRecorder events = new EventRecorder(settings.client(), settings.clock());
    this.sealingKeys =
        new SealingKeyStore(
            settings.client(),
            settings.operatorNamespace(),
            settings.clock(),
            settings.sealingKeyRotation());
    this.metrics = new KeywardMetrics(registry, this::cachedApiKeys, this::cachedToolSecrets);
    this.apiKeys =
        new ApiKeyReconciler(
            settings.clock(), events, ApiKeyObserver.both(settings.apiKeyObserver(), metrics));
    this.toolSecrets =
        new ToolSecretReconciler(
            new ToolSecretReconciler.Settings(
                settings.clock(),
                events,
                sealingKeys,
                settings.toolIndexName(),
                settings.namespaceQuotaBytes(),
                ToolSecretObserver.both(settings.toolSecretObserver(), metrics)));
    operator.register(apiKeys, this::namespaces);
    operator.register(toolSecrets, this::namespaces);
  }

  public static final String LEASE_NAME = "keyward-leader";

  private volatile boolean leading;
  private volatile boolean closing;

  private LeaderElectionConfiguration leaderElection(Settings settings) {
    String host =
        System.getenv().getOrDefault("POD_NAME", System.getenv().getOrDefault("HOSTNAME", ""));
    String identity = host.isEmpty() ? "keyward-" + UUID.randomUUID() : host;
    return new LeaderElectionConfiguration(
        LEASE_NAME,
        settings.operatorNamespace(),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        identity,
        new LeaderCallbacks(
            () -> {
              leading = true;
              log.info("Leading as {}: reconciling", identity);
              try {
                scheduler.execute(this::checkSealingKeysOrWarn);
              } catch (RejectedExecutionException e) {
                // closing
              }
            },
            () -> {
              leading = false;
              if (!closing) {
                // Exit so that a fresh process rejoins the election instead of reconciling beside
                // the new leader. Not on a deliberate stop: that also ends the lead.
                log.info("Lost the lead; exiting");
                settings.onLostLead().run();
              }
            },
            leader -> log.info("Leader is now {}", leader)),
        false);
  }

  /** True when this process may write: it holds the lease, or leader election is off. */
  public boolean leading() {
    return !settings.leaderElection() || leading;
  }

  private void namespaces(ControllerConfigurationOverrider<?> c) {
    if (settings.watchedNamespaces().isEmpty()) {
      c.watchingAllNamespaces();
    } else {
      c.settingNamespaces(settings.watchedNamespaces());
    }
  }

  /** Opens the HTTP port, makes sure the sealing keys exist, then starts the controllers. */
  public void start() {
    if (settings.httpPort() >= 0) {
      try {
        http =
            new HttpEndpoints(
                settings.httpPort(),
                registry,
                metrics::refresh,
                this::ready,
                () -> sealingKeysForReading().publicKeys().toJson());
      } catch (IOException e) {
        throw new UncheckedIOException("could not open HTTP port " + settings.httpPort(), e);
      }
      http.start();
    }
    // With leader election this replica does not lead yet: it reads, and creates or rotates the
    // keyset when it starts leading.
    checkSealingKeys();
    scheduleSealingKeyCheck();
    operator.start();
  }

  /** The sealing keys for a reader: never written by a replica that is not the leader. */
  private SealingKeys sealingKeysForReading() {
    if (leading()) {
      return sealingKeys.current();
    }
    SealingKeys keys = sealingKeys.loaded();
    keys = keys != null ? keys : sealingKeys.reload();
    if (keys == null) {
      throw new IllegalStateException("no sealing keyset yet; the leader creates it");
    }
    return keys;
  }

  /**
   * The leader (or the only replica) creates the keyset or rotates its primary when due; any other
   * replica only reads it.
   */
  private void checkSealingKeys() {
    if (leading()) {
      sealingKeys.ensure();
    } else {
      sealingKeys.reload();
    }
  }

  private void checkSealingKeysOrWarn() {
    try {
      checkSealingKeys();
    } catch (RuntimeException e) {
      log.warn("Could not check the sealing keys; trying again later: {}", e.getMessage());
    }
  }

  private void scheduleSealingKeyCheck() {
    Duration next = sealingKeys.untilNextRotation();
    Duration delay = next.compareTo(SEALING_KEY_CHECK) < 0 ? next : SEALING_KEY_CHECK;
    scheduler.schedule(
        () -> {
          checkSealingKeysOrWarn();
          scheduleSealingKeyCheck();
        },
        // A standby waits for the leader's rotation without asking every second.
        Math.max(leading() ? 1 : 30, delay.toSeconds()),
        TimeUnit.SECONDS);
  }

  /** Re-evaluates every resource and the sealing keys now; used after the clock jumped. */
  public void resyncAll() {
    checkSealingKeys();
    apiKeys.resyncAll();
    toolSecrets.resyncAll();
  }

  /**
   * Ready when the controllers have started and, on the leader, all their informers are healthy. A
   * standby replica is ready as soon as it runs: it has nothing to serve but metrics.
   */
  public boolean ready() {
    var runtime = operator.getRuntimeInfo();
    return runtime.isStarted() && (!leading() || runtime.allEventSourcesAreHealthy());
  }

  /** The ApiKeys as this replica's informer last saw them. */
  public Stream<ApiKey> cachedApiKeys() {
    return apiKeys.cached();
  }

  private Stream<ToolSecret> cachedToolSecrets() {
    return toolSecrets.cached();
  }

  /** The bound HTTP port, or -1 when HTTP is off. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public KeywardMetrics metrics() {
    return metrics;
  }

  public SealingKeyStore sealingKeys() {
    return sealingKeys;
  }

  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    closing = true;
    scheduler.shutdownNow();
    operator.stop();
    if (http != null) {
      http.close();
    }
  }
}
