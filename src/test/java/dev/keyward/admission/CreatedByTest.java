package dev.keyward.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyward.apikey.ApiKey;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The created-by decision on recorded AdmissionReviews: the patch is applied to the request's
 * object as the API server would, and the test looks at the object that would be stored.
 */
class CreatedByTest {

  static byte[] recorded(String name) throws IOException {
    try (InputStream in = CreatedByTest.class.getResourceAsStream("/admission/" + name)) {
      return in.readAllBytes();
    }
  }

  /** The response to a recorded review. */
  static AdmissionReview answer(String name) throws Exception {
    String json = CreatedBy.review(recorded(name));
    return Serialization.unmarshal(json, AdmissionReview.class);
  }

  /** The object the API server stores: the request's object with the response's patch applied. */
  static JsonNode stored(String name) throws Exception {
    JsonNode request = Serialization.jsonMapper().readTree(recorded(name)).path("request");
    AdmissionResponse response = answer(name).getResponse();
    JsonNode object = request.path("object");
    if (response.getPatch() == null) {
      return object;
    }
    assertThat(response.getPatchType()).isEqualTo("JSONPatch");
    JsonNode patch =
        Serialization.jsonMapper().readTree(Base64.getDecoder().decode(response.getPatch()));
    return JsonPatch.apply(patch, object);
  }

  static String createdBy(JsonNode object) {
    JsonNode value = object.path("metadata").path("annotations").get(CreatedBy.ANNOTATION);
    return value == null ? null : value.asText();
  }

  @Test
  void createRecordsTheRequestingUserAndKeepsOtherAnnotations() throws Exception {
    AdmissionReview review = answer("create-apikey.json");
    assertThat(review.getApiVersion()).isEqualTo("admission.k8s.io/v1");
    assertThat(review.getKind()).isEqualTo("AdmissionReview");
    assertThat(review.getResponse().getUid()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
    assertThat(review.getResponse().getAllowed()).isTrue();
    JsonNode stored = stored("create-apikey.json");
    assertThat(createdBy(stored)).isEqualTo("alice@example.com");
    assertThat(
            stored
                .path("metadata")
                .path("annotations")
                .has("kubectl.kubernetes.io/last-applied-configuration"))
        .isTrue();
    assertThat(stored.path("spec").path("displayName").asText()).isEqualTo("Research agent");
  }

  @Test
  void aCreatorWrittenInTheManifestIsReplacedByTheRealOne() throws Exception {
    assertThat(createdBy(stored("create-toolsecret-spoofed.json")))
        .isEqualTo("system:serviceaccount:argocd:argocd-application-controller");
  }

  @Test
  void aToolGrantRecordsItsCreatorToo() throws Exception {
    assertThat(createdBy(stored("create-toolgrant.json"))).isEqualTo("carol@example.com");
  }

  @Test
  void anObjectWithoutAnnotationsGetsTheAnnotationsMap() throws Exception {
    assertThat(createdBy(stored("create-no-metadata-annotations.json"))).isEqualTo("bob");
  }

  @Test
  void anUpdateThatChangesTheCreatorIsPutBack() throws Exception {
    assertThat(createdBy(stored("update-apikey-changed.json"))).isEqualTo("alice@example.com");
  }

  @Test
  void anUpdateThatRemovesTheCreatorIsPutBack() throws Exception {
    JsonNode stored = stored("update-apikey-removed.json");
    assertThat(createdBy(stored)).isEqualTo("alice@example.com");
    assertThat(stored.path("spec").path("revoked").asBoolean()).isTrue();
  }

  @Test
  void anUpdateThatKeepsTheCreatorIsNotPatched() throws Exception {
    AdmissionResponse response = answer("update-apikey-unchanged.json").getResponse();
    assertThat(response.getAllowed()).isTrue();
    assertThat(response.getPatch()).isNull();
  }

  @Test
  void anotherKindIsAllowedUntouched() throws Exception {
    AdmissionResponse response = answer("create-configmap.json").getResponse();
    assertThat(response.getAllowed()).isTrue();
    assertThat(response.getPatch()).isNull();
    assertThat(response.getUid()).isEqualTo("5e414f20-9c31-4c8d-9d6f-306ecf41ad54");
  }

  @Test
  void aMalformedReviewIsRefusedWithoutADecision() {
    assertThatThrownBy(() -> CreatedBy.review(recorded("no-request.json")))
        .isInstanceOf(CreatedBy.MalformedReviewException.class);
    assertThatThrownBy(() -> CreatedBy.review("{not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CreatedBy.MalformedReviewException.class);
    assertThatThrownBy(() -> CreatedBy.review("[]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CreatedBy.MalformedReviewException.class);
  }

  @Test
  void statusReadsTheRecordedCreator() {
    ApiKey key = new ApiKey();
    key.setMetadata(new ObjectMetaBuilder().withName("k").build());
    assertThat(CreatedBy.of(key)).isNull();
    key.getMetadata().setAnnotations(Map.of(CreatedBy.ANNOTATION, "alice@example.com"));
    assertThat(CreatedBy.of(key)).isEqualTo("alice@example.com");
  }
}
