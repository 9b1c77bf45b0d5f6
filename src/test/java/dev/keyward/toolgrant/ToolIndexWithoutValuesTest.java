package dev.keyward.toolgrant;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestToolGrants.entry;
import static dev.keyward.testing.TestToolGrants.toolGrant;
import static dev.keyward.testing.TestToolGrants.tools;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.toolsecret.ToolIndex;
import dev.keyward.toolsecret.ToolIndexSecret;
import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code --tool-index-values=false} the namespace's tool index carries {@code index.json}
 * only, while a grant still delivers its values; turning it off on a running namespace takes the
 * values out of the existing index.
 */
class ToolIndexWithoutValuesTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static final String LINEAR = "lin_api_0123456789abcdefABCDEF";

  @Test
  void theIndexCarriesIndexJsonOnlyAndTheGrantStillGetsItsValue() {
    kw.configure(s -> s.withToolIndexValues(true));
    kw.restart();
    kw.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(kw.seal(LINEAR, "linear"));
              s.setTool("agno__linear__*");
            }));
    kw.create(toolGrant("agent", tools(entry("agno__linear__list_issues", "api_key", "LINEAR"))));
    waiting()
        .until(
            () -> kw.secret(ToolIndexSecret.DEFAULT_NAME),
            s -> s != null && LINEAR.equals(value(s, "linear")));

    kw.configure(s -> s.withToolIndexValues(false));
    kw.restart();
    Secret index =
        waiting()
            .until(
                () -> kw.secret(ToolIndexSecret.DEFAULT_NAME),
                s -> s != null && s.getData().keySet().equals(java.util.Set.of("index.json")));
    assertThat(
            ToolIndex.fromJson(value(index, ToolIndexSecret.INDEX_KEY))
                .resolve("agno__linear__list_issues", "api_key"))
        .hasValueSatisfying(b -> assertThat(b.name()).isEqualTo("linear"));
    assertThat(value(index, ToolIndexSecret.INDEX_KEY)).doesNotContain(LINEAR);
    Secret delivered =
        waiting()
            .until(
                () -> kw.secret("agent-tools"),
                s -> s != null && LINEAR.equals(ManagedSecrets.decodedData(s).get("LINEAR")));
    assertThat(delivered.getData()).containsOnlyKeys("LINEAR");

    String next = "lin_api_fedcba9876543210FEDCBA";
    kw.editToolSecret(
        "linear",
        t -> {
          t.getSpec().setEncryptedValue(kw.seal(next, "linear"));
          return t;
        });
    waiting()
        .until(
            () -> ManagedSecrets.decodedData(kw.secret("agent-tools")).get("LINEAR"), next::equals);
    assertThat(kw.secret(ToolIndexSecret.DEFAULT_NAME).getData()).containsOnlyKeys("index.json");
  }
}
