package dev.keyward.verifier;

import dev.keyward.verifier.RedisRateLimits.OnStoreError;
import java.time.Duration;

/**
 * How the verifier keeps rate limits: in a shared store ({@code storeUrl}, Redis or Valkey) or,
 * without one, in each replica with the limit divided among the ready replicas of {@code
 * replicasService} (counted from its EndpointSlices; not divided when null).
 *
 * @param storePassword the store's password, read from a file or the environment; null for none
 * @param storeTimeout how long a decision waits for the store before falling back
 */
public record RateLimiting(
    String storeUrl,
    String storePassword,
    OnStoreError onStoreError,
    Duration storeTimeout,
    String replicasService,
    String replicasNamespace) {

  /** The most a decision waits for the store: what every verifier the command line starts uses. */
  public static final Duration MAX_STORE_TIMEOUT = Duration.ofMillis(20);

  public RateLimiting {
    if (storeTimeout.isNegative() || storeTimeout.isZero()) {
      throw new IllegalArgumentException(
          "the rate-limit store timeout must be positive, not " + storeTimeout.toMillis() + "ms");
    }
    if (storeUrl != null) {
      RedisRateLimits.check(storeUrl);
    }
  }

  /** Each replica on its own, the limit not divided: what a single verifier needs. */
  public static RateLimiting local() {
    return new RateLimiting(null, null, OnStoreError.LOCAL, MAX_STORE_TIMEOUT, null, null);
  }

  public RateLimiting withStore(String url, String password) {
    return new RateLimiting(
        url, password, onStoreError, storeTimeout, replicasService, replicasNamespace);
  }

  public RateLimiting withOnStoreError(OnStoreError mode) {
    return new RateLimiting(
        storeUrl, storePassword, mode, storeTimeout, replicasService, replicasNamespace);
  }

  /**
   * Waits this long for the store instead of {@link #MAX_STORE_TIMEOUT}. Not offered on the command
   * line: tests that count exact decisions use it, because on a loaded machine a healthy store can
   * miss 20 ms and the decision would fall back.
   */
  public RateLimiting withStoreTimeout(Duration timeout) {
    return new RateLimiting(
        storeUrl, storePassword, onStoreError, timeout, replicasService, replicasNamespace);
  }

  /** Divides local limits by the ready endpoints of this Service in this namespace. */
  public RateLimiting withReplicasOf(String namespace, String service) {
    return new RateLimiting(
        storeUrl, storePassword, onStoreError, storeTimeout, service, namespace);
  }

  @Override
  public String toString() {
    // Never the password.
    return "RateLimiting[store="
        + (storeUrl == null ? "none" : RedisRateLimits.check(storeUrl))
        + ", onStoreError="
        + onStoreError
        + ", replicas="
        + (replicasService == null ? "not divided" : replicasNamespace + "/" + replicasService)
        + "]";
  }
}
