package dev.keyward.verifier;

import io.vertx.core.Future;

/**
 * Where a key's rate-limit budget is kept: in this replica ({@link LocalRateLimits}, the limit
 * divided among the ready replicas) or in a store every replica shares ({@link RedisRateLimits}).
 * The verifier asks once per request that passed every other check.
 */
public interface RateLimitStore extends AutoCloseable {

  /** {@link #take} completes with this when no decision could be made and the answer is 503. */
  long UNAVAILABLE = -1;

  /**
   * Takes one request from the key's budget at {@code nowNanos} (epoch nanos of the verifier's
   * clock). Completes with 0 when admitted, the whole seconds until the key may try again (at least
   * 1, for {@code Retry-After}) when over its limit, or {@link #UNAVAILABLE}. Never fails.
   */
  Future<Long> take(KeyLimit limit, long nowNanos);

  @Override
  default void close() {}
}
