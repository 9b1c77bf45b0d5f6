package dev.keyward.verifier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The verifier's metrics. Labels are codes and results only: never a key, a hash or a name taken
 * from a request.
 *
 * <ul>
 *   <li>{@code keyward_verifier_requests_total{code}}: every answer of {@code /v1/verify} and
 *       {@code /v1/keys/verify} by its code
 *   <li>{@code keyward_verifier_request_duration_seconds}: time spent answering them
 *   <li>{@code keyward_verifier_cached_key_versions}, {@code keyward_verifier_cached_api_keys}
 *   <li>{@code keyward_verifier_cache_synced}: 1 once the first list is in, 0 before (answers 503)
 *   <li>{@code keyward_verifier_cache_staleness_seconds}: seconds since the cache last heard from
 *       the API server (an event, or a watch known to be open); it grows while the API server is
 *       gone and the verifier answers from what it last saw
 *   <li>{@code keyward_verifier_usage_writes_total{result}}: status patches of lastUsedAt
 *   <li>{@code keyward_verifier_rate_limit_store_fallbacks_total{reason,mode}}: rate-limit
 *       decisions made without the shared store ({@code reason}: timeout, error, or backoff while
 *       it is retried once a second; {@code mode}: local, allow, deny)
 *   <li>{@code keyward_verifier_rate_limit_replicas}: ready verifier replicas a local limit is
 *       divided by
 * </ul>
 */
public final class VerifierMetrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<Code, Counter> requests = new EnumMap<>(Code.class);
  private final Timer latency;

  public VerifierMetrics(KeyRegistry keys, BooleanSupplier synced) {
    for (Code code : Code.values()) {
      requests.put(
          code,
          Counter.builder("keyward.verifier.requests")
              .description("Verification answers by code")
              .tag("code", code.name())
              .register(registry));
    }
    latency =
        Timer.builder("keyward.verifier.request.duration")
            .description("Time to answer a verification, from request to response written")
            .publishPercentileHistogram()
            .register(registry);
    Gauge.builder("keyward.verifier.cached.key.versions", keys, KeyRegistry::keyVersions)
        .description("Key versions (current and previous keys) the verifier accepts")
        .register(registry);
    Gauge.builder("keyward.verifier.cached.api.keys", keys, KeyRegistry::apiKeys)
        .description("ApiKeys in the verifier's cache")
        .register(registry);
    Gauge.builder("keyward.verifier.cache.synced", () -> synced.getAsBoolean() ? 1 : 0)
        .description("1 once the cache holds the first full list of ApiKeys")
        .register(registry);
    Gauge.builder("keyward.verifier.cache.staleness", keys, KeyRegistry::stalenessSeconds)
        .description("Seconds since the cache last heard from the API server")
        .baseUnit("seconds")
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
  }

  void answered(Code code, long nanos) {
    requests.get(code).increment();
    latency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  void usageWrite(String result) {
    registry.counter("keyward.verifier.usage.writes", "result", result).increment();
  }

  void rateLimitFallback(String reason, RedisRateLimits.OnStoreError mode) {
    registry
        .counter(
            "keyward.verifier.rate.limit.store.fallbacks",
            "reason",
            reason,
            "mode",
            mode.name().toLowerCase(java.util.Locale.ROOT))
        .increment();
  }

  void rateLimitReplicas(java.util.function.IntSupplier replicas) {
    Gauge.builder("keyward.verifier.rate.limit.replicas", replicas::getAsInt)
        .description("Ready verifier replicas a local rate limit is divided by")
        .register(registry);
  }

  /** Rate-limit decisions made without the shared store so far. */
  public long rateLimitFallbacks() {
    return (long)
        registry.find("keyward.verifier.rate.limit.store.fallbacks").counters().stream()
            .mapToDouble(Counter::count)
            .sum();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The count of answers with this code so far. */
  public long answers(Code code) {
    return (long) requests.get(code).count();
  }
}
