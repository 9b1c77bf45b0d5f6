package dev.keyward.verifier;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The decision: a presented key and a service's requirements in, a {@link Verdict} out, from the
 * registry and the clock alone. Expiry is judged here, at request time, never by waiting for the
 * operator. In order: not synced yet (503, fail closed), missing or malformed, unknown, revoked,
 * expired, wrong namespace, missing scope, over the rate limit. Only a request that passes every
 * check takes from the key's budget in the {@link RateLimitStore} and counts as a use.
 */
public final class KeyVerifier {

  private static final Verdict NOT_READY = new Verdict(Code.NOT_READY, null, 1);

  private final KeyRegistry registry;
  private final Clock clock;
  private final BooleanSupplier synced;
  private final RateLimitStore limits;

  /** With each key's limit kept in this replica alone. */
  public KeyVerifier(KeyRegistry registry, Clock clock, BooleanSupplier synced) {
    this(registry, clock, synced, new LocalRateLimits(() -> 1));
  }

  public KeyVerifier(
      KeyRegistry registry, Clock clock, BooleanSupplier synced, RateLimitStore limits) {
    this.registry = registry;
    this.clock = clock;
    this.synced = synced;
    this.limits = limits;
  }

  /**
   * The verdict; at once unless the key has a rate limit kept in a shared store, then after its one
   * round trip (bounded by the store's timeout).
   */
  public Future<Verdict> verify(Presented.Result presented, Requirements requirements) {
    Verdict checked = check(presented, requirements);
    if (checked.code() != Code.OK) {
      return Future.succeededFuture(checked);
    }
    KeyRecord record = checked.record();
    KeyLimit limit = record.owner().limit();
    Instant now = clock.instant();
    if (limit == null) {
      record.usage().used(now.getEpochSecond());
      return Future.succeededFuture(checked);
    }
    return limits
        .take(limit, now.getEpochSecond() * 1_000_000_000L + now.getNano())
        .map(
            retryAfter -> {
              if (retryAfter == RateLimitStore.UNAVAILABLE) {
                return new Verdict(Code.RATE_LIMIT_UNAVAILABLE, record, 1);
              }
              if (retryAfter > 0) {
                return new Verdict(Code.RATE_LIMITED, record, retryAfter);
              }
              record.usage().used(now.getEpochSecond());
              return checked;
            });
  }

  /** Every check but the rate limit: OK means the key may be used if its budget allows. */
  private Verdict check(Presented.Result presented, Requirements requirements) {
    if (!synced.getAsBoolean()) {
      return NOT_READY;
    }
    if (presented.code() != Code.OK) {
      return Verdict.of(presented.code());
    }
    KeyRecord record = registry.find(KeyHash.of(presented.key()));
    if (record == null) {
      return Verdict.of(Code.UNKNOWN);
    }
    KeyOwner owner = record.owner();
    if (owner.revoked()) {
      return new Verdict(Code.REVOKED, record, 0);
    }
    Instant now = clock.instant();
    if (owner.expired() || now.toEpochMilli() >= record.validUntilMillis()) {
      return new Verdict(Code.EXPIRED, record, 0);
    }
    List<String> namespaces = requirements.namespaces();
    if (!namespaces.isEmpty() && !namespaces.contains(owner.namespace())) {
      return new Verdict(Code.WRONG_NAMESPACE, record, 0);
    }
    if (!owner.scopes().containsAll(requirements.scopes())) {
      return new Verdict(Code.INSUFFICIENT_SCOPE, record, 0);
    }
    return new Verdict(Code.OK, record, 0);
  }
}
