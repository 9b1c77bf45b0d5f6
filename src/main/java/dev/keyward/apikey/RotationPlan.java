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

  /**
   * Decides the next state.
   *
   * @param policy the checked spec
   * @param rotateRequest the value of the {@code keyward.dev/rotate} annotation, or null
   * @param observed what the Secret holds now; null when there is no Secret
   * @param lastKnownVersion the key version status last recorded (0 if none), used when the Secret
   *     is gone so versions never go backwards
   * @param now the current time
   * @param newKey generates a new key when one is needed
   */
  public static RotationPlan decide(
      KeyPolicy policy,
      String rotateRequest,
      KeyState observed,
      int lastKnownVersion,
      Instant now,
      Supplier<String> newKey) {
    Instant at = now.truncatedTo(ChronoUnit.SECONDS);
    String request = rotateRequest == null || rotateRequest.isBlank() ? null : rotateRequest;

    if (policy.revoked()) {
      return revoke(observed, lastKnownVersion, at, request);
    }
    if (observed == null) {
      Change change = lastKnownVersion > 0 ? Change.SECRET_RECREATED : Change.ISSUED;
      return plan(
          policy,
          KeyState.issued(lastKnownVersion + 1, newKey.get(), at, null, request),
          change,
          at);
    }
    int next = Math.max(observed.version(), lastKnownVersion) + 1;
    if (observed.revokedAt() != null) {
      return plan(
          policy,
          KeyState.issued(next, newKey.get(), at, null, request),
          Change.REISSUED_AFTER_REVOCATION,
          at);
    }
    boolean newRequest = request != null && !request.equals(observed.rotateHandled());

    if (observed.current() == null && observed.expiredAt() != null) {
      if (newRequest) {
        return plan(
            policy,
            KeyState.issued(next, newKey.get(), at, at, request),
            Change.ROTATED_ON_REQUEST,
            at);
      }
      if (policy.rotationEnabled()) {
        return plan(
            policy,
            KeyState.issued(next, newKey.get(), at, at, request),
            Change.ROTATED_AFTER_EXPIRY,
            at);
      }
      return plan(policy, observed, Change.NONE, at);
    }
    if (!observed.currentIntact()) {
      // Removed or changed by hand: what Keyward issued cannot be put back, so issue anew. An
      // intact previous key keeps its validity; a hand-made value is never kept.
      KeyState fresh = KeyState.issued(next, newKey.get(), at, observed.lastRotatedAt(), request);
      if (observed.previousIntact() && at.isBefore(observed.previousValidUntil())) {
        fresh =
            fresh.withPrevious(
                observed.previous(), observed.previousFingerprint(), observed.previousValidUntil());
      }
      return plan(policy, fresh, Change.VALUE_REPLACED, at);
    }

    Instant expiresAt = policy.expiresAt(observed.issuedAt());
    boolean expired = expiresAt != null && !at.isBefore(expiresAt);
    if (newRequest) {
      Instant validUntil = at.plus(policy.overlap());
      if (expiresAt != null && expiresAt.isBefore(validUntil)) {
        validUntil = expiresAt;
      }
      return rotate(
          policy, observed, next, validUntil, Change.ROTATED_ON_REQUEST, at, request, newKey);
    }
    if (expired) {
      if (policy.rotationEnabled()) {
        return rotate(policy, observed, next, at, Change.ROTATED_AFTER_EXPIRY, at, request, newKey);
      }
      KeyState gone =
          new KeyState(
              observed.version(),
              null,
              null,
              observed.issuedAt(),
              null,
              null,
              null,
              null,
              at,
              observed.lastRotatedAt(),
              observed.rotateHandled());
      return plan(policy, gone, Change.EXPIRED, at);
    }
    Instant rotatesAt = policy.rotatesAt(observed.issuedAt());
    if (rotatesAt != null && !at.isBefore(rotatesAt)) {
      return rotate(policy, observed, next, expiresAt, Change.ROTATED, at, request, newKey);
    }
    if (observed.previous() != null
        && (!observed.previousIntact() || !at.isBefore(observed.previousValidUntil()))) {
      return plan(policy, observed.withoutPrevious(), Change.PREVIOUS_REMOVED, at);
    }
    return plan(policy, observed, Change.NONE, at);
  }

  private static RotationPlan revoke(
      KeyState observed, int lastKnownVersion, Instant at, String request) {
    if (observed != null
        && observed.revokedAt() != null
        && observed.current() == null
        && observed.previous() == null) {
      return new RotationPlan(observed, Change.NONE, null);
    }
    int version = observed == null ? lastKnownVersion : observed.version();
    KeyState revoked =
        new KeyState(
            version,
            null,
            null,
            observed == null ? null : observed.issuedAt(),
            null,
            null,
            null,
            observed != null && observed.revokedAt() != null ? observed.revokedAt() : at,
            null,
            observed == null ? null : observed.lastRotatedAt(),
            request);
    return new RotationPlan(revoked, Change.REVOKED, null);
  }

  /** Issues version {@code next}; the old key stays valid until {@code previousValidUntil}. */
  private static RotationPlan rotate(
      KeyPolicy policy,
      KeyState observed,
      int next,
      Instant previousValidUntil,
      Change change,
      Instant at,
      String request,
      Supplier<String> newKey) {
    KeyState rotated = KeyState.issued(next, newKey.get(), at, at, request);
    if (previousValidUntil != null && previousValidUntil.isAfter(at)) {
      rotated =
          rotated.withPrevious(
              observed.current(), observed.currentFingerprint(), previousValidUntil);
    }
    return plan(policy, rotated, change, at);
  }

  private static RotationPlan plan(KeyPolicy policy, KeyState state, Change change, Instant at) {
    return new RotationPlan(state, change, nextCheck(policy, state, at));
  }

  /** The earliest moment after {@code at} when the decision for {@code state} changes. */
  static Instant nextCheck(KeyPolicy policy, KeyState state, Instant at) {
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
