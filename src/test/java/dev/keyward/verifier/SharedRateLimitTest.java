package dev.keyward.verifier;

import static dev.keyward.verifier.VerifierForwardAuthTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.KeyFormat;
import dev.keyward.apikey.PreviousKey;
import dev.keyward.apikey.RateLimit;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.RedisServer;
import dev.keyward.testing.VerifierHarness;
import dev.keyward.verifier.RedisRateLimits.OnStoreError;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rate limits held for the key, not the replica: verifier replicas sharing one real redis-server
 * (Debian's package, started by the test on a free port; never a mock).
 */
class SharedRateLimitTest {

  @RegisterExtension final VerifierHarness kv = new VerifierHarness();

  private RedisServer redis;

  @BeforeEach
  void startRedis() throws IOException {
    redis = RedisServer.launch();
  }

  @AfterEach
  void stopRedis() throws IOException {
    kv.stop();
    redis.close();
  }

  /**
   * The store with a timeout long enough that a healthy store always answers: for tests that count
   * decisions exactly. On a loaded 2-core machine a healthy store can miss the 20 ms the verifier
   * ships with, and that decision falls back.
   */
  private RateLimiting store(OnStoreError mode) {
    return storeAsShipped(mode).withStoreTimeout(Duration.ofSeconds(5));
  }

  /** The store with the verifier's own 20 ms timeout: for tests whose bounds count fallbacks. */
  private RateLimiting storeAsShipped(OnStoreError mode) {
    return RateLimiting.local().withOnStoreError(mode).withStore(redis.url(), null);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void replicasSharingAStoreAdmitTheKeysLimitNotOnePerReplica(int replicaCount) throws Exception {
    // deny: an answer the store did not give in time is a 503, never an admission, so the count
    // of 200s is the store's alone even on a busy machine.
    kv.rateLimiting(storeAsShipped(OnStoreError.DENY));
    List<Verifier> replicas = new ArrayList<>();
    replicas.add(kv.startSynced());
    for (int i = 1; i < replicaCount; i++) {
      replicas.add(kv.startReplica());
    }
    String key = kv.issue("busy", s -> s.setRateLimit(new RateLimit(100, "1m")));
    for (Verifier replica : replicas) {
      OperatorHarness.waiting().until(() -> replica.registry().apiKeys() == 1);
    }

    long started = System.nanoTime();
    Tally tally = spread(replicas, key, 1_000, 8);
    double minutes = (System.nanoTime() - started) / 60e9;

    // GCRA in the store: a burst of 100, then 100 per minute, over all replicas together.
    long bound = 100 + (long) Math.ceil(100 * minutes);
    System.out.printf(
        "Shared store, %d replicas, 100/min, 1,000 requests in %.1f s: %d admitted (bound %d),"
            + " %d limited, %d unavailable%n",
        replicaCount,
        minutes * 60,
        tally.ok.get(),
        bound,
        tally.limited.get(),
        tally.unavailable.get());
    long fallbacks = replicas.stream().mapToLong(r -> r.metrics().rateLimitFallbacks()).sum();
    assertThat(tally.ok.get()).isBetween((int) Math.max(0, 100 - fallbacks), (int) bound);
    assertThat(tally.ok.get() + tally.limited.get() + tally.unavailable.get()).isEqualTo(1_000);
    assertThat(tally.unavailable.get()).isEqualTo(fallbacks);
    assertThat(tally.limitedWithoutRetryAfter.get()).isZero();
  }

  @Test
  void aRotationKeepsTheBudgetTheCurrentAndPreviousKeyShare() throws Exception {
    kv.rateLimiting(store(OnStoreError.LOCAL));
    kv.startSynced();
    Verifier second = kv.startReplica();
    String first = kv.issue("rotating", s -> s.setRateLimit(new RateLimit(3, "1h")));
    kv.awaitCode(first, "OK"); // one of three
    OperatorHarness.waiting().until(() -> second.registry().apiKeys() == 1);
    assertThat(RawHttp.get(second.httpPort(), "/v1/verify", bearer(first)).status()).isEqualTo(200);

    String next = kv.newKey();
    kv.writeStatus(
        "rotating",
        s -> {
          PreviousKey previous = new PreviousKey();
          previous.setKeyHash(s.getKeyHash());
          previous.setMaskedKey(s.getMaskedKey());
          previous.setValidUntil(kv.in(java.time.Duration.ofDays(7)));
          s.setPreviousKey(previous);
          s.setKeyVersion(2);
          s.setKeyHash(KeyFormat.keyHash(next));
          s.setMaskedKey(KeyFormat.mask(next));
        });
    OperatorHarness.waiting()
        .until(
            () ->
                "2"
                    .equals(
                        RawHttp.get(second.httpPort(), "/v1/verify", bearer(next))
                            .header("X-Keyward-Key-Version")));
    // The third request (the new key's first) used the last of the budget both keys share.
    assertRefused(kv.verify("", next), 429, "RATE_LIMITED");
    assertRefused(kv.verify("", first), 429, "RATE_LIMITED");
    String uid = kv.apiKey("rotating").getMetadata().getUid();
    assertThat(redis.command("EXISTS", "keyward:ratelimit:" + uid)).isEqualTo("1");
  }

  @Test
  void aBlockedKeyCostsNoStoreRoundTrips() throws Exception {
    kv.rateLimiting(store(OnStoreError.LOCAL));
    kv.startSynced();
    String key = kv.issue("flooding", s -> s.setRateLimit(new RateLimit(2, "1h")));
    String unlimited = kv.issue("unlimited", s -> {});
    kv.awaitCode(unlimited, "OK");
    kv.awaitCode(key, "OK");
    assertThat(redis.scriptRuns()).isEqualTo(1);
    assertThat(kv.verify("", key).status()).isEqualTo(200);
    RawHttp.Response limited = kv.verify("", key);
    assertRefused(limited, 429, "RATE_LIMITED");
    assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1700L, 1800L);
    assertThat(redis.scriptRuns()).isEqualTo(3);

    for (int i = 0; i < 50; i++) {
      RawHttp.Response again = kv.verify("", key);
      assertRefused(again, 429, "RATE_LIMITED");
      assertThat(again.header("Retry-After")).isNotNull();
    }
    assertThat(kv.verify("", unlimited).status()).isEqualTo(200);
    assertThat(redis.scriptRuns()).isEqualTo(3); // no round trip for the flood, none unlimited
  }

  @ParameterizedTest
  @EnumSource(OnStoreError.class)
  void aStoppedStoreFallsBackCountsItStaysReadyAndExactLimitingResumes(OnStoreError mode)
      throws Exception {
    // A stopped store refuses the connection at once, whatever the timeout.
    kv.rateLimiting(store(mode));
    Verifier verifier = kv.startSynced();
    String key = kv.issue("steady", s -> s.setRateLimit(new RateLimit(3, "1h")));
    kv.awaitCode(key, "OK");
    assertThat(verifier.metrics().rateLimitFallbacks()).isZero();

    redis.stop();
    List<RawHttp.Response> during = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      during.add(kv.verify("", key));
    }
    switch (mode) {
      case LOCAL -> {
        // This replica's own bucket: its 3, full since the store kept the count, then 429.
        assertThat(during.stream().filter(r -> r.status() == 200).count()).isEqualTo(3);
        during.stream()
            .filter(r -> r.status() != 200)
            .forEach(r -> assertRefused(r, 429, "RATE_LIMITED"));
      }
      case ALLOW -> assertThat(during).allMatch(r -> r.status() == 200);
      case DENY -> {
        during.forEach(r -> assertRefused(r, 503, "RATE_LIMIT_UNAVAILABLE"));
        assertThat(during.get(0).header("Retry-After")).isEqualTo("1");
      }
    }
    assertThat(verifier.metrics().rateLimitFallbacks()).isEqualTo(6);
    assertThat(kv.verifier().metrics().registry().scrape())
        .contains(
            "keyward_verifier_rate_limit_store_fallbacks_total{mode=\""
                + mode.name().toLowerCase()
                + "\"");
    assertThat(kv.get("/readyz").status()).isEqualTo(200);

    redis.start();
    String fresh = kv.issue("fresh", s -> s.setRateLimit(new RateLimit(4, "1h")));
    String probe = kv.issue("probe", s -> s.setRateLimit(new RateLimit(1_000_000, "1s")));
    OperatorHarness.waiting().until(() -> verifier.registry().apiKeys() == 3);
    // Within a second or so the store is asked again and answers.
    OperatorHarness.waiting()
        .until(
            () -> {
              kv.verify("", probe);
              return redis.scriptRuns() > 0;
            });
    long fallbacks = verifier.metrics().rateLimitFallbacks();
    int ok = 0;
    for (int i = 0; i < 8; i++) {
      RawHttp.Response r = kv.verify("", fresh);
      if (r.status() == 200) {
        ok++;
      } else {
        assertRefused(r, 429, "RATE_LIMITED");
      }
    }
    assertThat(ok).isEqualTo(4);
    assertThat(verifier.metrics().rateLimitFallbacks()).isEqualTo(fallbacks);
  }

  @ParameterizedTest
  @EnumSource(
      value = OnStoreError.class,
      names = {"LOCAL", "DENY"})
  void theStoreKilledUnderLoadKeepsAnswersWithinTheFallbacksBound(OnStoreError mode)
      throws Exception {
    kv.rateLimiting(storeAsShipped(mode));
    List<Verifier> replicas = List.of(kv.startSynced(), kv.startReplica());
    String key = kv.issue("loaded", s -> s.setRateLimit(new RateLimit(100, "1m")));
    for (Verifier replica : replicas) {
      OperatorHarness.waiting().until(() -> replica.registry().apiKeys() == 1);
    }
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Tally tally = new Tally();
    AtomicInteger other = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    long started = System.nanoTime();
    ExecutorService load = Executors.newFixedThreadPool(4);
    List<Future<?>> loops = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      loops.add(
          load.submit(
              () -> {
                while (running.get()) {
                  int i = sent.getAndIncrement();
                  Verifier to = replicas.get(i % 2);
                  RawHttp.Response r = RawHttp.get(to.httpPort(), "/v1/verify", bearer(key));
                  if (r.status() == 200) {
                    tally.ok.incrementAndGet();
                  } else if (r.status() == 429 && "RATE_LIMITED".equals(r.code())) {
                    tally.limited.incrementAndGet();
                  } else if (r.status() == 503 && "RATE_LIMIT_UNAVAILABLE".equals(r.code())) {
                    tally.unavailable.incrementAndGet();
                  } else {
                    other.incrementAndGet();
                  }
                }
                return null;
              }));
    }
    try {
      OperatorHarness.waiting().until(() -> sent.get() > 200);
      redis.stop();
      OperatorHarness.waiting()
          .until(() -> replicas.stream().allMatch(r -> r.metrics().rateLimitFallbacks() >= 10));
      for (Verifier replica : replicas) {
        assertThat(RawHttp.get(replica.httpPort(), "/readyz").status()).isEqualTo(200);
      }
      redis.start();
      OperatorHarness.waiting().until(() -> redis.scriptRuns() >= 20);
    } finally {
      running.set(false);
      for (Future<?> f : loops) {
        f.get(60, TimeUnit.SECONDS);
      }
      load.shutdownNow();
    }
    double minutes = (System.nanoTime() - started) / 60e9;
    long refill = (long) Math.ceil(100 * minutes);
    assertThat(other.get()).isZero();
    if (mode == OnStoreError.DENY) {
      // Only the store admits: its burst and refill, then again from the restarted, empty store.
      assertThat(tally.ok.get()).isLessThanOrEqualTo((int) (2 * 100 + refill));
      assertThat(tally.unavailable.get()).isPositive();
    } else {
      // Plus each replica's own bucket while the store was gone (full, and here the whole limit:
      // no EndpointSlices say there are two).
      assertThat(tally.ok.get()).isLessThanOrEqualTo((int) (4 * 100 + 4 * refill));
      assertThat(tally.unavailable.get()).isZero();
    }
    System.out.printf(
        "Store killed under load (%s), %.1f s: %d admitted, %d limited, %d unavailable%n",
        mode, minutes * 60, tally.ok.get(), tally.limited.get(), tally.unavailable.get());
  }

  @Test
  void aStorePasswordFromTheSettingsIsUsedAndNeverShown() throws Exception {
    redis.close();
    String password = "s3cret-" + System.nanoTime();
    redis = RedisServer.launch(password);
    kv.remember(password);
    kv.rateLimiting(
        RateLimiting.local()
            .withOnStoreError(OnStoreError.DENY)
            .withStore(redis.url(), password)
            .withStoreTimeout(Duration.ofSeconds(5)));
    Verifier verifier = kv.startSynced();
    String key = kv.issue("guarded", s -> s.setRateLimit(new RateLimit(1, "1h")));
    kv.awaitCode(key, "OK");
    assertRefused(kv.verify("", key), 429, "RATE_LIMITED");
    assertThat(verifier.metrics().rateLimitFallbacks()).isZero();
    assertThat(verifier.rateLimiting().toString()).doesNotContain(password);
  }

  /** Answers of {@code requests} requests sent from {@code connections} threads over replicas. */
  static Tally spread(List<Verifier> replicas, String key, int requests, int connections)
      throws Exception {
    Tally tally = new Tally();
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        done.add(
            pool.submit(
                () -> {
                  int i;
                  while ((i = next.getAndIncrement()) < requests) {
                    Verifier to = replicas.get(i % replicas.size());
                    RawHttp.Response r = RawHttp.get(to.httpPort(), "/v1/verify", bearer(key));
                    if (r.status() == 200) {
                      tally.ok.incrementAndGet();
                    } else if (r.status() == 429 && "RATE_LIMITED".equals(r.code())) {
                      tally.limited.incrementAndGet();
                      if (r.header("Retry-After") == null) {
                        tally.limitedWithoutRetryAfter.incrementAndGet();
                      }
                    } else if (r.status() == 503 && "RATE_LIMIT_UNAVAILABLE".equals(r.code())) {
                      tally.unavailable.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return tally;
  }

  static String bearer(String key) {
    return "Authorization: Bearer " + key;
  }

  static final class Tally {
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger limited = new AtomicInteger();
    final AtomicInteger limitedWithoutRetryAfter = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
  }
}
