package dev.keyward.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's mock stores ApiKeys and Secrets with managedFields, as a real server does. */
class RealServerShapeTest {

  static final KubernetesSerialization JSON = new KubernetesSerialization();

  @Test
  void anApiKeyGetsItsCreatorsEntryAndOnceItHasAStatusTheOperatorsStatusEntry() {
    String created =
        """
        {"apiVersion":"keyward.dev/v1alpha1","kind":"ApiKey",
         "metadata":{"name":"k","namespace":"a","creationTimestamp":"2026-12-07T00:00:00Z",
           "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
         "spec":{"type":"Agent"}}""";
    var key = JSON.unmarshal(RealServerShape.shaped(created), dev.keyward.apikey.ApiKey.class);
    List<ManagedFieldsEntry> entries = key.getMetadata().getManagedFields();
    assertThat(entries)
        .extracting(ManagedFieldsEntry::getManager)
        .containsExactly("kubectl-client-side-apply");
    assertThat(entries.get(0).getFieldsV1().getAdditionalProperties())
        .containsKeys("f:metadata", "f:spec");

    String withStatus =
        created.replace(
            "}}",
            "},\"status\":{\"phase\":\"Active\","
                + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
    key = JSON.unmarshal(RealServerShape.shaped(withStatus), dev.keyward.apikey.ApiKey.class);
    entries = key.getMetadata().getManagedFields();
    assertThat(entries).hasSize(2);
    assertThat(entries.get(1).getSubresource()).isEqualTo("status");
    @SuppressWarnings("unchecked")
    Map<String, Object> status =
        (Map<String, Object>)
            entries.get(1).getFieldsV1().getAdditionalProperties().get("f:status");
    assertThat(status).containsKeys("f:phase", "f:conditions");
    @SuppressWarnings("unchecked")
    Map<String, Object> conditions = (Map<String, Object>) status.get("f:conditions");
    assertThat(conditions).containsKey("k:{\"type\":\"Ready\"}");
  }

  @Test
  void anOwnedSecretIsTheOperatorsAndOtherKindsAreLeftAlone() {
    String secret =
        """
        {"apiVersion":"v1","kind":"Secret","type":"Opaque",
         "metadata":{"name":"k","namespace":"a",
           "ownerReferences":[{"apiVersion":"keyward.dev/v1alpha1","kind":"ApiKey","name":"k",
             "uid":"u1","controller":true}]},
         "data":{"apiKey":"dmFsdWU="}}""";
    Secret shaped = JSON.unmarshal(RealServerShape.shaped(secret), Secret.class);
    assertThat(shaped.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager)
        .containsExactly("keyward");
    assertThat(shaped.getData()).containsEntry("apiKey", "dmFsdWU=");

    String configMap =
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}";
    assertThat(RealServerShape.shaped(configMap)).isEqualTo(configMap);
  }
}
