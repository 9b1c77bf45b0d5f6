package dev.keyward.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The informer cache keeps what Keyward reads, once: no managedFields, equal strings shared between
 * cached objects (an ApiKey's status and its Secret's annotations), Secret values left alone.
 */
class LeanItemStoreTest {

  static final String HASH = "sha256:" + "ab".repeat(32);

  /** Decoded from JSON, as a watch event is: every string a new instance. */
  static Secret secret(String name) {
    return Serialization.unmarshal(
        """
        {"apiVersion":"v1","kind":"Secret","type":"Opaque",
         "metadata":{"name":"%s","namespace":"team-a","uid":"u-%s",
          "labels":{"app.kubernetes.io/managed-by":"keyward"},
          "annotations":{"keyward.dev/key-hash":"%s"},
          "ownerReferences":[{"apiVersion":"keyward.dev/v1alpha1","kind":"ApiKey",
            "name":"k","uid":"uid-k"}],
          "managedFields":[{"manager":"keyward","operation":"Update",
            "fieldsV1":{"f:data":{".":{}}}}]},
         "data":{"api-key":"a3dhX3NlY3JldA=="}}
        """
            .formatted(name, name, HASH),
        Secret.class);
  }

  static ApiKey apiKey() {
    return Serialization.unmarshal(
        """
        {"apiVersion":"keyward.dev/v1alpha1","kind":"ApiKey",
         "metadata":{"name":"k","namespace":"team-a","uid":"uid-k"},
         "spec":{"type":"Agent"},
         "status":{"phase":"Active","keyHash":"%s",
          "conditions":[{"type":"Ready","status":"True","reason":"KeyActive","message":"ok"}]}}
        """
            .formatted(HASH),
        ApiKey.class);
  }

  @Test
  void managedFieldsAreNotKept() {
    LeanItemStore<Secret> store = new LeanItemStore<>();
    store.put("team-a/s1", secret("s1"));
    assertThat(store.get("team-a/s1").getMetadata().getManagedFields()).isNull();
  }

  @Test
  void equalStringsOfDifferentObjectsAreOneInstance() {
    LeanItemStore<Secret> secrets = new LeanItemStore<>();
    LeanItemStore<ApiKey> keys = new LeanItemStore<>();
    Secret one = secret("s1");
    Secret two = secret("s2");
    ApiKey key = apiKey();
    secrets.put("team-a/s1", one);
    secrets.put("team-a/s2", two);
    keys.put("team-a/k", key);

    assertThat(two.getMetadata().getNamespace()).isSameAs(one.getMetadata().getNamespace());
    assertThat(key.getMetadata().getNamespace()).isSameAs(one.getMetadata().getNamespace());
    assertThat(two.getMetadata().getLabels().get("app.kubernetes.io/managed-by"))
        .isSameAs(one.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    // The owner's name and uid are the ApiKey's own strings.
    assertThat(one.getMetadata().getOwnerReferences().get(0).getUid())
        .isSameAs(key.getMetadata().getUid());
    // The status repeats the Secret's annotation: one instance for both.
    assertThat(key.getStatus().getKeyHash())
        .isSameAs(one.getMetadata().getAnnotations().get("keyward.dev/key-hash"));
    assertThat(key.getStatus().getConditions().get(0).getReason()).isSameAs("KeyActive".intern());
  }

  @Test
  void secretValuesAreLeftAsDecoded() {
    Secret one = secret("s1");
    Map<String, String> data = one.getData();
    String value = data.get("api-key");
    new LeanItemStore<Secret>().put("team-a/s1", one);
    assertThat(one.getData()).isSameAs(data);
    // Not swapped for the one shared instance (this literal) as every other string is.
    assertThat(one.getData().get("api-key")).isSameAs(value).isNotSameAs("a3dhX3NlY3JldA==");
  }

  @Test
  void objectsWithoutUnknownFieldsShareOneEmptyMapAndUnknownFieldsStay() {
    Secret one = secret("s1");
    Secret two = secret("s2");
    two.getMetadata().setAdditionalProperty("somethingNew", "kept");
    LeanItemStore<Secret> store = new LeanItemStore<>();
    store.put("team-a/s1", one);
    store.put("team-a/s2", two);
    assertThat(one.getAdditionalProperties()).isEmpty();
    assertThat(one.getAdditionalProperties()).isSameAs(two.getAdditionalProperties());
    assertThat(two.getMetadata().getAdditionalProperties()).containsEntry("somethingNew", "kept");
  }

  @Test
  void keywardKindsAreKeptWithoutKubectlsLastAppliedCopyAndOtherAnnotationsStay() {
    ApiKey key = apiKey();
    key.getMetadata()
        .setAnnotations(
            new java.util.LinkedHashMap<>(
                Map.of(
                    LeanItemStore.LAST_APPLIED,
                    "{\"apiVersion\":\"keyward.dev/v1alpha1\",\"kind\":\"ApiKey\"}",
                    "keyward.dev/rotate",
                    "1")));
    new LeanItemStore<ApiKey>().put("team-a/k", key);
    assertThat(key.getMetadata().getAnnotations())
        .doesNotContainKey(LeanItemStore.LAST_APPLIED)
        .containsEntry("keyward.dev/rotate", "1");

    ApiKey onlyLastApplied = apiKey();
    onlyLastApplied
        .getMetadata()
        .setAnnotations(new java.util.LinkedHashMap<>(Map.of(LeanItemStore.LAST_APPLIED, "{}")));
    new LeanItemStore<ApiKey>().put("team-a/k", onlyLastApplied);
    assertThat(onlyLastApplied.getMetadata().getAnnotations()).isNull();
  }

  @Test
  void secretsKeepTheirLastAppliedCopyBecauseTheyAreWrittenFromTheCache() {
    Secret secret = secret("s1");
    secret.getMetadata().getAnnotations().put(LeanItemStore.LAST_APPLIED, "{}");
    new LeanItemStore<Secret>().put("team-a/s1", secret);
    assertThat(secret.getMetadata().getAnnotations()).containsKey(LeanItemStore.LAST_APPLIED);
  }
}
