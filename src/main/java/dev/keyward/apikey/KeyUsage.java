package dev.keyward.apikey;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * When the ApiKey and each of its key versions were last used, as the verifiers recorded it in
 * status: {@code lastUsedAt} (the object's last use by any version), and per version {@code
 * keyLastUsedAt} and {@code previousKey.lastUsedAt}, by fingerprint. Texts are kept exactly as
 * status holds them, so a status rebuilt from them is byte-for-byte the same. It also holds the
 * rules of {@code spec.revokeWhenUnusedFor} (where a key's unused clock starts and when it runs
 * out), pure like the {@link RotationPlan} that asks them.
 *
 * @param lastUsedAt the object's last use as status says it; null when none was recorded
 * @param byFingerprint each key version's last use
 */
public record KeyUsage(String lastUsedAt, Map<String, String> byFingerprint) {

  public static final KeyUsage NONE = new KeyUsage(null, Map.of());

  /** Only per-version uses, and an object's last use that is the latest of them. */
  public KeyUsage(Map<String, String> byFingerprint) {
    this(null, byFingerprint);
  }

  /** The use recorded in {@code status}, attached to the key each field describes. */
  public static KeyUsage from(ApiKeyStatus status) {
    if (status == null) {
      return NONE;
    }
    Map<String, String> used = new HashMap<>();
    if (status.getFingerprint() != null && status.getKeyLastUsedAt() != null) {
      used.put(status.getFingerprint(), status.getKeyLastUsedAt());
    }
    PreviousKey previous = status.getPreviousKey();
    if (previous != null && previous.getFingerprint() != null && previous.getLastUsedAt() != null) {
      used.put(previous.getFingerprint(), previous.getLastUsedAt());
    }
    if (used.isEmpty() && status.getLastUsedAt() == null) {
      return NONE;
    }
    return new KeyUsage(status.getLastUsedAt(), Map.copyOf(used));
  }

  /**
   * The object's last use by any version, as text: the latest of {@code lastUsedAt} and every
   * version's use, so it never moves back and outlives the versions it came from; null when none
   * was recorded.
   */
  public String latest() {
    String latest = lastUsedAt;
    Instant latestAt = parse(lastUsedAt);
    for (String text : byFingerprint.values()) {
      Instant at = parse(text);
      if (at != null && (latestAt == null || at.isAfter(latestAt))) {
        latest = text;
        latestAt = at;
      }
    }
    return latest;
  }

  /** The recorded last use of the key with {@code fingerprint}, as written; null if none. */
  public String text(String fingerprint) {
    return fingerprint == null ? null : byFingerprint.get(fingerprint);
  }

  /** The recorded last use as an instant; null if none or unreadable. */
  public Instant at(String fingerprint) {
    return parse(text(fingerprint));
  }

  private static Instant parse(String text) {
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * The moment the unused clock of {@code state} counts from: the object's last use ({@link
   * #latest}, which covers its current and previous key), or, when that is older or there is none,
   * {@link KeyState#idleSince} (its issue time for Secrets written before that existed). A key
   * issued after a revocation therefore counts from its issue, not from a use of a value gone.
   */
  public Instant lastUse(KeyState state) {
    Instant last = state.idleSince() != null ? state.idleSince() : state.issuedAt();
    return later(last, parse(latest()));
  }

  /** When {@code state} counts as unused under the policy; null when it never does. */
  Instant unusedUntil(KeyPolicy policy, KeyState state) {
    if (policy.revokeWhenUnusedFor().isEmpty() || state.current() == null) {
      return null;
    }
    Instant last = lastUse(state);
    return last == null ? null : last.plus(policy.revokeWhenUnusedFor().get());
  }

  private static Instant later(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || !b.isAfter(a) ? a : b;
  }
}
