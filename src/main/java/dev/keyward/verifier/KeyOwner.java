package dev.keyward.verifier;

import java.util.List;

/**
 * One ApiKey as the verifier needs it: who it is, what it may do and whether it is withdrawn.
 * Immutable but for its rate-limit state; a new one replaces it with every watch event.
 *
 * @param resourceVersion the version the usage writer patches against (optimistic locking)
 * @param revoked {@code spec.revoked} or phase Revoked: every key version answers REVOKED
 * @param expired phase Expired: every key version answers EXPIRED
 * @param lastUsedSeconds {@code status.lastUsedAt} (the object's last use by any version), epoch
 *     seconds, or {@link Long#MIN_VALUE} when never used
 * @param limit the rate limit, null when the ApiKey has none
 */
public record KeyOwner(
    String namespace,
    String name,
    String resourceVersion,
    List<String> scopes,
    boolean revoked,
    boolean expired,
    long lastUsedSeconds,
    KeyLimit limit) {

  /** {@code namespace/name}, as in {@code X-Keyward-ApiKey}. */
  public String id() {
    return namespace + "/" + name;
  }
}
