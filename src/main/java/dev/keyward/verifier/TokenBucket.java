package dev.keyward.verifier;

import java.time.Duration;

/**
 * {@code spec.rateLimit}: {@code requests} tokens, refilled evenly over {@code per}. One bucket per
 * ApiKey in each verifier replica, shared by its current and previous key; {@link LocalRateLimits}
 * gives each replica its share.
 */
public final class TokenBucket {

  private final int requests;
  private final Duration per;
  private final double tokensPerNano;
  private double tokens;
  private long lastNanos = Long.MIN_VALUE;

  public TokenBucket(int requests, Duration per) {
    this.requests = requests;
    this.per = per;
    this.tokensPerNano = requests / (double) per.toNanos();
    this.tokens = requests;
  }

  /** Whether this bucket enforces the same limit, so a watch event keeps its state. */
  public boolean sameLimit(int requests, Duration per) {
    return this.requests == requests && this.per.equals(per);
  }

  /**
   * Takes one token at {@code nowNanos} (any fixed origin, e.g. epoch nanos of the verifier's
   * clock). Returns 0 when taken, else the whole seconds until one is available (at least 1), for
   * {@code Retry-After}.
   */
  public long take(long nowNanos) {
    return take(nowNanos, 1);
  }

  /**
   * Like {@link #take(long)}, with this replica's share of the limit: {@code 1/shares} of the
   * refill rate and of the burst (at least one token, so a key whose limit is below the number of
   * replicas still gets through, at its rate over time).
   */
  public synchronized long take(long nowNanos, int shares) {
    double capacity = Math.max(1.0, requests / (double) shares);
    double rate = tokensPerNano / shares;
    if (lastNanos != Long.MIN_VALUE && nowNanos > lastNanos) {
      tokens = Math.min(capacity, tokens + (nowNanos - lastNanos) * rate);
    }
    if (lastNanos == Long.MIN_VALUE || nowNanos > lastNanos) {
      lastNanos = nowNanos;
    }
    tokens = Math.min(capacity, tokens);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    double nanos = (1 - tokens) / rate;
    return Math.max(1, (long) Math.ceil(nanos / 1e9));
  }
}
