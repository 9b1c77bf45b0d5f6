package dev.keyward.apikey;

import dev.keyward.secrets.ManagedSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an ApiKey's {@link KeyState} is laid out in its Secret: values in {@code data}, the facts
 * status is rebuilt from in {@code keyward.dev/*} annotations.
 */
public final class ApiKeySecret {

  public static final String LABEL = "keyward.dev/api-key";
  static final String VERSION = "keyward.dev/key-version";
  static final String FINGERPRINT = "keyward.dev/fingerprint";
  static final String KEY_HASH = "keyward.dev/key-hash";
  static final String ISSUED_AT = "keyward.dev/issued-at";
  static final String EXPIRES_AT = "keyward.dev/expires-at";
  static final String PREVIOUS_FINGERPRINT = "keyward.dev/previous-fingerprint";
  static final String PREVIOUS_KEY_HASH = "keyward.dev/previous-key-hash";
  static final String PREVIOUS_VALID_UNTIL = "keyward.dev/previous-valid-until";
  static final String REVOKED_AT = "keyward.dev/revoked-at";
  static final String REVOKED_REASON = "keyward.dev/revoked-reason";
  static final String IDLE_SINCE = "keyward.dev/idle-since";
  static final String EXPIRED_AT = "keyward.dev/expired-at";
  static final String LAST_ROTATED_AT = "keyward.dev/last-rotated-at";
  static final String ROTATE_HANDLED = "keyward.dev/rotate-handled";
  static final String DISPLAY_NAME = "keyward.dev/display-name";
  static final String SCOPES = "keyward.dev/scopes";

  private ApiKeySecret() {}

  /** Reads the key state from an observed Secret; unreadable annotations read as absent. */
  public static KeyState read(Secret secret, KeyPolicy policy) {
    Map<String, String> data = ManagedSecrets.decodedData(secret);
    Map<String, String> annotations =
        secret.getMetadata().getAnnotations() == null
            ? Map.of()
            : secret.getMetadata().getAnnotations();
    int version;
    try {
      version = Integer.parseInt(annotations.getOrDefault(VERSION, "0"));
    } catch (NumberFormatException e) {
      version = 0;
    }
    return new KeyState(
        version,
        data.get(policy.dataKey()),
        annotations.get(FINGERPRINT),
        instant(annotations.get(ISSUED_AT)),
        data.get(policy.previousDataKey()),
        annotations.get(PREVIOUS_FINGERPRINT),
        instant(annotations.get(PREVIOUS_VALID_UNTIL)),
        instant(annotations.get(REVOKED_AT)),
        instant(annotations.get(EXPIRED_AT)),
        instant(annotations.get(LAST_ROTATED_AT)),
        annotations.get(ROTATE_HANDLED),
        instant(annotations.get(IDLE_SINCE)),
        annotations.get(REVOKED_REASON));
  }

  /** The values the Secret's {@code data} should hold for {@code state}. */
  public static Map<String, String> data(KeyState state, KeyPolicy policy) {
    Map<String, String> data = new LinkedHashMap<>();
    if (state.current() != null) {
      data.put(policy.dataKey(), state.current());
    }
    if (state.previous() != null) {
      data.put(policy.previousDataKey(), state.previous());
    }
    return data;
  }

  /** The labels Keyward owns on the Secret. */
  public static Map<String, String> labels(ApiKey key, KeyPolicy policy) {
    Map<String, String> labels = new LinkedHashMap<>(policy.extraLabels());
    labels.putAll(ManagedSecrets.managedLabels());
    labels.put(LABEL, key.getMetadata().getName());
    return labels;
  }

  /** The annotations Keyward owns on the Secret; null values mean "must be absent". */
  public static Map<String, String> annotations(KeyState state, KeyPolicy policy) {
    Map<String, String> annotations = new LinkedHashMap<>(policy.extraAnnotations());
    annotations.put(VERSION, Integer.toString(state.version()));
    annotations.put(FINGERPRINT, state.current() == null ? null : state.currentFingerprint());
    annotations.put(KEY_HASH, state.currentHash());
    annotations.put(ISSUED_AT, text(state.issuedAt()));
    annotations.put(
        EXPIRES_AT,
        state.issuedAt() == null || state.current() == null
            ? null
            : text(policy.expiresAt(state.issuedAt())));
    annotations.put(
        PREVIOUS_FINGERPRINT, state.previous() == null ? null : state.previousFingerprint());
    annotations.put(PREVIOUS_KEY_HASH, state.previousHash());
    annotations.put(
        PREVIOUS_VALID_UNTIL, state.previous() == null ? null : text(state.previousValidUntil()));
    annotations.put(REVOKED_AT, text(state.revokedAt()));
    annotations.put(REVOKED_REASON, state.revokedAt() == null ? null : state.revokedReason());
    annotations.put(IDLE_SINCE, state.current() == null ? null : text(state.idleSince()));
    annotations.put(EXPIRED_AT, text(state.expiredAt()));
    annotations.put(LAST_ROTATED_AT, text(state.lastRotatedAt()));
    annotations.put(ROTATE_HANDLED, state.rotateHandled());
    annotations.put(DISPLAY_NAME, policy.displayName());
    annotations.put(SCOPES, policy.scopes().isEmpty() ? null : String.join(",", policy.scopes()));
    return annotations;
  }

  static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
