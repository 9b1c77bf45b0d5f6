package dev.keyward.runtime;

import dev.keyward.apikey.ApiKeyObserver;
import dev.keyward.toolgrant.GrantPlan;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantStatus;
import dev.keyward.toolsecret.ToolIndexSecret;
import dev.keyward.toolsecret.ToolSecretObserver;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What the wiring needs from the outside, with the defaults of {@code keyward operator}. Fluent:
 * each {@code with} method sets one thing and returns these settings.
 */
public final class OperatorSettings {

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
  private BiConsumer<ToolGrant, ToolGrantStatus> toolGrantObserver = (grant, status) -> {};
  private long grantLimitBytes = GrantPlan.MAX_SECRET_BYTES;
  private boolean toolIndexValues = true;
  private boolean leaderElection;
  private int httpPort = -1;
  private Runnable onLostLead = () -> System.exit(1);
  private Duration ownerCheckTtl;

  private OperatorSettings(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public static OperatorSettings of(KubernetesClient client, Clock clock) {
    return new OperatorSettings(client, clock);
  }

  /** Where the sealing keys and the leader Lease live. */
  public OperatorSettings withOperatorNamespace(String namespace) {
    this.operatorNamespace = namespace;
    return this;
  }

  /** Namespaces whose resources Keyward manages; empty means all. */
  public OperatorSettings withWatchedNamespaces(Set<String> namespaces) {
    this.watchedNamespaces = Set.copyOf(namespaces);
    return this;
  }

  public OperatorSettings withConcurrency(int threads) {
    this.concurrency = threads;
    return this;
  }

  public OperatorSettings withSealingKeyRotation(Duration period) {
    this.sealingKeyRotation = period;
    return this;
  }

  /** Limit on the total size of the tool values one namespace serves. */
  public OperatorSettings withNamespaceQuota(long bytes) {
    this.namespaceQuotaBytes = bytes;
    return this;
  }

  public OperatorSettings withToolIndexName(String name) {
    this.toolIndexName = name;
    return this;
  }

  /** Only the holder of Lease {@code keyward-leader} in the operator namespace reconciles. */
  public OperatorSettings withLeaderElection(boolean enabled) {
    this.leaderElection = enabled;
    return this;
  }

  /** Serve /healthz, /readyz, /metrics and /v1/sealing-public-keys here; 0 = any, -1 = off. */
  public OperatorSettings withHttpPort(int port) {
    this.httpPort = port;
    return this;
  }

  /** What happens when this process loses the lead it held; by default it exits. */
  public OperatorSettings withOnLostLead(Runnable action) {
    this.onLostLead = action;
    return this;
  }

  public OperatorSettings withObservers(ApiKeyObserver apiKeys, ToolSecretObserver toolSecrets) {
    this.apiKeyObserver = apiKeys;
    this.toolSecretObserver = toolSecrets;
    return this;
  }

  /**
   * With scope authorization: show on each ApiKey whether its creator may still grant its scopes
   * (condition OwnerAuthorized), asked again every {@code ttl}; null: off.
   */
  public OperatorSettings withOwnerChecks(Duration ttl) {
    this.ownerCheckTtl = ttl;
    return this;
  }

  public Duration ownerCheckTtl() {
    return ownerCheckTtl;
  }

  /** Told of every status a ToolGrant reconcile settles on. */
  public OperatorSettings withToolGrantObserver(BiConsumer<ToolGrant, ToolGrantStatus> observer) {
    this.toolGrantObserver = observer;
    return this;
  }

  /** The most bytes of values one ToolGrant's Secret may hold (default 1 MiB). */
  public OperatorSettings withGrantLimit(long bytes) {
    this.grantLimitBytes = bytes;
    return this;
  }

  /**
   * Whether the namespace's tool index Secret carries the values next to {@code index.json}
   * (default true); false leaves it {@code index.json} only, and pods get values from ToolGrants.
   */
  public OperatorSettings withToolIndexValues(boolean values) {
    this.toolIndexValues = values;
    return this;
  }

  public BiConsumer<ToolGrant, ToolGrantStatus> toolGrantObserver() {
    return toolGrantObserver;
  }

  public long grantLimitBytes() {
    return grantLimitBytes;
  }

  public boolean toolIndexValues() {
    return toolIndexValues;
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
