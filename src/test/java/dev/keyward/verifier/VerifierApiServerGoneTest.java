package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.testing.MutableClock;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The API server going away after the first sync: the verifier keeps answering from its cache, and
 * its staleness metric shows how long it has not heard from the API server. Runs on a mock server
 * of its own, which the test stops.
 */
class VerifierApiServerGoneTest {

  @Test
  void keepsAnsweringFromTheCacheAndShowsItsStaleness() throws Exception {
    var expectations =
        new HashMap<
            io.fabric8.mockwebserver.ServerRequest,
            java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            new KubernetesMixedDispatcher(expectations),
            false);
    server.init();
    String key = KeyFormat.generate("kw_", 32);
    try (KubernetesClient admin = server.createClient();
        KubernetesClient client =
            new KubernetesClientBuilder().withConfig(admin.getConfiguration()).build()) {
      TestApiServer.installCrds(admin, false); // its own mock server, whatever the run's backend
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName("gone").endMetadata().build())
          .create();
      ApiKey apiKey = TestApiKeys.apiKey("cached", s -> {});
      apiKey.getMetadata().setNamespace("gone");
      admin.resources(ApiKey.class).inNamespace("gone").resource(apiKey).create();
      admin
          .resources(ApiKey.class)
          .inNamespace("gone")
          .withName("cached")
          .editStatus(
              k -> {
                ApiKeyStatus s = new ApiKeyStatus();
                s.setPhase("Active");
                s.setKeyVersion(1);
                s.setKeyHash(KeyFormat.keyHash(key));
                k.setStatus(s);
                return k;
              });

      try (Verifier verifier =
          new Verifier(
              Verifier.Settings.of(client, new MutableClock())
                  .withWatchedNamespaces(Set.of("gone"))
                  .withHttpPort(0)
                  .withUsageWriteEvery(Duration.ofHours(1)))) {
        verifier.start();
        OperatorHarness.waiting()
            .until(
                () ->
                    RawHttp.get(verifier.httpPort(), "/v1/verify", "X-API-Key: " + key).status()
                        == 200);
        OperatorHarness.waiting().until(() -> verifier.registry().stalenessSeconds() < 1.5);

        server.destroy();
        OperatorHarness.waiting().until(() -> verifier.registry().stalenessSeconds() > 2);

        assertThat(RawHttp.get(verifier.httpPort(), "/v1/verify", "X-API-Key: " + key).status())
            .isEqualTo(200);
        assertThat(RawHttp.get(verifier.httpPort(), "/readyz").status()).isEqualTo(200);
        String metrics = RawHttp.get(verifier.httpPort(), "/metrics").body();
        String staleness =
            metrics
                .lines()
                .filter(l -> l.startsWith("keyward_verifier_cache_staleness_seconds "))
                .findFirst()
                .orElseThrow();
        assertThat(Double.parseDouble(staleness.substring(staleness.indexOf(' ') + 1)))
            .isGreaterThan(2);
        assertThat(metrics).doesNotContain(key);
      }
    }
  }
}
