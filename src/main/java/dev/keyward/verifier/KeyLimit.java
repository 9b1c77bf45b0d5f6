package dev.keyward.verifier;

import java.time.Duration;

/**
 * One ApiKey's {@code spec.rateLimit} as the verifier enforces it: {@code requests} per {@code
 * per}, for the ApiKey with this uid (its current and previous key alike, so a rotation keeps the
 * budget). It carries this replica's own state for the key: the in-memory bucket (the limit without
 * a store, and the {@code local} fallback with one) and, with a shared store, until when the key is
 * known to be over its limit, so a flood from a blocked key costs no store round trips.
 */
public final class KeyLimit {

  private final String uid;
  private final int requests;
  private final Duration per;
  private final TokenBucket local;
  private volatile long blockedUntilNanos = Long.MIN_VALUE;

  public KeyLimit(String uid, int requests, Duration per) {
    this.uid = uid;
    this.requests = requests;
    this.per = per;
    this.local = new TokenBucket(requests, per);
  }

  /** Whether this is the same limit of the same ApiKey, so a watch event keeps its state. */
  public boolean sameLimit(String uid, int requests, Duration per) {
    return this.uid.equals(uid) && local.sameLimit(requests, per);
  }

  public String uid() {
    return uid;
  }

  public int requests() {
    return requests;
  }

  public Duration per() {
    return per;
  }

  /** This replica's bucket for the key. */
  public TokenBucket local() {
    return local;
  }

  /**
   * Seconds until the key may try again when it is known to be over its limit at {@code nowNanos}
   * (at least 1), else 0.
   */
  long blockedFor(long nowNanos) {
    long until = blockedUntilNanos;
    return nowNanos < until ? Math.max(1, (until - nowNanos + 999_999_999L) / 1_000_000_000L) : 0;
  }

  /** The key is over its limit until {@code untilNanos}. */
  void blockUntil(long untilNanos) {
    if (untilNanos > blockedUntilNanos) {
      blockedUntilNanos = untilNanos;
    }
  }
}
