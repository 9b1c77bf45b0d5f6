package dev.keyward.verifier;

/**
 * One key version the verifier accepts: the current key of an ApiKey, or its previous key during an
 * overlap. Holds no key and no hash, only what a decision needs.
 *
 * @param validUntilMillis epoch millis from which the key is expired ({@code status.expiresAt}, or
 *     {@code previousKey.validUntil}); {@link Long#MAX_VALUE} when it never expires
 * @param statusLastUsedSeconds this version's last use as status says it ({@code keyLastUsedAt} or
 *     {@code previousKey.lastUsedAt}), epoch seconds, or {@link Long#MIN_VALUE} when never used
 * @param usage the last successful verification here, kept across watch events for this hash
 */
public record KeyRecord(
    KeyOwner owner,
    int keyVersion,
    boolean previous,
    long validUntilMillis,
    long statusLastUsedSeconds,
    Usage usage) {

  /** The last successful verification of one key version in this replica. */
  public static final class Usage {
    private volatile long lastUsedSeconds = Long.MIN_VALUE;
    private volatile long writtenSeconds = Long.MIN_VALUE;

    /** Called on the request path: one volatile read, at most one volatile write. */
    void used(long epochSeconds) {
      if (epochSeconds > lastUsedSeconds) {
        lastUsedSeconds = epochSeconds;
      }
    }

    public long lastUsedSeconds() {
      return lastUsedSeconds;
    }

    long writtenSeconds() {
      return writtenSeconds;
    }

    void written(long epochSeconds) {
      writtenSeconds = epochSeconds;
    }
  }
}
