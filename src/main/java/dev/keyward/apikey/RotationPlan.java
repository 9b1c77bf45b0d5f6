package dev.keyward.apikey;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Supplier;

/**
 * The lifecycle decision for one ApiKey, as a pure function of (policy, observed Secret, now): what
 * the Secret should hold next, what changed, and when to look again. No I/O, no clock, no
 * randomness except through the key supplier, so every boundary is a unit test.
 *
 * @param state what the Secret should hold
 * @param change what happened, {@link Change#NONE} in steady state
 * @param nextCheck when the decision may change by itself (expiry, rotation, end of overlap); null
 *     when nothing is scheduled
 */
public record RotationPlan(KeyState state, Change change, Instant nextCheck) {

  /**
   * What a decision changed, with the reason of the Event people see. A first issuance has none: it
   * is the expected outcome of every new ApiKey, status says it, and a fleet of 10,000 keys would
   * otherwise cost 10,000 Event writes.
   */
  public enum Change {
    NONE(null),
    ISSUED(null),
    REISSUED_AFTER_REVOCATION("Issued"),
    SECRET_RECREATED("SecretRecreated"),
    VALUE_REPLACED("SecretEdited"),
    ROTATED("Rotated"),
    ROTATED_ON_REQUEST("Rotated"),
    ROTATED_AFTER_EXPIRY("Rotated"),
    EXPIRED("Expired"),
    REVOKED("Revoked"),
    REVOKED_UNUSED(KeyState.UNUSED),
    PREVIOUS_REMOVED("PreviousKeyRemoved");

    private final String eventReason;

    Change(String eventReason) {
      this.eventReason = eventReason;
    }

    public String eventReason() {
      return eventReason;
    }

    /** True when a new key version was issued. */
    public boolean issuesKey() {
      return switch (this) {
        case ISSUED,
            REISSUED_AFTER_REVOCATION,
            SECRET_RECREATED,
            VALUE_REPLACED,
            ROTATED,
            ROTATED_ON_REQUEST,
            ROTATED_AFTER_EXPIRY ->
            true;
        default -> false;
      };
    }

    /** True for the rotations that count in metrics and restart workloads. */
    public boolean isRotation() {
      return this == ROTATED || this == ROTATED_ON_REQUEST || this == ROTATED_AFTER_EXPIRY;
    }
  }

  /** Decides the next state with no recorded use (see the full form). */
  public static RotationPlan decide(
      KeyPolicy policy,
      String rotateRequest,
      KeyState observed,
      int lastKnownVersion,
      Instant now,
      Supplier<String> newKey) {
    return decide(policy, rotateRequest, observed, lastKnownVersion, KeyUsage.NONE, now, newKey);
  }

  /**
   * Decides the next state.
   *
   * @param policy the checked spec
   * @param rotateRequest the value of the {@code keyward.dev/rotate} annotation, or null
   * @param observed what the Secret holds now; null when there is no Secret
   * @param lastKnownVersion the key version status last recorded (0 if none), used when the Secret
   *     is gone so versions never go backwards
   * @param usage when the keys were last used, from status
   * @param now the current time
   * @param newKey generates a new key when one is needed
   */
  public static RotationPlan decide(
      KeyPolicy policy,
      String rotateRequest,
      KeyState observed,
      int lastKnownVersion,
      KeyUsage usage,
      Instant now,
      Supplier<String> newKey) {
    Instant at = now.truncatedTo(ChronoUnit.SECONDS);
    String request = rotateRequest == null || rotateRequest.isBlank() ? null : rotateRequest;

    if (policy.revoked()) {
      return revoke(observed, lastKnownVersion, at, request);
    }
    if (observed == null) {
      Change change = lastKnownVersion > 0 ? Change.SECRET_RECREATED : Change.ISSUED;
      KeyState first = KeyState.issued(lastKnownVersion + 1, newKey.get(), at, null, request);
      return plan(policy, first, change, usage, at);
    }
    int next = Math.max(observed.version(), lastKnownVersion) + 1;
    boolean newRequest = request != null && !request.equals(observed.rotateHandled());
    if (observed.revokedForBeingUnused() && !newRequest) {
      // Stays revoked although spec.revoked is false: a new key takes a deliberate act.
      return new RotationPlan(observed, Change.NONE, null);
    }
    if (observed.revokedAt() != null) {
      KeyState fresh = KeyState.issued(next, newKey.get(), at, null, request);
      return plan(policy, fresh, Change.REISSUED_AFTER_REVOCATION, usage, at);
    }

    if (observed.current() == null && observed.expiredAt() != null) {
      if (!newRequest && !policy.rotationEnabled()) {
        return plan(policy, observed, Change.NONE, usage, at);
      }
      Change change = newRequest ? Change.ROTATED_ON_REQUEST : Change.ROTATED_AFTER_EXPIRY;
      return plan(policy, KeyState.issued(next, newKey.get(), at, at, request), change, usage, at);
    }
    if (!observed.currentIntact()) {
      // Removed or changed by hand: what Keyward issued cannot be put back, so issue anew. An
      // intact previous key keeps its validity; a hand-made value is never kept.
      KeyState fresh =
          KeyState.issued(next, newKey.get(), at, observed.lastRotatedAt(), request)
              .withIdleSince(observed.issuedAt() == null ? at : usage.lastUse(observed));
      if (observed.previousIntact() && at.isBefore(observed.previousValidUntil())) {
        fresh =
            fresh.withPrevious(
                observed.previous(), observed.previousFingerprint(), observed.previousValidUntil());
      }
      return plan(policy, fresh, Change.VALUE_REPLACED, usage, at);
    }

    Instant expiresAt = policy.expiresAt(observed.issuedAt());
    boolean expired = expiresAt != null && !at.isBefore(expiresAt);
    if (newRequest) {
      Instant validUntil = at.plus(policy.overlap());
      if (expiresAt != null && expiresAt.isBefore(validUntil)) {
        validUntil = expiresAt;
      }
      return rotate(
          policy,
          observed,
          next,
          validUntil,
          Change.ROTATED_ON_REQUEST,
          usage,
          at,
          request,
          newKey);
    }
    Instant unusedUntil = usage.unusedUntil(policy, observed);
    if (unusedUntil != null && !at.isBefore(unusedUntil)) {
      return new RotationPlan(
          observed.withoutValues(at, null, KeyState.UNUSED), Change.REVOKED_UNUSED, null);
    }
    if (expired) {
      if (policy.rotationEnabled()) {
        return rotate(
            policy, observed, next, at, Change.ROTATED_AFTER_EXPIRY, usage, at, request, newKey);
      }
      return plan(policy, observed.withoutValues(null, at, null), Change.EXPIRED, usage, at);
    }
    Instant rotatesAt = policy.rotatesAt(observed.issuedAt());
    if (rotatesAt != null && !at.isBefore(rotatesAt)) {
      return rotate(policy, observed, next, expiresAt, Change.ROTATED, usage, at, request, newKey);
    }
    if (observed.previous() != null
        && (!observed.previousIntact() || !at.isBefore(observed.previousValidUntil()))) {
      // The previous key's recorded use goes with it from status: keep it as the clock's start.
      KeyState dropped = observed.withoutPrevious().withIdleSince(usage.lastUse(observed));
      return plan(policy, dropped, Change.PREVIOUS_REMOVED, usage, at);
    }
    return plan(policy, observed, Change.NONE, usage, at);
  }

  private static RotationPlan revoke(
      KeyState observed, int lastKnownVersion, Instant at, String request) {
    if (observed == null) {
      KeyState revoked =
          new KeyState(
              lastKnownVersion, null, null, null, null, null, null, at, null, null, request);
      return new RotationPlan(revoked, Change.REVOKED, null);
    }
    if (observed.revokedAt() != null && observed.current() == null && observed.previous() == null) {
      // Already revoked; one revoked for being unused now stays revoked because spec says so.
      KeyState bySpec =
          observed.revokedReason() == null
              ? observed
              : observed.withoutValues(observed.revokedAt(), null, null);
      return new RotationPlan(bySpec, Change.NONE, null);
    }
    Instant revokedAt = observed.revokedAt() != null ? observed.revokedAt() : at;
    KeyState revoked = observed.withoutValues(revokedAt, null, null).withRotateHandled(request);
    return new RotationPlan(revoked, Change.REVOKED, null);
  }

  /** Issues version {@code next}; the old key stays valid until {@code previousValidUntil}. */
  private static RotationPlan rotate(
      KeyPolicy policy,
      KeyState observed,
      int next,
      Instant previousValidUntil,
      Change change,
      KeyUsage usage,
      Instant at,
      String request,
      Supplier<String> newKey) {
    // A scheduled rotation is not a use: the unused clock keeps running across versions.
    KeyState rotated =
        KeyState.issued(next, newKey.get(), at, at, request).withIdleSince(usage.lastUse(observed));
    if (previousValidUntil != null && previousValidUntil.isAfter(at)) {
      rotated =
          rotated.withPrevious(
              observed.current(), observed.currentFingerprint(), previousValidUntil);
    }
    return plan(policy, rotated, change, usage, at);
  }

  private static RotationPlan plan(
      KeyPolicy policy, KeyState state, Change change, KeyUsage usage, Instant at) {
    return new RotationPlan(state, change, nextCheck(policy, state, usage, at));
  }

  /** The earliest moment after {@code at} when the decision for {@code state} changes. */
  static Instant nextCheck(KeyPolicy policy, KeyState state, KeyUsage usage, Instant at) {
    if (state.current() == null) {
      return null;
    }
    Instant next = null;
    Instant due =
        policy.rotationEnabled()
            ? policy.rotatesAt(state.issuedAt())
            : policy.expiresAt(state.issuedAt());
    if (due != null && due.isAfter(at)) {
      next = due;
    }
    Instant previousEnd = state.previousValidUntil();
    if (previousEnd != null
        && previousEnd.isAfter(at)
        && (next == null || previousEnd.isBefore(next))) {
      next = previousEnd;
    }
    Instant unused = usage.unusedUntil(policy, state);
    if (unused != null && unused.isAfter(at) && (next == null || unused.isBefore(next))) {
      next = unused;
    }
    return next;
  }

  /**
   * How long to wait from {@code now} until {@link #nextCheck}, rounded up to whole seconds so a
   * timer never fires before the moment it waits for. Null when nothing is scheduled.
   */
  public Duration delayFrom(Instant now) {
    if (nextCheck == null) {
      return null;
    }
    long millis = Duration.between(now, nextCheck).toMillis();
    long seconds = Math.max(1, (millis + 999) / 1000);
    return Duration.ofSeconds(seconds);
  }
}
