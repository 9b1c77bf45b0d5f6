package dev.keyward.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * API faults on the operator's writes: conflicts (someone changed the Secret just before Keyward's
 * update, so the server answers 409), failed requests, and slow responses. Every key still
 * converges, with the same invariants as after a crash.
 */
class ApiKeyFaultTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static final int KEYS = 6;

  @Test
  void everyKeyConvergesDespiteConflictsFailuresAndSlowWrites() {
    Random random = new Random(7);
    AtomicInteger conflicts = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    kw.requests()
        .injectFaults(
            r -> {
              if (!r.isWrite() || r.path().contains("keyward-sealing")) {
                return; // the ApiKey controller's writes only
              }
              int dice;
              synchronized (random) {
                dice = random.nextInt(10);
              }
              if (dice < 2) {
                failures.incrementAndGet();
                throw new UncheckedIOException(new IOException("injected failure"));
              }
              if (dice < 4) {
                sleep(150);
              }
              boolean secretUpdate = "PUT".equals(r.method()) && r.path().contains("/secrets/");
              if (secretUpdate && (dice >= 8 || conflicts.get() == 0)) {
                // Someone edits the Secret first: Keyward's update carries a stale
                // resourceVersion and the server answers 409. The first Secret update always
                // meets one: with only a dozen updates, chance alone sometimes injected none.
                String name = r.path().substring(r.path().lastIndexOf('/') + 1);
                conflicts.incrementAndGet();
                kw.admin()
                    .secrets()
                    .inNamespace(kw.namespace())
                    .withName(name)
                    .edit(
                        s -> {
                          s.getMetadata()
                              .getAnnotations()
                              .put("example.com/touched", "" + System.nanoTime());
                          return s;
                        });
              }
            });

    IssueAndRotate.run(kw, "faulty-", KEYS);
    kw.requests().injectFaults(r -> {});
    System.out.printf(
        "fault injection: %d failed writes, %d conflicts injected over %d keys%n",
        failures.get(), conflicts.get(), KEYS);
    assertThat(failures.get()).isPositive();
    assertThat(conflicts.get()).isPositive();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
