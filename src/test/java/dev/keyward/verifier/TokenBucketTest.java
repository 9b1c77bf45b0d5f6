package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void allowsTheBurstThenRefillsEvenly() {
    TokenBucket bucket = new TokenBucket(100, Duration.ofMinutes(1));
    long t = 1_000 * SECOND;
    for (int i = 0; i < 100; i++) {
      assertThat(bucket.take(t)).isZero();
    }
    assertThat(bucket.take(t)).isEqualTo(1); // 0.6 s to the next token, rounded up
    assertThat(bucket.take(t + SECOND)).isZero();
    assertThat(bucket.take(t + SECOND)).isEqualTo(1);
    assertThat(bucket.take(t + 61 * SECOND)).isZero();
  }

  @Test
  void retryAfterSaysWhenTheNextTokenComes() {
    TokenBucket bucket = new TokenBucket(2, Duration.ofHours(1));
    assertThat(bucket.take(0)).isZero();
    assertThat(bucket.take(0)).isZero();
    assertThat(bucket.take(0)).isEqualTo(1800);
    assertThat(bucket.take(1000 * SECOND)).isEqualTo(800);
    assertThat(bucket.take(1800 * SECOND)).isZero();
  }

  @Test
  void neverHoldsMoreThanItsLimitAndIgnoresTimeGoingBack() {
    TokenBucket bucket = new TokenBucket(1, Duration.ofSeconds(10));
    assertThat(bucket.take(1_000_000 * SECOND)).isZero();
    assertThat(bucket.take(0)).isEqualTo(10);
    assertThat(bucket.take(2_000_000 * SECOND)).isZero();
    assertThat(bucket.take(2_000_000 * SECOND)).isEqualTo(10);
    assertThat(bucket.sameLimit(1, Duration.ofSeconds(10))).isTrue();
    assertThat(bucket.sameLimit(2, Duration.ofSeconds(10))).isFalse();
  }

  @Test
  void aReplicasShareIsThatPartOfTheBurstAndTheRateButAtLeastOneRequest() {
    TokenBucket bucket = new TokenBucket(100, Duration.ofMinutes(1));
    long t = 1_000 * SECOND;
    for (int i = 0; i < 50; i++) {
      assertThat(bucket.take(t, 2)).isZero();
    }
    assertThat(bucket.take(t, 2)).isEqualTo(2); // 1.2 s to the next of its 50 per minute
    assertThat(bucket.take(t + 1_200_000_000L, 2)).isZero();

    TokenBucket small = new TokenBucket(1, Duration.ofMinutes(1));
    assertThat(small.take(t, 3)).isZero(); // a share below one request still lets one through
    assertThat(small.take(t, 3)).isEqualTo(180); // then one per three minutes here
  }
}
