package dev.keyward.verifier;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits every verifier replica shares, kept in Redis 6+ or Valkey: one atomic round trip per
 * decision, a Lua script running GCRA (the generic cell rate algorithm, a token bucket of {@code
 * requests} refilled evenly over {@code per} stored as one timestamp per ApiKey, timed by the
 * store's own clock so the replicas' clocks do not matter). A key found over its limit is
 * remembered here until its Retry-After, so a flood from it costs no round trips. When the store
 * does not answer within the timeout, the decision falls back ({@link OnStoreError}), is counted,
 * and for a second after a failure no round trip is tried; then the store is asked again, so exact
 * limiting resumes by itself.
 */
public final class RedisRateLimits implements RateLimitStore {

  private static final Logger log = LoggerFactory.getLogger(RedisRateLimits.class);

  /**
   * GCRA. KEYS[1]: the ApiKey's key; ARGV[1]: microseconds between two requests at the limit
   * ({@code per/requests}); ARGV[2]: the burst ({@code requests}). Keeps the theoretical arrival
   * time (TAT) of the next request, in microseconds of the store's clock, expiring when the bucket
   * would be full again. Returns 0 when admitted, else the microseconds until a request would be.
   */
  static final String SCRIPT =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local interval = tonumber(ARGV[1])
      local burst = tonumber(ARGV[2])
      local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
      if tat < now then tat = now end
      local allowAt = tat + interval - interval * burst
      if now < allowAt then
        return math.ceil(allowAt - now)
      end
      local newTat = tat + interval
      redis.call('SET', KEYS[1], string.format('%.0f', newTat),
        'PX', math.ceil((newTat - now) / 1000) + 1)
      return 0
      """;

  private static final String SCRIPT_SHA = sha1(SCRIPT);
  private static final long BACKOFF_NANOS = Duration.ofSeconds(1).toNanos();
  private static final int POOL = 8;

  /** What a decision is when the store does not answer. */
  public enum OnStoreError {
    /** This replica's own bucket, with its share of the limit (as without a store). */
    LOCAL,
    /** Admit the request. */
    ALLOW,
    /** Answer 503 {@code RATE_LIMIT_UNAVAILABLE}. */
    DENY;

    /** {@code local}, {@code allow} or {@code deny}. */
    public static OnStoreError parse(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException(
            "--rate-limit-on-store-error must be local, allow or deny, not '" + value + "'");
      }
    }
  }

  private final RedisOptions options;
  private final String target;
  private final Duration timeout;
  private final OnStoreError onError;
  private final LocalRateLimits local;
  private final Consumer<String> fallbackCounter;
  private final AtomicLong downUntilNanos = new AtomicLong(Long.MIN_VALUE);
  private volatile boolean failing;
  private volatile Vertx vertx;
  private volatile Redis redis;

  /**
   * @param url {@code redis://HOST:PORT[/DB]} or {@code rediss://...} (TLS), without a password
   * @param password null when the store needs none
   * @param fallbackCounter told each fallback's reason ({@code timeout}, {@code error}, {@code
   *     backoff}), for the metric
   */
  public RedisRateLimits(
      String url,
      String password,
      Duration timeout,
      OnStoreError onError,
      LocalRateLimits local,
      Consumer<String> fallbackCounter) {
    this.target = check(url);
    this.timeout = timeout;
    this.onError = onError;
    this.local = local;
    this.fallbackCounter = fallbackCounter;
    this.options =
        new RedisOptions()
            .setConnectionString(url)
            .setMaxPoolSize(POOL)
            .setMaxPoolWaiting(4096)
            .setMaxWaitingHandlers(4096)
            // Connections stay open: opening one can take longer than a decision may wait.
            .setPoolRecycleTimeout(Integer.MAX_VALUE)
            .setNetClientOptions(
                new NetClientOptions()
                    .setConnectTimeout(1000)
                    .setTcpNoDelay(true)
                    .setTcpKeepAlive(true)
                    .setSsl(url.startsWith("rediss://"))
                    .setHostnameVerificationAlgorithm(url.startsWith("rediss://") ? "HTTPS" : ""));
    if (password != null && !password.isEmpty()) {
      options.setPassword(password);
    }
  }

  /**
   * The URL's scheme, host and port for messages (never a password), or an exception saying what is
   * wrong with it.
   */
  static String check(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "--rate-limit-store must look like redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB]");
    }
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--rate-limit-store must look like redis://HOST:PORT[/DB] or rediss://HOST:PORT[/DB]");
    }
    if (uri.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "--rate-limit-store must not carry a password: give it in a file"
              + " (--rate-limit-store-password-file) or KEYWARD_RATE_LIMIT_STORE_PASSWORD");
    }
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.matches("/\\d{1,2}")) {
      throw new IllegalArgumentException(
          "--rate-limit-store: the path is a database number, as in redis://HOST:PORT/0");
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  /**
   * Creates the client on the verifier's event loops and opens its connections, loading the script,
   * so the first decisions do not wait for a connection. Waits at most a few seconds; a store that
   * is not there yet does not stop the verifier (decisions fall back until it is).
   */
  public void start(Vertx vertx) {
    this.vertx = vertx;
    this.redis = Redis.createClient(vertx, options);
    List<Future<Response>> loads = new ArrayList<>();
    for (int i = 0; i < POOL; i++) {
      loads.add(redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(SCRIPT)));
    }
    try {
      Future.join(loads).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      log.info("Rate limits kept in {} (on store errors: {})", target, onError);
    } catch (Exception e) {
      log.warn(
          "Rate-limit store {} does not answer yet ({}); deciding by '{}' until it does",
          target,
          e.getClass().getSimpleName(),
          onError.name().toLowerCase(Locale.ROOT));
    }
  }

  @Override
  public Future<Long> take(KeyLimit limit, long nowNanos) {
    long blocked = limit.blockedFor(nowNanos);
    if (blocked > 0) {
      return Future.succeededFuture(blocked);
    }
    Redis client = redis;
    long monotonic = System.nanoTime();
    if (client == null || monotonic < downUntilNanos.get()) {
      return Future.succeededFuture(fallback(limit, nowNanos, "backoff"));
    }
    Promise<Long> decided = Promise.promise();
    long timer =
        vertx.setTimer(
            Math.max(1, timeout.toMillis()),
            t -> decided.tryComplete(fallback(limit, nowNanos, "timeout")));
    double interval = limit.per().toNanos() / 1000.0 / limit.requests();
    Request request =
        Request.cmd(Command.EVALSHA)
            .arg(SCRIPT_SHA)
            .arg(1)
            .arg("keyward:ratelimit:" + limit.uid())
            .arg(Double.toString(interval))
            .arg(limit.requests());
    client
        .send(request)
        .recover(
            e ->
                e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
                    ? client.send(
                        Request.cmd(Command.EVAL)
                            .arg(SCRIPT)
                            .arg(1)
                            .arg("keyward:ratelimit:" + limit.uid())
                            .arg(Double.toString(interval))
                            .arg(limit.requests()))
                    : Future.failedFuture(e))
        .onComplete(
            reply -> {
              vertx.cancelTimer(timer);
              if (reply.succeeded()) {
                if (failing) {
                  failing = false;
                  log.info("Rate-limit store {} answers again: limits are shared again", target);
                }
                // Even when it came too late, a block it reports is remembered.
                decided.tryComplete(decision(limit, nowNanos, reply.result()));
              } else if (decided.tryComplete(fallback(limit, nowNanos, "error"))) {
                log.debug("Rate-limit store error: {}", reply.cause().getClass().getSimpleName());
                down();
              }
            });
    return decided.future();
  }

  private static long decision(KeyLimit limit, long nowNanos, Response reply) {
    long waitMicros = reply.toLong();
    if (waitMicros <= 0) {
      return 0;
    }
    long waitNanos = waitMicros * 1000;
    limit.blockUntil(nowNanos + waitNanos);
    return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
  }

  private long fallback(KeyLimit limit, long nowNanos, String reason) {
    fallbackCounter.accept(reason);
    return switch (onError) {
      case LOCAL -> local.decide(limit, nowNanos);
      case ALLOW -> 0;
      case DENY -> UNAVAILABLE;
    };
  }

  /**
   * After an error (not a slow answer: that one request is decided without the store), decide
   * without the store for a second, then try it again.
   */
  private void down() {
    downUntilNanos.set(System.nanoTime() + BACKOFF_NANOS);
    if (!failing) {
      failing = true;
      log.warn(
          "Rate-limit store {} cannot be reached; deciding by '{}' and trying it again every"
              + " second",
          target,
          onError.name().toLowerCase(Locale.ROOT));
    }
  }

  @Override
  public void close() {
    Redis client = redis;
    if (client != null) {
      client.close();
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
