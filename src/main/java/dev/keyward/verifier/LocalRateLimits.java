package dev.keyward.verifier;

import io.vertx.core.Future;
import java.util.function.IntSupplier;

/**
 * The limit kept in this replica's memory, each key's {@link TokenBucket}, with the limit divided
 * by the number of ready verifier replicas (so two replicas each admit half a key's limit and
 * together about its limit, within the load balancer's skew). Also the {@code local} fallback of a
 * shared store.
 */
public final class LocalRateLimits implements RateLimitStore {

  private final IntSupplier replicas;

  /**
   * @param replicas ready verifier replicas, at least 1 (1 when unknown)
   */
  public LocalRateLimits(IntSupplier replicas) {
    this.replicas = replicas;
  }

  @Override
  public Future<Long> take(KeyLimit limit, long nowNanos) {
    return Future.succeededFuture(decide(limit, nowNanos));
  }

  /** The decision, at once. */
  public long decide(KeyLimit limit, long nowNanos) {
    return limit.local().take(nowNanos, Math.max(1, replicas.getAsInt()));
  }
}
