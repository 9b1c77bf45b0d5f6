package dev.keyward.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.impl.BaseClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the operator's and the verifier's client decode: watch events straight into Keyward's kinds,
 * and objects without the API server's managedFields.
 */
class KeywardClientsTest {

  static final String MANAGED_FIELDS =
      """
      [{"manager":"keyward","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1",
        "fieldsV1":{"f:data":{".":{},"f:api-key":{}},"f:metadata":{"f:labels":{".":{}}}}}]
      """;

  static final String SECRET =
      """
      {"apiVersion":"v1","kind":"Secret","type":"Opaque",
       "metadata":{"name":"k1","namespace":"team-a","resourceVersion":"7",
        "labels":{"app.kubernetes.io/managed-by":"keyward"},
        "annotations":{"keyward.dev/key-version":"3"},
        "ownerReferences":[{"apiVersion":"keyward.dev/v1alpha1","kind":"ApiKey","name":"k1",
          "uid":"uid-k1","controller":true}],
        "managedFields":%s},
       "data":{"api-key":"a3dhX3NlY3JldA=="}}
      """
          .formatted(MANAGED_FIELDS);

  static String event(String kind, String spec) {
    return """
        {"type":"MODIFIED","object":{"apiVersion":"keyward.dev/v1alpha1","kind":"%s",
         "metadata":{"name":"k1","namespace":"team-a","managedFields":%s},"spec":%s}}
        """
        .formatted(kind, MANAGED_FIELDS, spec);
  }

  @Test
  void watchEventsOfKeywardKindsDecodeStraightIntoTheirClasses() {
    // Any client: the kinds are registered through META-INF/services.
    KubernetesSerialization json = new KubernetesSerialization();

    Object apiKey =
        json.unmarshal(event("ApiKey", "{\"type\":\"agent\"}"), WatchEvent.class).getObject();
    Object toolSecret =
        json.unmarshal(event("ToolSecret", "{\"tool\":\"github\"}"), WatchEvent.class).getObject();

    assertThat(apiKey).isInstanceOf(ApiKey.class);
    assertThat(((ApiKey) apiKey).getSpec().getType()).isEqualTo("agent");
    assertThat(toolSecret).isInstanceOf(ToolSecret.class);
    assertThat(((ToolSecret) toolSecret).getSpec().getTool()).isEqualTo("github");
  }

  @Test
  void objectsAreReadWithoutManagedFieldsAndEverythingElseIntact() {
    Secret secret = KeywardClients.json().unmarshal(SECRET, Secret.class);

    assertThat(secret.getMetadata().getManagedFields()).isEmpty();
    assertThat(secret.getMetadata().getAdditionalProperties()).isEmpty();
    assertThat(secret.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "keyward");
    assertThat(secret.getMetadata().getAnnotations()).containsEntry("keyward.dev/key-version", "3");
    assertThat(secret.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo("uid-k1");
    assertThat(secret.getData()).containsEntry("api-key", "a3dhX3NlY3JldA==");

    ApiKey apiKey =
        (ApiKey)
            KeywardClients.json()
                .unmarshal(event("ApiKey", "{\"type\":\"agent\"}"), WatchEvent.class)
                .getObject();
    assertThat(apiKey.getMetadata().getManagedFields()).isEmpty();
    assertThat(apiKey.getMetadata().getName()).isEqualTo("k1");
  }

  @Test
  void theStockJsonKeepsManagedFields() {
    // The contrast that shows the test above is about Keyward's client, not fabric8's default.
    Secret secret = new KubernetesSerialization().unmarshal(SECRET, Secret.class);

    assertThat(secret.getMetadata().getManagedFields()).hasSize(1);
  }

  @Test
  void writesCarryNoManagedFields() {
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName("k1")
            .withManagedFields(new ManagedFieldsEntryBuilder().withManager("someone").build())
            .endMetadata()
            .addToData("api-key", "a3dhX3NlY3JldA==")
            .build();

    String written = KeywardClients.json().asJson(secret);

    assertThat(written).doesNotContain("managedFields").contains("\"name\":\"k1\"");
  }

  @Test
  void onceSwitchedOnATaskHandedOverOnAnEventLoopRunsThereAnyOtherOnThePool() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (KubernetesClient client = KeywardClients.builder(new ConfigBuilder().build()).build()) {
      assertThat(threadsOf(vertx, client)).as("off: handed to the pool").isNotEqualTo("inline");

      KeywardClients.handleEventsOnEventLoop(client, true);
      assertThat(threadsOf(vertx, client)).isEqualTo("inline");
      CompletableFuture<String> offLoop = new CompletableFuture<>();
      client
          .adapt(BaseClient.class)
          .getExecutor()
          .execute(() -> offLoop.complete(Thread.currentThread().getName()));
      assertThat(offLoop.get(5, TimeUnit.SECONDS)).isEqualTo("kube-client");

      KeywardClients.handleEventsOnEventLoop(client, false);
      assertThat(threadsOf(vertx, client)).isNotEqualTo("inline");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  /** "inline" when a task handed over on an event loop ran there before execute returned. */
  private static String threadsOf(Vertx vertx, KubernetesClient client) throws Exception {
    CompletableFuture<String> result = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          Thread loop = Thread.currentThread();
          Thread[] ran = new Thread[1];
          client
              .adapt(BaseClient.class)
              .getExecutor()
              .execute(() -> ran[0] = Thread.currentThread());
          result.complete(ran[0] == loop ? "inline" : "handed over");
        });
    return result.get(5, TimeUnit.SECONDS);
  }
}
