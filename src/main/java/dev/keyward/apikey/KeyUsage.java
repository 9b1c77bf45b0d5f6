package dev.keyward.apikey;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * When each key was last used, as the verifiers recorded it in status ({@code lastUsedAt} and
 * {@code previousKey.lastUsedAt}), by fingerprint: the text exactly as status holds it, so a status
 * rebuilt from it is byte-for-byte the same. It also holds the rules of {@code
 * spec.revokeWhenUnusedFor} (where a key's unused clock starts and when it runs out), pure like the
 * {@link RotationPlan} that asks them.
 */
public record KeyUsage(Map<String, String> byFingerprint) {

  public static final KeyUsage NONE = new KeyUsage(Map.of());

  /** The use recorded in {@code status}, attached to the key each field describes. */
  public static KeyUsage from(ApiKeyStatus status) {
    if (status == null) {
      return NONE;
    }
    Map<String, String> used = new HashMap<>();
    if (status.getFingerprint() != null && status.getLastUsedAt() != null) {
      used.put(status.getFingerprint(), status.getLastUsedAt());
    }
    PreviousKey previous = status.getPreviousKey();
    if (previous != null && previous.getFingerprint() != null && previous.getLastUsedAt() != null) {
      used.put(previous.getFingerprint(), previous.getLastUsedAt());
    }
    return used.isEmpty() ? NONE : new KeyUsage(Map.copyOf(used));
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

  /**
   * The moment the unused clock of {@code state} counts from: the newest recorded use of its
   * current or previous key, or, when neither was used, {@link KeyState#idleSince} (its issue time
   * for Secrets written before that existed).
   */
  public Instant lastUse(KeyState state) {
    Instant last = state.idleSince() != null ? state.idleSince() : state.issuedAt();
    last = later(last, at(state.currentFingerprint()));
    return later(last, state.previous() == null ? null : at(state.previousFingerprint()));
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
