package dev.keyward.apikey;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kills the operator between the Secret write and the status write, restarts it, and checks that
 * the Secret and status agree, the key version moved by exactly one, and no key was lost.
 */
class ApiKeyCrashTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static Predicate<RequestLog.Request> statusWriteOf(String name) {
    return r -> "PATCH".equals(r.method()) && r.path().endsWith("/apikeys/" + name + "/status");
  }

  @Test
  void crashAfterIssuingRecoversTheIssuedKeyInsteadOfIssuingAnother() throws Exception {
    kw.killAt(statusWriteOf("crash"), () -> kw.create(apiKey("crash", s -> s.setType("Agent"))));

    Secret written = kw.secret("crash");
    String issued = value(written, "apiKey");
    assertThat(issued).as("the Secret is written before status").isNotNull();
    assertThat(kw.apiKey("crash").getStatus()).as("status was never written").isNull();

    kw.start();

    ApiKey recovered =
        kw.awaitApiKey(
            "crash", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    assertThat(recovered.getStatus().getKeyVersion()).isEqualTo(1);
    assertThat(recovered.getStatus().getFingerprint()).isEqualTo(KeyFormat.fingerprint(issued));
    assertThat(value(kw.secret("crash"), "apiKey")).isEqualTo(issued);
    assertThat(recovered.getStatus().getIssuedAt())
        .isEqualTo(written.getMetadata().getAnnotations().get("keyward.dev/issued-at"));
  }

  @Test
  void crashDuringRotationNeitherLosesTheOldKeyNorRotatesTwice() throws Exception {
    kw.create(apiKey("rot", s -> s.setType("Agent")));
    ApiKey v1 =
        kw.awaitApiKey(
            "rot", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    String oldKey = value(kw.secret("rot"), "apiKey");

    kw.killAt(statusWriteOf("rot"), () -> kw.tick(Duration.ofDays(83)));

    Secret written = kw.secret("rot");
    String newKey = value(written, "apiKey");
    assertThat(newKey).isNotEqualTo(oldKey);
    assertThat(value(written, "apiKey.previous")).isEqualTo(oldKey);
    assertThat(kw.apiKey("rot").getStatus().getKeyVersion()).as("status still at v1").isEqualTo(1);

    kw.start();
    kw.resync();

    ApiKey recovered =
        kw.awaitApiKey("rot", k -> Integer.valueOf(2).equals(k.getStatus().getKeyVersion()));
    assertThat(recovered.getStatus().getFingerprint()).isEqualTo(KeyFormat.fingerprint(newKey));
    assertThat(recovered.getStatus().getPreviousKey().getFingerprint())
        .isEqualTo(v1.getStatus().getFingerprint());
    assertThat(recovered.getStatus().getPreviousKey().getValidUntil())
        .isEqualTo(v1.getStatus().getExpiresAt());
    Secret after = kw.secret("rot");
    assertThat(value(after, "apiKey")).isEqualTo(newKey);
    assertThat(value(after, "apiKey.previous")).isEqualTo(oldKey);
  }
}
