package dev.keyward.apikey;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeded random crashes: issue, rotate or revoke a key, kill the operator before a randomly chosen
 * write (the first, second, third or fourth the operation sends; a number past the last one means a
 * crash after everything), restart it, and check the invariants. The seed of a failing run is in
 * the failure message; {@code -Dkeyward.crash.seed=N -Dkeyward.crash.runs=1} replays it.
 *
 * <p>A seed fixes the operation and the write the operator is killed at: a write number past the
 * operation's last write kills the operator once the operation's final status is on the server (the
 * status patch is always its last write), never after a timeout, so the same seed crashes at the
 * same point on a fast or a busy machine. It does not fix the order in which the operator's threads
 * and informers run; the checks after the restart wait for the exact state they assert.
 */
class ApiKeyCrashFuzzTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static final int RUNS = Integer.getInteger("keyward.crash.runs", 100);
  static final long SEED = Long.getLong("keyward.crash.seed", 20261122L);

  enum Operation {
    ISSUE,
    ROTATE,
    REVOKE
  }

  private final Map<String, Integer> tally = new java.util.TreeMap<>();

  @Test
  void invariantsHoldAfterACrashAtAnyWrite() throws Exception {
    for (int run = 0; run < RUNS; run++) {
      long seed = SEED + run;
      try {
        crashOnce(run, new Random(seed));
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "crash run "
                + run
                + " failed; replay with -Dkeyward.crash.seed="
                + seed
                + " -Dkeyward.crash.runs=1 (same operation and kill point): "
                + e.getMessage(),
            e);
      }
    }
    System.out.printf(
        "%d crash runs from seed %d (operation, write killed at: runs): %s%n", RUNS, SEED, tally);
  }

  private static Predicate<RequestLog.Request> nthWrite(int n) {
    int[] seen = {0};
    return r -> r.isObjectWrite() && ++seen[0] == n;
  }

  private ApiKey active(String name) {
    return kw.awaitApiKey(
        name, k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
  }

  /** The status the operation ends with: the last write it sends. */
  private static boolean settled(Operation op, ApiKey k, int versionBefore) {
    if (k == null || k.getStatus() == null || k.getStatus().getKeyVersion() == null) {
      return false;
    }
    int version = k.getStatus().getKeyVersion();
    return switch (op) {
      case ISSUE -> "Active".equals(k.getStatus().getPhase()) && version == 1;
      case ROTATE -> "Active".equals(k.getStatus().getPhase()) && version == versionBefore + 1;
      case REVOKE -> "Revoked".equals(k.getStatus().getPhase()) && version == versionBefore;
    };
  }

  private void crashOnce(int run, Random random) throws Exception {
    Operation op = Operation.values()[random.nextInt(3)];
    int write = 1 + random.nextInt(4);
    String name = "fuzz-" + run;

    String before = null;
    int versionBefore = 0;
    Runnable trigger;
    if (op == Operation.ISSUE) {
      trigger = () -> kw.create(apiKey(name, s -> s.setType("Agent")));
    } else {
      kw.create(apiKey(name, s -> s.setType("Agent")));
      ApiKey v = active(name);
      versionBefore = v.getStatus().getKeyVersion();
      before = value(kw.secret(name), "apiKey");
      trigger =
          op == Operation.ROTATE
              ? () ->
                  kw.edit(
                      name,
                      k -> {
                        k.getMetadata().setAnnotations(Map.of(ApiKey.ROTATE_ANNOTATION, "r" + run));
                        return k;
                      })
              : () ->
                  kw.edit(
                      name,
                      k -> {
                        k.getSpec().setRevoked(true);
                        return k;
                      });
    }

    int version = versionBefore;
    boolean caught =
        kw.crashAt(nthWrite(write), trigger, () -> settled(op, kw.apiKey(name), version));
    tally.merge(op + " " + (caught ? "write " + write : "after all writes"), 1, Integer::sum);
    kw.start();
    kw.resync();

    ApiKey settled =
        kw.awaitApiKey(
            name,
            k -> {
              if (!settled(op, k, version)) {
                return false;
              }
              String current = value(kw.secret(name), "apiKey");
              return op == Operation.REVOKE
                  ? current == null
                  : current != null
                      && KeyFormat.fingerprint(current).equals(k.getStatus().getFingerprint());
            });
    Secret secret = kw.secret(name);
    switch (op) {
      case ISSUE ->
          assertThat(settled.getStatus().getKeyVersion()).as("%s version", op).isEqualTo(1);
      case ROTATE -> {
        assertThat(settled.getStatus().getKeyVersion())
            .as("%s at write %d: exactly one new version", op, write)
            .isEqualTo(versionBefore + 1);
        assertThat(value(secret, "apiKey.previous"))
            .as("%s at write %d: the old key stays valid during the overlap", op, write)
            .isEqualTo(before);
      }
      case REVOKE -> {
        assertThat(secret.getData()).as("%s: every value removed", op).isNullOrEmpty();
        assertThat(settled.getStatus().getKeyVersion()).isEqualTo(versionBefore);
      }
    }
  }
}
