package dev.keyward.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API server answers 500 to the first attempt of every write the ApiKey controller makes: the
 * Secret create, the status patch, the Secret update of a rotation and of a revocation, the Events.
 * The client's own retries are off, so each error reaches the reconciler. No write happened, so the
 * next attempt must decide the same thing again: one key per version, status describing the
 * Secret's current key, the previous key kept through the rotation.
 */
class ApiKeyServerErrorTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness().withClientRetries(0);

  static final int KEYS = 4;

  @Test
  void everyKeyConvergesWhenEachWriteFirstGetsA500() {
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    kw.requests().answerWithErrors(r -> firstAttemptOfAWrite(r, attempts) ? 500 : 0);

    IssueAndRotate.run(kw, "erring-", KEYS);

    kw.edit(
        "erring-0",
        k -> {
          k.getSpec().setRevoked(true);
          return k;
        });
    kw.awaitApiKey(
        "erring-0", k -> k.getStatus() != null && "Revoked".equals(k.getStatus().getPhase()));
    Secret revoked = kw.secret("erring-0");
    assertThat(revoked.getData()).doesNotContainKeys("apiKey", "apiKey.previous");
    assertThat(kw.apiKey("erring-0").getStatus().getKeyVersion()).isEqualTo(2);

    int errors = kw.requests().errorResponses().getOrDefault(500, 0L).intValue();
    System.out.printf(
        "server errors: %d answered with 500 over %d keys (issue, rotation, revocation)%n",
        errors, KEYS);
    // Each key's Secret create, its first status patch and its rotation's Secret update at least.
    assertThat(errors).isGreaterThanOrEqualTo(3 * KEYS);
  }

  /**
   * The ApiKey controller's writes (not the sealing keyset's), alternately: the first attempt at a
   * method and path fails, the next one passes, the one after that (a later write to the same
   * Secret, such as a rotation or a revocation) fails again.
   */
  private static boolean firstAttemptOfAWrite(
      RequestLog.Request r, Map<String, AtomicInteger> attempts) {
    if (!r.isWrite() || r.path().contains("keyward-sealing")) {
      return false;
    }
    String key = r.method() + " " + r.path().replaceAll("\\?.*", "");
    return attempts.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement() % 2 == 0;
  }
}
