package dev.keyward.verifier;

import static dev.keyward.verifier.VerifierForwardAuthTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.apikey.StatusGuard;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's path, operator and verifier together on one API server: a key the operator issues is
 * accepted with the key from its Secret, both keys during a rotation's overlap, neither after a
 * revocation; the verifier's lastUsedAt survives the operator's status writes and rotations.
 */
class VerifierWithOperatorTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  private KubernetesClient client;
  private Verifier verifier;

  @BeforeEach
  void startVerifier() throws Exception {
    client = new KubernetesClientBuilder().withConfig(TestApiServer.get().config()).build();
    verifier =
        new Verifier(
            Verifier.Settings.of(client, kw.clock())
                .withWatchedNamespaces(Set.of(kw.namespace()))
                .withHttpPort(0)
                .withUsageGranularity(Duration.ofMinutes(1))
                .withUsageWriteEvery(Duration.ofHours(1)));
    verifier.start();
    OperatorHarness.waiting().until(verifier::synced);
  }

  @AfterEach
  void stopVerifier() {
    verifier.close();
    client.close();
  }

  @Test
  void keysTheOperatorIssuesAreVerifiedThroughRotationAndRevocation() throws Exception {
    kw.create(TestApiKeys.apiKey("orders-client", s -> s.setScopes(List.of("orders:read"))));
    kw.awaitApiKey(
        "orders-client", k -> k.getStatus() != null && k.getStatus().getKeyHash() != null);
    String first = OperatorHarness.value(kw.secret("orders-client"), "apiKey");
    awaitStatus(first, 200);
    RawHttp.Response ok = verify(first, "?scope=orders:read");
    assertThat(ok.header("X-Keyward-ApiKey")).isEqualTo(kw.namespace() + "/orders-client");
    assertThat(ok.header("X-Keyward-Key-Version")).isEqualTo("1");
    assertRefused(verify(first, "?scope=orders:write"), 403, "INSUFFICIENT_SCOPE");

    assertThat(verifier.writeUsageNow()).isEqualTo(1);
    String lastUsed =
        kw.awaitApiKey("orders-client", k -> k.getStatus().getLastUsedAt() != null)
            .getStatus()
            .getLastUsedAt();

    kw.edit(
        "orders-client",
        k -> {
          k.getMetadata().setAnnotations(Map.of(ApiKey.ROTATE_ANNOTATION, "now"));
          return k;
        });
    kw.awaitApiKey(
        "orders-client",
        k -> k.getStatus().getKeyVersion() == 2 && k.getStatus().getPreviousKey() != null);
    String second = OperatorHarness.value(kw.secret("orders-client"), "apiKey");
    awaitStatus(second, 200);
    assertThat(verify(second, "").header("X-Keyward-Key-Version")).isEqualTo("2");
    assertThat(verify(first, "").header("X-Keyward-Key-Version")).isEqualTo("1");
    var rotated = kw.apiKey("orders-client").getStatus();
    assertThat(rotated.getPreviousKey().getLastUsedAt())
        .as("the first key's use moves with it to previousKey")
        .isEqualTo(lastUsed);
    assertThat(rotated.getKeyLastUsedAt()).as("the new key has not been used").isNull();
    assertThat(rotated.getLastUsedAt())
        .as("the ApiKey's last use is kept through the rotation, not blanked")
        .isEqualTo(lastUsed);

    kw.edit(
        "orders-client",
        k -> {
          k.getSpec().setRevoked(true);
          return k;
        });
    awaitStatus(second, 401);
    assertRefused(verify(second, ""), 401, "REVOKED");
    assertRefused(verify(first, ""), 401, "REVOKED");

    String metrics = RawHttp.get(verifier.httpPort(), "/metrics").body();
    assertThat(metrics).doesNotContain(first).doesNotContain(second);
  }

  @Test
  void aForgedKeyHashInStatusIsPutBackAndTheForgedKeyRefused() throws Exception {
    kw.create(TestApiKeys.apiKey("admin-key", s -> s.setScopes(List.of("admin"))));
    ApiKey issued =
        kw.awaitApiKey(
            "admin-key", k -> k.getStatus() != null && k.getStatus().getKeyHash() != null);
    String genuineHash = issued.getStatus().getKeyHash();
    String genuine = OperatorHarness.value(kw.secret("admin-key"), "apiKey");
    awaitStatus(genuine, 200);
    String forged = KeyFormat.generate("kw_", 32);
    assertRefused(verify(forged, ""), 401, "UNKNOWN");

    // What anyone with patch on apikeys/status could send (the verifier's own account included).
    long sent = System.nanoTime();
    kw.admin()
        .resource(issued)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"keyHash\":\"" + KeyFormat.keyHash(forged) + "\",\"keyVersion\":9}}");

    ApiKey restored =
        kw.awaitApiKey(
            "admin-key",
            k ->
                genuineHash.equals(k.getStatus().getKeyHash())
                    && Integer.valueOf(1).equals(k.getStatus().getKeyVersion()));
    System.out.printf(
        "forged keyHash put back %d ms after the patch was sent%n",
        (System.nanoTime() - sent) / 1_000_000);
    assertThat(restored.getStatus().getPhase()).isEqualTo("Active");
    awaitStatus(forged, 401);
    assertRefused(verify(forged, ""), 401, "UNKNOWN");
    assertThat(verify(genuine, "?scope=admin").status()).isEqualTo(200);

    OperatorHarness.waiting()
        .until(() -> kw.eventReasons("admin-key").contains(StatusGuard.TAMPERED));
    var warnings =
        kw.events("admin-key").stream()
            .filter(e -> StatusGuard.TAMPERED.equals(e.getReason()))
            .toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0).getType()).isEqualTo("Warning");
    assertThat(warnings.get(0).getMessage())
        .contains("keyHash", "keyVersion")
        .doesNotContain(KeyFormat.keyHash(forged))
        .doesNotContain(genuineHash);
    assertThat(kw.operator().registry().scrape())
        .containsPattern(
            "keyward_api_key_status_tampered_total\\{namespace=\"" + kw.namespace() + "\"} 1.0");
  }

  private RawHttp.Response verify(String key, String query) throws Exception {
    return RawHttp.get(verifier.httpPort(), "/v1/verify" + query, "Authorization: Bearer " + key);
  }

  private void awaitStatus(String key, int status) {
    OperatorHarness.waiting().until(() -> verify(key, "").status() == status);
  }
}
