package dev.keyward.verifier;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The decision: a presented key and a service's requirements in, a {@link Verdict} out, from the
 * registry and the clock alone. Expiry is judged here, at request time, never by waiting for the
 * operator. In order: not synced yet (503, fail closed), missing or malformed, unknown, revoked,
 * expired, wrong namespace, missing scope, over the rate limit. Only a request that passes every
 * check takes a token and counts as a use.
 */
public final class KeyVerifier {

  private static final Verdict NOT_READY = new Verdict(Code.NOT_READY, null, 1);

  private final KeyRegistry registry;
  private final Clock clock;
  private final BooleanSupplier synced;

  public KeyVerifier(KeyRegistry registry, Clock clock, BooleanSupplier synced) {
    this.registry = registry;
    this.clock = clock;
    this.synced = synced;
  }

  public Verdict verify(Presented.Result presented, Requirements requirements) {
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
    TokenBucket bucket = owner.bucket();
    if (bucket != null) {
      long retryAfter = bucket.take(now.getEpochSecond() * 1_000_000_000L + now.getNano());
      if (retryAfter > 0) {
        return new Verdict(Code.RATE_LIMITED, record, retryAfter);
      }
    }
    record.usage().used(now.getEpochSecond());
    return new Verdict(Code.OK, record, 0);
  }
}
