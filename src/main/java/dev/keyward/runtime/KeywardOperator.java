package dev.keyward.runtime;

import dev.keyward.admission.GrantReview;
import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyObserver;
import dev.keyward.apikey.ApiKeyReconciler;
import dev.keyward.common.EventRecorder;
import dev.keyward.metrics.KeywardMetrics;
import dev.keyward.sealing.SealingKeySchedule;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantReconciler;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretObserver;
import dev.keyward.toolsecret.ToolSecretReconciler;
import dev.keyward.verifier.OwnerChecks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's wiring, shared by {@code keyward operator}, {@code keyward dev} and the tests, so
 * that what is tested is what runs.
 */
public final class KeywardOperator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KeywardOperator.class);

  private final OperatorSettings settings;
  private final Operator operator;
  private final ApiKeyReconciler apiKeys;
  private final ToolSecretReconciler toolSecrets;
  private final ToolGrantReconciler toolGrants;
  private final SealingKeyStore sealingKeys;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final KeywardMetrics metrics;
  private HttpEndpoints http;
  private final SealingKeySchedule sealingKeySchedule;
  private final OwnerChecks owners;
  private final EventRecorder events;

  public KeywardOperator(OperatorSettings settings) {
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
    this.events = new EventRecorder(settings.client(), settings.clock());
    FunctionCounter.builder("keyward.events.dropped", events, EventRecorder::dropped)
        .description("Events not recorded because 10,000 were waiting to be sent")
        .register(registry);
    this.sealingKeys =
        new SealingKeyStore(
            settings.client(),
            settings.operatorNamespace(),
            settings.clock(),
            settings.sealingKeyRotation());
    this.sealingKeySchedule = new SealingKeySchedule(sealingKeys, this::leading);
    this.metrics =
        new KeywardMetrics(
            registry, this::cachedApiKeys, this::cachedToolSecrets, this::cachedToolGrants);
    this.owners =
        settings.ownerCheckTtl() == null
            ? null
            : new OwnerChecks(
                GrantReview.of(settings.client()), settings.clock(), settings.ownerCheckTtl());
    this.apiKeys =
        new ApiKeyReconciler(
            settings.clock(),
            events,
            ApiKeyObserver.both(settings.apiKeyObserver(), metrics),
            owners);
    if (owners != null) {
      owners.onChange(id -> apiKeys.resync().one(id));
      owners.forgetUnless(id -> apiKeys.resync().has(id));
    }
    this.toolSecrets =
        new ToolSecretReconciler(
            new ToolSecretReconciler.Settings(
                settings.clock(),
                events,
                sealingKeys,
                settings.toolIndexName(),
                settings.toolIndexValues(),
                settings.namespaceQuotaBytes(),
                ToolSecretObserver.both(settings.toolSecretObserver(), metrics)));
    this.toolGrants =
        new ToolGrantReconciler(
            new ToolGrantReconciler.Settings(
                settings.clock(),
                events,
                settings.toolIndexName(),
                settings.grantLimitBytes(),
                settings.toolGrantObserver()));
    operator.register(
        apiKeys,
        c -> {
          namespaces(c);
          c.withOnUpdateFilter(apiKeys.updateFilter());
        });
    operator.register(toolSecrets, this::namespaces);
    operator.register(toolGrants, this::namespaces);
  }

  public static final String LEASE_NAME = "keyward-leader";

  private volatile boolean leading;
  private volatile boolean closing;

  private LeaderElectionConfiguration leaderElection(OperatorSettings settings) {
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
              sealingKeySchedule.checkSoon();
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
                () -> sealingKeySchedule.forReading().publicKeys().toJson());
      } catch (IOException e) {
        throw new UncheckedIOException("could not open HTTP port " + settings.httpPort(), e);
      }
      http.start();
    }
    // With leader election this replica does not lead yet: it reads, and creates or rotates the
    // keyset when it starts leading.
    sealingKeySchedule.start();
    if (owners != null) {
      owners.start();
    }
    operator.start();
    // Every informer has synced (JOSDK starts them on a standby replica too).
    KeywardClients.handleEventsOnEventLoop(settings.client(), true);
  }

  /** Re-evaluates every resource and the sealing keys now; used after the clock jumped. */
  public void resyncAll() {
    sealingKeySchedule.check();
    apiKeys.resync().all();
    toolSecrets.resync().all();
    toolGrants.resync().all();
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
    return apiKeys.resync().cached();
  }

  /** The ToolGrants as this replica's informer last saw them. */
  public Stream<ToolGrant> cachedToolGrants() {
    return toolGrants.resync().cached();
  }

  private Stream<ToolSecret> cachedToolSecrets() {
    return toolSecrets.resync().cached();
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

  /** The Events this operator records, sent in the background. */
  public EventRecorder events() {
    return events;
  }

  @Override
  public void close() {
    closing = true;
    KeywardClients.handleEventsOnEventLoop(settings.client(), false);
    sealingKeySchedule.close();
    if (owners != null) {
      owners.close();
    }
    operator.stop();
    events.close();
    if (http != null) {
      http.close();
    }
  }
}
