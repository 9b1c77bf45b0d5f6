package dev.keyward.runtime;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.concurrent.TimeUnit;

/**
 * Client-side rate limit for the operator's API requests: a token bucket refilled at {@code qps}
 * per second holding at most {@code burst}. fabric8's client has none of its own. Watches are not
 * limited (they are long-lived), and neither is anything sent from an I/O thread, which must never
 * block.
 */
public final class ClientRateLimit implements Interceptor {

  private final double qps;
  private final double burst;
  private double tokens;
  private long last = System.nanoTime();

  public ClientRateLimit(double qps, int burst) {
    this.qps = qps;
    this.burst = Math.max(1, burst);
    this.tokens = this.burst;
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    String query = request.uri().getRawQuery();
    if (qps <= 0
        || (query != null && query.contains("watch=true"))
        || Thread.currentThread().getName().startsWith("vert.x-")) {
      return;
    }
    acquire();
  }

  /** Takes one token, sleeping until it is there. */
  public void acquire() {
    long waitNanos = reserve();
    if (waitNanos > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(waitNanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private synchronized long reserve() {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - last) * qps / 1e9);
    last = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : (long) (-tokens / qps * 1e9);
  }
}
