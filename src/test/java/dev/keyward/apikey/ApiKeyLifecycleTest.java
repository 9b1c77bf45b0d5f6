package dev.keyward.apikey;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ApiKeyLifecycleTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  @Test
  void issuesAgentKeyIntoOwnedSecretAndReportsItMasked() {
    kw.create(apiKey("research-agent", s -> s.setType("Agent")));

    ApiKey key =
        kw.awaitApiKey(
            "research-agent",
            k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    Secret secret = kw.secret("research-agent");
    String value = value(secret, "apiKey");

    assertThat(value).startsWith("kwa_").hasSize(4 + 32 + 6);
    assertThat(KeyFormat.hasValidChecksum(value)).isTrue();
    ApiKeyStatus status = key.getStatus();
    assertThat(status.getKeyVersion()).isEqualTo(1);
    assertThat(status.getMaskedKey())
        .isEqualTo(KeyFormat.mask(value))
        .doesNotContain(value.substring(4, 30));
    assertThat(status.getFingerprint()).isEqualTo(KeyFormat.fingerprint(value));
    assertThat(status.getSecretName()).isEqualTo("research-agent");
    assertThat(status.getObservedGeneration()).isEqualTo(key.getMetadata().getGeneration());
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getController()).isTrue();
              assertThat(o.getUid()).isEqualTo(key.getMetadata().getUid());
            });
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "keyward")
        .containsEntry("keyward.dev/api-key", "research-agent");
    assertThat(kw.eventReasons("research-agent")).contains("Issued");
  }
}
