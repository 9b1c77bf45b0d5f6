package dev.keyward.verifier;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * The decision: a presented key and a service's requirements in, a {@link Verdict} out, from the
 * registry and the clock alone. Expiry is judged here, at request time, never by waiting for the
 * operator. In order: not synced yet (503, fail closed), missing or malformed, unknown, revoked,
 * expired, wrong namespace, missing scope, the creator's rights ({@code --owner-check}), over the
 * rate limit. Only a request that passes every check takes a token and counts as a use.
 */
public final class KeyVerifier {

  private static final Verdict NOT_READY = new Verdict(Code.NOT_READY, null, 1);

  /** How long a request waits for the first answer about its key's creator. */
  static final Duration FIRST_CHECK_TIMEOUT = Duration.ofSeconds(1);

  private final KeyRegistry registry;
  private final Clock clock;
  private final BooleanSupplier synced;
  private final OwnerChecks owners;
  private final NamespaceTree tree;

  public KeyVerifier(KeyRegistry registry, Clock clock, BooleanSupplier synced) {
    this(registry, clock, synced, null, null);
  }

  /**
   * @param owners {@code --owner-check}, null when off
   * @param tree {@code --namespace-hierarchy}, null when off
   */
  public KeyVerifier(
      KeyRegistry registry,
      Clock clock,
      BooleanSupplier synced,
      OwnerChecks owners,
      NamespaceTree tree) {
    this.registry = registry;
    this.clock = clock;
    this.synced = synced;
    this.owners = owners;
    this.tree = tree;
  }

  /**
   * Like {@link #verify}, except that a request demanding a scope whose owner check was never
   * answered waits (off the event loop) up to a second for that answer instead of failing at once.
   */
  public CompletionStage<Verdict> verifyAsync(
      Presented.Result presented, Requirements requirements) {
    Verdict verdict = verify(presented, requirements);
    if (verdict.code() != Code.OWNER_CHECK_UNAVAILABLE
        || !owners.neverAsked(verdict.record().owner(), requirements.scopes())) {
      return CompletableFuture.completedFuture(verdict);
    }
    return owners
        .ask(verdict.record().owner(), requirements.scopes(), FIRST_CHECK_TIMEOUT)
        .thenApply(done -> verify(presented, requirements));
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
    if (!namespaces.isEmpty()
        && !namespaces.contains(owner.namespace())
        && (tree == null || !tree.reachesAny(owner.namespace(), namespaces))) {
      return new Verdict(Code.WRONG_NAMESPACE, record, 0);
    }
    if (!owner.scopes().containsAll(requirements.scopes())) {
      return new Verdict(Code.INSUFFICIENT_SCOPE, record, 0);
    }
    String creator = null;
    if (owners != null) {
      OwnerChecks.Result checked = owners.check(owner, requirements.scopes());
      switch (checked.outcome()) {
        case LACKS_PERMISSION -> {
          return new Verdict(Code.OWNER_LACKS_PERMISSION, record, 0, checked.scope(), null);
        }
        case NO_CREATOR -> {
          return new Verdict(Code.OWNER_UNKNOWN, record, 0);
        }
        case UNAVAILABLE -> {
          return new Verdict(Code.OWNER_CHECK_UNAVAILABLE, record, 1, checked.scope(), null);
        }
        case ALLOWED -> creator = checked.creator();
      }
    }
    TokenBucket bucket = owner.bucket();
    if (bucket != null) {
      long retryAfter = bucket.take(now.getEpochSecond() * 1_000_000_000L + now.getNano());
      if (retryAfter > 0) {
        return new Verdict(Code.RATE_LIMITED, record, retryAfter);
      }
    }
    record.usage().used(now.getEpochSecond());
    return new Verdict(Code.OK, record, 0, null, creator);
  }
}
