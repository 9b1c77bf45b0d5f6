package dev.keyward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.ScopeRbac;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier benchmark's set-up (P6-P8), small and on the test API server of the run, so what it
 * does is checked on both backends without running the benchmark: its keys carry status as the
 * operator leaves it, and a verifier started as the benchmark starts one (its own JVM, the
 * benchmark's kubeconfig) becomes ready and accepts them, also with {@code --owner-check}.
 */
class VerifierBenchSetupTest {

  @TempDir Path dir;

  @Test
  void aVerifierStartedAsTheBenchmarkStartsOneAcceptsTheBenchmarksKeys() throws Exception {
    TestApiServer api = TestApiServer.get();
    KubernetesClient admin = api.admin();
    String ns = "bench-setup-" + UUID.randomUUID().toString().substring(0, 8);
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    if (TestApiServer.isMock()) {
      // The mock has no RBAC: its SubjectAccessReview expectation answers from these grants.
      ScopeRbac.grantUser(ns, VerifierBench.OWNER);
    }
    VerifierBench.grantOwner(admin, ns);

    // Both backends drop status from a create (the CRD has a status subresource), so a set-up
    // that wrote keyHash in the create would leave keys the verifier cannot know, on either.
    ApiKey withStatus = TestApiKeys.apiKey("status-in-create", spec -> {});
    withStatus.getMetadata().setNamespace(ns);
    ApiKeyStatus status = new ApiKeyStatus();
    status.setPhase("Active");
    status.setKeyHash(KeyFormat.keyHash(KeyFormat.generate(KeyFormat.STANDARD_PREFIX, 32)));
    withStatus.setStatus(status);
    assertThat(admin.resource(withStatus).create().getStatus()).isNull();

    String[] keys = VerifierBench.createKeys(admin, ns, 3);

    // Status went through the status subresource: the server kept it.
    for (int i = 0; i < keys.length; i++) {
      ApiKey stored =
          admin
              .resources(ApiKey.class)
              .inNamespace(ns)
              .withName(String.format("bench-%05d", i))
              .get();
      assertThat(stored.getStatus()).isNotNull();
      assertThat(stored.getStatus().getKeyHash()).isEqualTo(KeyFormat.keyHash(keys[i]));
      assertThat(stored.getStatus().getPhase()).isEqualTo("Active");
    }

    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, Kubeconfigs.of(api.config()));
    try (VerifierBench.Child verifier =
        VerifierBench.verifier(dir, kubeconfig, ns, "--owner-check")) {
      verifier.awaitReady();
      // A creator's first owner check waits at most a second for the API server's answer and
      // says 503 OWNER_CHECK_UNAVAILABLE past it (a busy test JVM serves the mock); the answer
      // that counts is the one once the review is in.
      for (String key : keys) {
        OperatorHarness.waiting()
            .untilAsserted(
                () -> {
                  RawHttp.Response answer =
                      RawHttp.get(
                          verifier.port,
                          "/v1/verify?scope=" + VerifierBench.SCOPE + "&namespace=" + ns,
                          "Authorization: Bearer " + key);
                  assertThat(answer.status()).as("code %s", answer.code()).isEqualTo(200);
                });
      }
    }
  }

  @Test
  void theKubeconfigAChildGetsCarriesTheClientsCredentials() throws Exception {
    String ca = b64("ca");
    Config withCertificate =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("https://127.0.0.1:6443")
            .withCaCertData(ca)
            .withClientCertData(b64("client certificate"))
            .withClientKeyData(b64("client key"))
            .build();
    Config read = Config.fromKubeconfig(Kubeconfigs.of(withCertificate));
    assertThat(read.getMasterUrl()).startsWith("https://127.0.0.1:6443");
    assertThat(read.getCaCertData()).isEqualTo(ca);
    assertThat(read.isTrustCerts()).isFalse();
    assertThat(read.getClientCertData()).isEqualTo(b64("client certificate"));
    assertThat(read.getClientKeyData()).isEqualTo(b64("client key"));

    Config withToken =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("https://127.0.0.1:6443")
            .withTrustCerts(true)
            .withOauthToken("token-of-the-benchmark")
            .build();
    read = Config.fromKubeconfig(Kubeconfigs.of(withToken));
    assertThat(read.isTrustCerts()).isTrue();
    // fabric8 keeps a kubeconfig's token as its "auto" token.
    assertThat(read.getAutoOAuthToken()).isEqualTo("token-of-the-benchmark");
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
