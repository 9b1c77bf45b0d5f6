package dev.keyward.metrics;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyObserver;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.RotationPlan;
import dev.keyward.common.Phases;
import dev.keyward.sealing.UnsealFailure;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantStatus;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Keyward's own metrics. Gauges are computed from the controllers' caches when they are scraped, so
 * a deleted resource leaves no series behind and reconciles pay nothing for them; counters count
 * what the controllers did. Labels are namespace, name, phase and reason only: never a value.
 *
 * <ul>
 *   <li>{@code keyward_api_keys{namespace,phase}}
 *   <li>{@code keyward_api_key_expiration_timestamp_seconds{namespace,name}}: every key whose
 *       current version has an expiry and still holds a value (not Expired, not Revoked), whether
 *       or not it rotates, so a rotation that is stuck still reaches the expiry alert
 *   <li>{@code keyward_api_key_rotation_timestamp_seconds{namespace,name}}: when the next automatic
 *       rotation is due, for the same keys when they rotate; a value that stays in the past means
 *       the rotation did not happen
 *   <li>{@code keyward_api_key_last_used_timestamp_seconds{namespace,name}}: Active keys with a
 *       recorded use, the newer of {@code lastUsedAt} and {@code previousKey.lastUsedAt}
 *   <li>{@code keyward_api_key_created_timestamp_seconds{namespace,name}}: Active keys, so an alert
 *       can tell a key never used for 90 days from a new one
 *   <li>{@code keyward_api_key_rotations_total{namespace,reason}}: Scheduled, Requested,
 *       AfterExpiry
 *   <li>{@code keyward_tool_secrets{namespace,phase}}
 *   <li>{@code keyward_unseal_failures_total{namespace,reason}}
 *   <li>{@code keyward_source_secret_watch_up{namespace}}: 1 while the Secrets that {@code
 *       valueFrom} reads are watched, 0 while the watch cannot be established; absent for a
 *       namespace where no ToolSecret uses {@code valueFrom}
 * </ul>
 */
public final class KeywardMetrics implements ApiKeyObserver, ToolSecretObserver {

  private final MeterRegistry registry;
  private final Supplier<Stream<ApiKey>> apiKeys;
  private final Supplier<Stream<ToolSecret>> toolSecrets;
  private final MultiGauge apiKeysByPhase;
  private final MultiGauge expirations;
  private final MultiGauge lastUsed;
  private final MultiGauge created;
  private final MultiGauge rotations;
  private final MultiGauge toolSecretsByPhase;
  private final MultiGauge toolGrantEntries;
  private final Supplier<Stream<ToolGrant>> toolGrants;
  private final Map<String, AtomicInteger> sourceWatches = new ConcurrentHashMap<>();

  /**
   * @param apiKeys the ApiKeys as the controller's cache holds them now
   * @param toolSecrets the ToolSecrets as the controller's cache holds them now
   */
  public KeywardMetrics(
      MeterRegistry registry,
      Supplier<Stream<ApiKey>> apiKeys,
      Supplier<Stream<ToolSecret>> toolSecrets) {
    this(registry, apiKeys, toolSecrets, Stream::empty);
  }

  /**
   * @param toolGrants the ToolGrants as the controller's cache holds them now
   */
  public KeywardMetrics(
      MeterRegistry registry,
      Supplier<Stream<ApiKey>> apiKeys,
      Supplier<Stream<ToolSecret>> toolSecrets,
      Supplier<Stream<ToolGrant>> toolGrants) {
    this.toolGrants = toolGrants;
    this.registry = registry;
    this.apiKeys = apiKeys;
    this.toolSecrets = toolSecrets;
    this.apiKeysByPhase =
        MultiGauge.builder("keyward.api.keys")
            .description("ApiKeys by namespace and phase")
            .register(registry);
    this.expirations =
        MultiGauge.builder("keyward.api.key.expiration.timestamp.seconds")
            .description("When the current key expires, for every key that has an expiry")
            .register(registry);
    this.rotations =
        MultiGauge.builder("keyward.api.key.rotation.timestamp.seconds")
            .description("When the next automatic rotation of the key is due")
            .register(registry);
    this.lastUsed =
        MultiGauge.builder("keyward.api.key.last.used.timestamp.seconds")
            .description("When an Active key was last verified, as the verifiers recorded it")
            .register(registry);
    this.created =
        MultiGauge.builder("keyward.api.key.created.timestamp.seconds")
            .description("When an Active ApiKey was created")
            .register(registry);
    this.toolSecretsByPhase =
        MultiGauge.builder("keyward.tool.secrets")
            .description("ToolSecrets by namespace and phase")
            .register(registry);
    this.toolGrantEntries =
        MultiGauge.builder("keyward.tool.grant.entries")
            .description(
                "ToolGrant entries by namespace and state: resolved (a value is delivered) or"
                    + " missing")
            .register(registry);
  }

  /** Recomputes the gauges from the caches; called before each scrape. */
  public void refresh() {
    apiKeysByPhase.register(countByPhase(apiKeys.get(), k -> phase(k.getStatus())), true);
    List<ApiKey> holdingAValue = apiKeys.get().filter(KeywardMetrics::holdsAValue).toList();
    expirations.register(timestamps(holdingAValue, ApiKeyStatus::getExpiresAt), true);
    rotations.register(timestamps(holdingAValue, ApiKeyStatus::getRotatesAt), true);
    lastUsed.register(
        activeKeys().map(k -> row(k, lastUse(k.getStatus()))).filter(Objects::nonNull).toList(),
        true);
    created.register(
        activeKeys()
            .map(k -> row(k, epochSeconds(k.getStatus().getCreatedAt())))
            .filter(Objects::nonNull)
            .toList(),
        true);
    toolSecretsByPhase.register(
        countByPhase(
            toolSecrets.get(),
            t ->
                t.getStatus() == null || t.getStatus().getPhase() == null
                    ? Phases.PENDING
                    : t.getStatus().getPhase()),
        true);
    toolGrantEntries.register(grantEntries(toolGrants.get()), true);
  }

  /** Resolved and missing entries of the grants, summed per namespace. */
  static List<MultiGauge.Row<?>> grantEntries(Stream<ToolGrant> grants) {
    Map<List<String>, Long> counts =
        new java.util.TreeMap<>(java.util.Comparator.comparing(Object::toString));
    grants.forEach(
        g -> {
          String ns = g.getMetadata().getNamespace();
          ToolGrantStatus status = g.getStatus();
          long resolved =
              status == null || status.getResolved() == null ? 0 : status.getResolved().size();
          long missing =
              status == null || status.getMissing() == null ? 0 : status.getMissing().size();
          counts.merge(List.of(ns, "resolved"), resolved, Long::sum);
          counts.merge(List.of(ns, "missing"), missing, Long::sum);
        });
    return counts.entrySet().stream()
        .<MultiGauge.Row<?>>map(
            e ->
                MultiGauge.Row.of(
                    Tags.of("namespace", e.getKey().get(0), "state", e.getKey().get(1)),
                    e.getValue()))
        .toList();
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata>
      List<MultiGauge.Row<?>> countByPhase(Stream<T> resources, Function<T, String> phase) {
    Map<List<String>, Long> counts =
        resources.collect(
            Collectors.groupingBy(
                r -> List.of(r.getMetadata().getNamespace(), phase.apply(r)),
                Collectors.counting()));
    return counts.entrySet().stream()
        .<MultiGauge.Row<?>>map(
            e ->
                MultiGauge.Row.of(
                    Tags.of("namespace", e.getKey().get(0), "phase", e.getKey().get(1)),
                    e.getValue()))
        .toList();
  }

  private Stream<ApiKey> activeKeys() {
    return apiKeys.get().filter(k -> Phases.ACTIVE.equals(phase(k.getStatus())));
  }

  /** A row for {@code key}; null when there is no value. */
  private static MultiGauge.Row<?> row(ApiKey key, Long value) {
    return value == null
        ? null
        : MultiGauge.Row.of(
            Tags.of(
                "namespace", key.getMetadata().getNamespace(), "name", key.getMetadata().getName()),
            value);
  }

  /** The newer of the current and the previous key's recorded last use; null when none. */
  private static Long lastUse(ApiKeyStatus status) {
    Long current = epochSeconds(status.getLastUsedAt());
    Long previous =
        status.getPreviousKey() == null
            ? null
            : epochSeconds(status.getPreviousKey().getLastUsedAt());
    if (current == null) {
      return previous;
    }
    return previous == null ? current : Math.max(current, previous);
  }

  private static String phase(ApiKeyStatus status) {
    return status == null || status.getPhase() == null ? Phases.PENDING : status.getPhase();
  }

  /**
   * Keys whose current value is still in their Secret: Active, and Failed with a value (an invalid
   * edit leaves the current key working, and nothing rotates it until the spec is fixed).
   */
  private static boolean holdsAValue(ApiKey key) {
    ApiKeyStatus s = key.getStatus();
    return s != null
        && s.getPhase() != null
        && !Phases.EXPIRED.equals(s.getPhase())
        && !Phases.REVOKED.equals(s.getPhase())
        && !Phases.PENDING.equals(s.getPhase());
  }

  /** One row per key whose {@code time} field holds a parseable timestamp. */
  private static List<MultiGauge.Row<?>> timestamps(
      List<ApiKey> keys, Function<ApiKeyStatus, String> time) {
    return keys.stream()
        .filter(k -> epochSeconds(time.apply(k.getStatus())) != null)
        .<MultiGauge.Row<?>>map(
            k ->
                MultiGauge.Row.of(
                    Tags.of(
                        "namespace",
                        k.getMetadata().getNamespace(),
                        "name",
                        k.getMetadata().getName()),
                    epochSeconds(time.apply(k.getStatus()))))
        .toList();
  }

  private static Long epochSeconds(String time) {
    try {
      return OffsetDateTime.parse(time).toEpochSecond();
    } catch (DateTimeParseException | NullPointerException e) {
      return null;
    }
  }

  @Override
  public void changed(ApiKey key, RotationPlan.Change change) {
    String reason =
        switch (change) {
          case ROTATED -> "Scheduled";
          case ROTATED_ON_REQUEST -> "Requested";
          case ROTATED_AFTER_EXPIRY -> "AfterExpiry";
          default -> null;
        };
    if (reason != null) {
      Counter.builder("keyward.api.key.rotations")
          .description("Key rotations by reason")
          .tags("namespace", key.getMetadata().getNamespace(), "reason", reason)
          .register(registry)
          .increment();
    }
  }

  @Override
  public void tampered(ApiKey key, List<String> fields) {
    Counter.builder("keyward.api.key.status.tampered")
        .description(
            "ApiKey status changes to operator-owned fields made by someone else, put back")
        .tags("namespace", key.getMetadata().getNamespace())
        .register(registry)
        .increment();
  }

  @Override
  public void unsealFailed(ToolSecret toolSecret, UnsealFailure failure) {
    Counter.builder("keyward.unseal.failures")
        .description("Sealed values that did not open, by reason")
        .tags("namespace", toolSecret.getMetadata().getNamespace(), "reason", failure.reason())
        .register(registry)
        .increment();
  }

  @Override
  public void sourceWatch(String namespace, String problem, boolean open) {
    if (!open) {
      if (sourceWatches.remove(namespace) != null) {
        Gauge gauge =
            registry.find("keyward.source.secret.watch.up").tag("namespace", namespace).gauge();
        if (gauge != null) {
          registry.remove(gauge);
        }
      }
      return;
    }
    sourceWatches
        .computeIfAbsent(
            namespace,
            n -> {
              AtomicInteger up = new AtomicInteger();
              sourceWatchGauge(n, up);
              return up;
            })
        .set(problem == null ? 1 : 0);
  }

  private Gauge sourceWatchGauge(String namespace, AtomicInteger up) {
    return Gauge.builder("keyward.source.secret.watch.up", up, u -> u == null ? 0 : u.get())
        .description("1 while the Secrets valueFrom reads are watched, 0 while they cannot be")
        .tags("namespace", namespace)
        .register(registry);
  }
}
