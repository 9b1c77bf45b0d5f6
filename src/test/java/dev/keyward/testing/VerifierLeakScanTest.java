package dev.keyward.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The verifier's leak scan can fail, on a log line and on /metrics, and shows no key itself. */
class VerifierLeakScanTest {

  @RegisterExtension final VerifierHarness kv = new VerifierHarness();

  @Test
  void aKeyInTheLogIsCaught() throws Exception {
    kv.startSynced();
    String key = kv.newKey();
    kv.assertNoKeyLeft();

    LogCapture.record("verifying " + key);
    assertThatThrownBy(kv::assertNoKeyLeft)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("1 presented key(s)")
        .hasMessageNotContaining(key);
    kv.forget(key);
  }

  @Test
  void aKeyInAMetricLabelIsCaught() throws Exception {
    kv.startSynced();
    String key = kv.newKey();
    kv.verifier().metrics().registry().counter("oops", "key", key).increment();
    assertThatThrownBy(kv::assertNoKeyLeft)
        .isInstanceOf(AssertionError.class)
        .hasMessageNotContaining(key);
    kv.forget(key);
  }
}
