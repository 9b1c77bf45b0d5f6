package dev.keyward.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The leak scan every operator test ends with can fail, and its failure shows no value. */
class LeakScanTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  @Test
  void aValuePrintedToTheLogIsCaught() {
    String value = "leaky-value-0123456789";
    kw.admin()
        .secrets()
        .resource(TestToolSecrets.plainSecret(kw.namespace(), "source", "token", value))
        .create();
    kw.assertNoValueLeft();

    LogCapture.record("oops: " + value);
    assertThatThrownBy(kw::assertNoValueLeft)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("1 secret value(s)")
        .hasMessageNotContaining(value);

    kw.admin().secrets().inNamespace(kw.namespace()).withName("source").delete();
  }
}
