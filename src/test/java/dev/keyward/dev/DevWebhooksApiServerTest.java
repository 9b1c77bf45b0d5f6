package dev.keyward.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyward.admission.CreatedBy;
import dev.keyward.apikey.ApiKey;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DevWebhooks#install} against the test API server. A real kube-apiserver calls the webhook
 * dev serves on 127.0.0.1 with the caBundle dev registered: an ApiKey created afterwards carries
 * its creator, the admin's user name. The mock calls no webhook: there {@code install} stops with
 * the URL it waited for, as {@code keyward dev} would, instead of starting with an empty Created By
 * column. The configurations are removed afterwards, so the shared server calls no webhook that is
 * gone.
 */
class DevWebhooksApiServerTest {

  @TempDir Path dir;

  @Test
  void theApiServerCallsTheWebhookDevRegistersOrDevSaysItDoesNot() throws Exception {
    KubernetesClient admin = TestApiServer.get().admin();
    String ns = "dev-webhook-" + UUID.randomUUID().toString().substring(0, 8);
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    try (DevWebhooks webhooks = DevWebhooks.start(dir, 0, null, "keyward-system")) {
      try {
        if (TestApiServer.isMock()) {
          assertThatThrownBy(() -> webhooks.install(admin, Duration.ofSeconds(2)))
              .isInstanceOf(IllegalStateException.class)
              .hasMessageContaining(
                  "does not call the admission webhook on https://127.0.0.1:"
                      + webhooks.port()
                      + "/mutate");
        } else {
          webhooks.install(admin, Duration.ofSeconds(30));
          String me =
              admin
                  .authentication()
                  .v1()
                  .selfSubjectReviews()
                  .create(new SelfSubjectReview())
                  .getStatus()
                  .getUserInfo()
                  .getUsername();
          ApiKey key = TestApiKeys.apiKey("created-in-dev", spec -> {});
          key.getMetadata().setNamespace(ns);
          ApiKey created = admin.resource(key).create();
          assertThat(CreatedBy.of(created)).isEqualTo(me);
        }
      } finally {
        admin.resources(MutatingWebhookConfiguration.class).withName(DevWebhooks.NAME).delete();
        admin.resources(ValidatingWebhookConfiguration.class).withName(DevWebhooks.NAME).delete();
        // The mock stores a dry run as a create.
        admin.resource(DevWebhooks.probe()).delete();
        if (!TestApiServer.isMock()) {
          // Serve until the API server has dropped the configurations: with failurePolicy Fail,
          // a call to a closed webhook would refuse the next test's writes.
          OperatorHarness.waiting()
              .until(
                  () ->
                      CreatedBy.of(admin.resource(DevWebhooks.probe()).dryRun().create()) == null);
        }
      }
    }
  }
}
