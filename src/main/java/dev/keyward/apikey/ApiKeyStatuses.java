package dev.keyward.apikey;

import dev.keyward.admission.CreatedBy;
import dev.keyward.common.Conditions;
import dev.keyward.common.Durations;
import dev.keyward.common.Phases;
import dev.keyward.common.SpecProblem;
import java.time.Instant;

/** Derives an ApiKey's status from its policy and the key state in its Secret (pure). */
public final class ApiKeyStatuses {

  public static final String PENDING = Phases.PENDING;
  public static final String ACTIVE = Phases.ACTIVE;
  public static final String EXPIRED = Phases.EXPIRED;
  public static final String REVOKED = Phases.REVOKED;
  public static final String FAILED = Phases.FAILED;

  private ApiKeyStatuses() {}

  /**
   * The status for {@code state}. The usage fields belong to the verifiers: each version's last use
   * ({@code keyLastUsedAt}, {@code previousKey.lastUsedAt}) is carried over exactly as status has
   * it, attached to the key it describes (so a rotation moves the current key's last use to {@code
   * previousKey}, and a new version starts with none), and never dropped or moved back for a key
   * that is still there; {@code lastUsedAt}, the object's last use by any version, is the latest of
   * all of them and of itself, so no rotation, expiry or revocation blanks or moves it back.
   */
  public static ApiKeyStatus of(ApiKey key, KeyPolicy policy, KeyState state, Instant now) {
    ApiKeyStatus previous = key.getStatus();
    KeyUsage usage = KeyUsage.from(previous);
    ApiKeyStatus status = new ApiKeyStatus();
    Long generation = key.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    status.setSecretName(policy.secretName());
    status.setKeyVersion(state.version() > 0 ? state.version() : null);
    status.setCreatedAt(key.getMetadata().getCreationTimestamp());
    status.setCreatedBy(CreatedBy.of(key));
    status.setIssuedAt(ApiKeySecret.text(state.issuedAt()));
    status.setLastRotatedAt(ApiKeySecret.text(state.lastRotatedAt()));
    status.setRevokedAt(ApiKeySecret.text(state.revokedAt()));
    if (state.current() != null) {
      status.setMaskedKey(KeyFormat.mask(state.current()));
      status.setFingerprint(state.currentFingerprint());
      status.setKeyHash(state.currentHash());
      status.setKeyLastUsedAt(usage.text(state.currentFingerprint()));
      status.setExpiresAt(ApiKeySecret.text(policy.expiresAt(state.issuedAt())));
      status.setRotatesAt(ApiKeySecret.text(policy.rotatesAt(state.issuedAt())));
    }
    if (state.previous() != null) {
      PreviousKey previousKey =
          new PreviousKey(
              KeyFormat.mask(state.previous()),
              state.previousFingerprint(),
              ApiKeySecret.text(state.previousValidUntil()));
      previousKey.setKeyHash(state.previousHash());
      previousKey.setLastUsedAt(usage.text(state.previousFingerprint()));
      status.setPreviousKey(previousKey);
    }
    status.setLastUsedAt(usage.latest());
    if (previous != null) {
      status.setCreatedBy(previous.getCreatedBy());
    }

    String phase;
    boolean ready;
    String reason;
    String message;
    if (state.revokedForBeingUnused()) {
      phase = REVOKED;
      ready = false;
      reason = KeyState.UNUSED;
      message =
          "No use was recorded for "
              + policy.revokeWhenUnusedFor().map(Durations::format).orElse("longer than allowed")
              + " (spec.revokeWhenUnusedFor), so every value was removed from Secret "
              + policy.secretName()
              + ". Set annotation "
              + ApiKey.ROTATE_ANNOTATION
              + " to a new value to issue a new key.";
    } else if (state.revokedAt() != null) {
      phase = REVOKED;
      ready = true;
      reason = "Revoked";
      message =
          "Every value was removed from Secret "
              + policy.secretName()
              + ". Set spec.revoked to false to issue a new key.";
    } else if (state.current() != null) {
      phase = ACTIVE;
      ready = true;
      reason = "KeyActive";
      message =
          "Key version "
              + state.version()
              + " is in Secret "
              + policy.secretName()
              + (status.getExpiresAt() == null ? "; it never expires." : ".");
    } else if (state.expiredAt() != null) {
      phase = EXPIRED;
      ready = false;
      reason = "Expired";
      message =
          "Key version "
              + state.version()
              + " expired and rotation is off. Set annotation "
              + ApiKey.ROTATE_ANNOTATION
              + " to a new value, or enable spec.rotation, to issue a new key.";
    } else {
      phase = PENDING;
      ready = false;
      reason = "Pending";
      message = "Waiting for the key to be issued.";
    }
    status.setPhase(phase);
    status.setConditions(
        Conditions.ready(
            ready,
            reason,
            message,
            generation,
            previous == null ? null : previous.getConditions(),
            now));
    return status;
  }

  /**
   * The status for a spec Keyward cannot act on, or a Secret it must not touch: the facts about the
   * current key stay as they were, phase Failed, Ready=False with the problem.
   */
  public static ApiKeyStatus failed(ApiKey key, SpecProblem problem, Instant now) {
    return failed(key, key.getStatus(), problem, now);
  }

  /** As {@link #failed(ApiKey, SpecProblem, Instant)}, keeping the facts of {@code previous}. */
  public static ApiKeyStatus failed(
      ApiKey key, ApiKeyStatus previous, SpecProblem problem, Instant now) {
    ApiKeyStatus status = previous == null ? new ApiKeyStatus() : copyOf(previous);
    status.setPhase(FAILED);
    status.setObservedGeneration(key.getMetadata().getGeneration());
    status.setCreatedAt(key.getMetadata().getCreationTimestamp());
    status.setCreatedBy(CreatedBy.of(key));
    status.setConditions(
        Conditions.ready(
            false,
            problem.reason(),
            problem.message(),
            key.getMetadata().getGeneration(),
            previous == null ? null : previous.getConditions(),
            now));
    return status;
  }

  /** A copy of every field of {@code s}; the previous key is shared, not copied. */
  static ApiKeyStatus copyOf(ApiKeyStatus s) {
    ApiKeyStatus c = new ApiKeyStatus();
    c.setPhase(s.getPhase());
    c.setConditions(s.getConditions());
    c.setObservedGeneration(s.getObservedGeneration());
    c.setCreatedAt(s.getCreatedAt());
    c.setSecretName(s.getSecretName());
    c.setKeyVersion(s.getKeyVersion());
    c.setMaskedKey(s.getMaskedKey());
    c.setFingerprint(s.getFingerprint());
    c.setKeyHash(s.getKeyHash());
    c.setLastUsedAt(s.getLastUsedAt());
    c.setKeyLastUsedAt(s.getKeyLastUsedAt());
    c.setCreatedBy(s.getCreatedBy());
    c.setIssuedAt(s.getIssuedAt());
    c.setExpiresAt(s.getExpiresAt());
    c.setRotatesAt(s.getRotatesAt());
    c.setLastRotatedAt(s.getLastRotatedAt());
    c.setPreviousKey(s.getPreviousKey());
    c.setRevokedAt(s.getRevokedAt());
    return c;
  }
}
