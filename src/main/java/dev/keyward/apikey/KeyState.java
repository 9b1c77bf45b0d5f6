package dev.keyward.apikey;

import java.time.Instant;

/**
 * The key material an ApiKey's Secret holds, with the facts recorded beside it in annotations.
 * Everything in status is derived from this, so the Secret alone is enough to recover after a
 * crash.
 *
 * @param version key version, 1 at first issue
 * @param current the current key; null when expired or revoked
 * @param currentFingerprint the fingerprint recorded when the key was issued
 * @param issuedAt when the current version was issued
 * @param previous the previous key during a rotation's overlap; null otherwise
 * @param previousFingerprint the previous key's recorded fingerprint
 * @param previousValidUntil when the previous key stops being valid
 * @param revokedAt when every value was removed because the ApiKey was revoked
 * @param expiredAt when the value was removed because it expired without rotation
 * @param lastRotatedAt when the last rotation happened
 * @param rotateHandled the last value of the rotate annotation that was acted on
 * @param idleSince where the unused clock of {@code spec.revokeWhenUnusedFor} starts when status
 *     records no newer use: when this line of keys was issued, or the last use known when an
 *     earlier version was rotated out or dropped. Null for Secrets written before it existed (the
 *     current version's issue time stands in)
 * @param revokedReason why the values were removed: null for {@code spec.revoked}, {@link #UNUSED}
 *     for {@code spec.revokeWhenUnusedFor}
 */
public record KeyState(
    int version,
    String current,
    String currentFingerprint,
    Instant issuedAt,
    String previous,
    String previousFingerprint,
    Instant previousValidUntil,
    Instant revokedAt,
    Instant expiredAt,
    Instant lastRotatedAt,
    String rotateHandled,
    Instant idleSince,
    String revokedReason) {

  /** {@link #revokedReason} of a key revoked because nobody used it for too long. */
  public static final String UNUSED = "Unused";

  /** A state with no unused-clock record and no revocation reason. */
  public KeyState(
      int version,
      String current,
      String currentFingerprint,
      Instant issuedAt,
      String previous,
      String previousFingerprint,
      Instant previousValidUntil,
      Instant revokedAt,
      Instant expiredAt,
      Instant lastRotatedAt,
      String rotateHandled) {
    this(
        version,
        current,
        currentFingerprint,
        issuedAt,
        previous,
        previousFingerprint,
        previousValidUntil,
        revokedAt,
        expiredAt,
        lastRotatedAt,
        rotateHandled,
        null,
        null);
  }

  /** The full SHA-256 of the current key, for verifiers; null when there is none. */
  public String currentHash() {
    return current == null ? null : KeyFormat.keyHash(current);
  }

  /** The full SHA-256 of the previous key, for verifiers; null when there is none. */
  public String previousHash() {
    return previous == null ? null : KeyFormat.keyHash(previous);
  }

  /** True when the values were removed because nobody used the key for too long. */
  public boolean revokedForBeingUnused() {
    return revokedAt != null && UNUSED.equals(revokedReason);
  }

  /** True when the current value is present and is the one Keyward recorded. */
  public boolean currentIntact() {
    return current != null
        && issuedAt != null
        && KeyFormat.fingerprint(current).equals(currentFingerprint);
  }

  /** True when the previous value is present, recorded, and has a validity end. */
  public boolean previousIntact() {
    return previous != null
        && previousValidUntil != null
        && KeyFormat.fingerprint(previous).equals(previousFingerprint);
  }

  /** A freshly issued version with no previous key. */
  static KeyState issued(
      int version, String key, Instant now, Instant lastRotatedAt, String rotateHandled) {
    return new KeyState(
        version,
        key,
        KeyFormat.fingerprint(key),
        now,
        null,
        null,
        null,
        null,
        null,
        lastRotatedAt,
        rotateHandled,
        now,
        null);
  }

  KeyState withPrevious(String value, String fingerprint, Instant validUntil) {
    return new KeyState(
        version,
        current,
        currentFingerprint,
        issuedAt,
        value,
        fingerprint,
        validUntil,
        revokedAt,
        expiredAt,
        lastRotatedAt,
        rotateHandled,
        idleSince,
        revokedReason);
  }

  KeyState withoutPrevious() {
    return withPrevious(null, null, null);
  }

  /**
   * This version with every value removed, revoked ({@code revokedAt}, for {@code reason}) or
   * expired ({@code expiredAt}); the unused clock goes with the values.
   */
  KeyState withoutValues(Instant revokedAt, Instant expiredAt, String reason) {
    return new KeyState(
        version,
        null,
        null,
        issuedAt,
        null,
        null,
        null,
        revokedAt,
        expiredAt,
        lastRotatedAt,
        rotateHandled,
        null,
        reason);
  }

  KeyState withRotateHandled(String value) {
    return new KeyState(
        version,
        current,
        currentFingerprint,
        issuedAt,
        previous,
        previousFingerprint,
        previousValidUntil,
        revokedAt,
        expiredAt,
        lastRotatedAt,
        value,
        idleSince,
        revokedReason);
  }

  KeyState withIdleSince(Instant value) {
    return new KeyState(
        version,
        current,
        currentFingerprint,
        issuedAt,
        previous,
        previousFingerprint,
        previousValidUntil,
        revokedAt,
        expiredAt,
        lastRotatedAt,
        rotateHandled,
        value,
        revokedReason);
  }
}
