package dev.keyward.verifier;

import java.time.Duration;

/**
 * {@code spec.rateLimit}: {@code requests} tokens, refilled evenly over {@code per}. One bucket per
 * ApiKey in each verifier replica, shared by its current and previous key.
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
  public synchronized long take(long nowNanos) {
    if (lastNanos != Long.MIN_VALUE && nowNanos > lastNanos) {
      tokens = Math.min(requests, tokens + (nowNanos - lastNanos) * tokensPerNano);
    }
    if (lastNanos == Long.MIN_VALUE || nowNanos > lastNanos) {
      lastNanos = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    double nanos = (1 - tokens) / tokensPerNano;
    return Math.max(1, (long) Math.ceil(nanos / 1e9));
  }
}
