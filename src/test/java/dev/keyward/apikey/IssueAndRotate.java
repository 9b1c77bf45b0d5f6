package dev.keyward.apikey;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import java.time.Duration;

/**
 * The scenario the API fault tests run under their faults: issue {@code keys} Agent keys, move the
 * clock so each rotates once, and check the invariants after each step: one key per version, the
 * Secret's current key is the one status describes, and the first key stays as the previous one.
 */
final class IssueAndRotate {

  private IssueAndRotate() {}

  static void run(OperatorHarness kw, String prefix, int keys) {
    String[] first = new String[keys];
    for (int i = 0; i < keys; i++) {
      kw.create(apiKey(prefix + i, s -> s.setType("Agent")));
    }
    for (int i = 0; i < keys; i++) {
      String name = prefix + i;
      kw.awaitApiKey(name, k -> consistent(kw, name, k, 1));
      first[i] = value(kw.secret(name), "apiKey");
    }

    kw.tick(Duration.ofDays(84));
    for (int i = 0; i < keys; i++) {
      String name = prefix + i;
      ApiKey rotated = kw.awaitApiKey(name, k -> consistent(kw, name, k, 2));
      assertThat(value(kw.secret(name), "apiKey.previous")).as(name).isEqualTo(first[i]);
      assertThat(rotated.getStatus().getPreviousKey().getFingerprint())
          .isEqualTo(KeyFormat.fingerprint(first[i]));
    }
  }

  /** Active at {@code version}, with the Secret holding the key status describes. */
  static boolean consistent(OperatorHarness kw, String name, ApiKey k, int version) {
    if (k.getStatus() == null || !"Active".equals(k.getStatus().getPhase())) {
      return false;
    }
    String current = value(kw.secret(name), "apiKey");
    return Integer.valueOf(version).equals(k.getStatus().getKeyVersion())
        && current != null
        && KeyFormat.fingerprint(current).equals(k.getStatus().getFingerprint());
  }
}
