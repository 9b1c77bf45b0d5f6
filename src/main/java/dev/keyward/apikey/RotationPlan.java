package dev.keyward.apikey;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
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

  /**
   * When each key was last used, as the verifiers recorded it in status ({@code lastUsedAt} and
   * {@code previousKey.lastUsedAt}), by fingerprint: the text exactly as status holds it, so a
   * status rebuilt from it is byte-for-byte the same.
   */
  public record Usage(Map<String, String> byFingerprint) {

    public static final Usage NONE = new Usage(Map.of());

    /** The use recorded in {@code status}, attached to the key each field describes. */
    public static Usage from(ApiKeyStatus status) {
      if (status == null) {
        return NONE;
      }
      Map<String, String> used = new HashMap<>();
      if (status.getFingerprint() != null && status.getLastUsedAt() != null) {
        used.put(status.getFingerprint(), status.getLastUsedAt());
      }
      PreviousKey previous = status.getPreviousKey();
      if (previous != null
          && previous.getFingerprint() != null
          && previous.getLastUsedAt() != null) {
        used.put(previous.getFingerprint(), previous.getLastUsedAt());
      }
      return used.isEmpty() ? NONE : new Usage(Map.copyOf(used));
    }

    /** The recorded last use of the key with {@code fingerprint}, as written; null if none. */
    public String text(String fingerprint) {
      return fingerprint == null ? null : byFingerprint.get(fingerprint);
    }

    /** The recorded last use as an instant; null if none or unreadable. */
    public Instant at(String fingerprint) {
      String text = text(fingerprint);
      if (text == null) {
        return null;
      }
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e) {
        return null;
      }
    }
  }

  /**
   * The moment the unused clock of {@code state} counts from: the newest recorded use of its
   * current or previous key, or, when neither was used, {@link KeyState#idleSince} (its issue time
   * for Secrets written before that existed).
   */
  public static Instant lastUse(KeyState state, Usage usage) {
    Instant last = state.idleSince() != null ? state.idleSince() : state.issuedAt();
    last = later(last, usage.at(state.currentFingerprint()));
    return later(last, state.previous() == null ? null : usage.at(state.previousFingerprint()));
  }

  private static Instant later(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || !b.isAfter(a) ? a : b;
  }

  /** Decides the next state with no recorded use (see the full form). */
  public static RotationPlan decide(
      KeyPolicy policy,
      String rotateRequest,
      KeyState observed,
      int lastKnownVersion,
      Instant now,
      Supplier<String> newKey) {
    return decide(policy, rotateRequest, observed, lastKnownVersion, Usage.NONE, now, newKey);
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
      Usage usage,
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
          usage,
          at);
    }
    int next = Math.max(observed.version(), lastKnownVersion) + 1;
    boolean newRequest = request != null && !request.equals(observed.rotateHandled());
    if (observed.revokedForBeingUnused() && !newRequest) {
      // Stays revoked although spec.revoked is false: a new key takes a deliberate act.
      return new RotationPlan(observed, Change.NONE, null);
    }
    if (observed.revokedAt() != null) {
      return plan(
          policy,
          KeyState.issued(next, newKey.get(), at, null, request),
          Change.REISSUED_AFTER_REVOCATION,
          usage,
          at);
    }

    if (observed.current() == null && observed.expiredAt() != null) {
      if (newRequest) {
        return plan(
            policy,
            KeyState.issued(next, newKey.get(), at, at, request),
            Change.ROTATED_ON_REQUEST,
            usage,
            at);
      }
      if (policy.rotationEnabled()) {
        return plan(
            policy,
            KeyState.issued(next, newKey.get(), at, at, request),
            Change.ROTATED_AFTER_EXPIRY,
            usage,
            at);
      }
      return plan(policy, observed, Change.NONE, usage, at);
    }
    if (!observed.currentIntact()) {
      // Removed or changed by hand: what Keyward issued cannot be put back, so issue anew. An
      // intact previous key keeps its validity; a hand-made value is never kept.
      KeyState fresh =
          KeyState.issued(next, newKey.get(), at, observed.lastRotatedAt(), request)
              .withIdleSince(observed.issuedAt() == null ? at : lastUse(observed, usage));
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
    Instant unusedUntil = unusedUntil(policy, observed, usage);
    if (unusedUntil != null && !at.isBefore(unusedUntil)) {
      return new RotationPlan(revokedUnused(observed, at), Change.REVOKED_UNUSED, null);
    }
    if (expired) {
      if (policy.rotationEnabled()) {
        return rotate(
            policy, observed, next, at, Change.ROTATED_AFTER_EXPIRY, usage, at, request, newKey);
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
      return plan(policy, gone, Change.EXPIRED, usage, at);
    }
    Instant rotatesAt = policy.rotatesAt(observed.issuedAt());
    if (rotatesAt != null && !at.isBefore(rotatesAt)) {
      return rotate(policy, observed, next, expiresAt, Change.ROTATED, usage, at, request, newKey);
    }
    if (observed.previous() != null
        && (!observed.previousIntact() || !at.isBefore(observed.previousValidUntil()))) {
      // The previous key's recorded use goes with it from status: keep it as the clock's start.
      KeyState dropped = observed.withoutPrevious().withIdleSince(lastUse(observed, usage));
      return plan(policy, dropped, Change.PREVIOUS_REMOVED, usage, at);
    }
    return plan(policy, observed, Change.NONE, usage, at);
  }

  /** When {@code state} counts as unused under the policy; null when it never does. */
  static Instant unusedUntil(KeyPolicy policy, KeyState state, Usage usage) {
    if (policy.revokeWhenUnusedFor().isEmpty() || state.current() == null) {
      return null;
    }
    Instant last = lastUse(state, usage);
    return last == null ? null : last.plus(policy.revokeWhenUnusedFor().get());
  }

  /** Every value removed because nobody used the key for too long. */
  private static KeyState revokedUnused(KeyState observed, Instant at) {
    return new KeyState(
        observed.version(),
        null,
        null,
        observed.issuedAt(),
        null,
        null,
        null,
        at,
        null,
        observed.lastRotatedAt(),
        observed.rotateHandled(),
        null,
        KeyState.UNUSED);
  }

  private static RotationPlan revoke(
      KeyState observed, int lastKnownVersion, Instant at, String request) {
    if (observed != null
        && observed.revokedAt() != null
        && observed.current() == null
        && observed.previous() == null) {
      // Already revoked; one revoked for being unused now stays revoked because spec says so.
      KeyState bySpec =
          observed.revokedReason() == null
              ? observed
              : new KeyState(
                  observed.version(),
                  null,
                  null,
                  observed.issuedAt(),
                  null,
                  null,
                  null,
                  observed.revokedAt(),
                  null,
                  observed.lastRotatedAt(),
                  observed.rotateHandled());
      return new RotationPlan(bySpec, Change.NONE, null);
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
      Usage usage,
      Instant at,
      String request,
      Supplier<String> newKey) {
    // A scheduled rotation is not a use: the unused clock keeps running across versions.
    KeyState rotated =
        KeyState.issued(next, newKey.get(), at, at, request)
            .withIdleSince(lastUse(observed, usage));
    if (previousValidUntil != null && previousValidUntil.isAfter(at)) {
      rotated =
          rotated.withPrevious(
              observed.current(), observed.currentFingerprint(), previousValidUntil);
    }
    return plan(policy, rotated, change, usage, at);
  }

  private static RotationPlan plan(
      KeyPolicy policy, KeyState state, Change change, Usage usage, Instant at) {
    return new RotationPlan(state, change, nextCheck(policy, state, usage, at));
  }

  /** The earliest moment after {@code at} when the decision for {@code state} changes. */
  static Instant nextCheck(KeyPolicy policy, KeyState state, Usage usage, Instant at) {
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
    Instant unused = unusedUntil(policy, state, usage);
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
