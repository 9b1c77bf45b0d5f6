package dev.keyward.apikey;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keyward.common.LeanItemStore;
import dev.keyward.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the operator keeps of the objects it watches, and how often its own writes make it look
 * again: an ApiKey as a real API server and {@code kubectl apply} leave it (managedFields, the
 * last-applied copy of the manifest) is cached without either and still issued and rotated; each
 * rotation is one reconcile, not one more for the watch event of the Secret it wrote.
 */
class ApiKeyOwnWritesTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static boolean activeAt(ApiKey k, int version) {
    return k.getStatus() != null
        && "Active".equals(k.getStatus().getPhase())
        && Integer.valueOf(version).equals(k.getStatus().getKeyVersion());
  }

  /** An ApiKey as {@code kubectl apply} sends it, with managedFields as a real server adds them. */
  static ApiKey applied(String name) {
    ApiKey key = apiKey(name, s -> s.setType("Agent"));
    Map<String, String> annotations = new HashMap<>();
    annotations.put(
        LeanItemStore.LAST_APPLIED,
        "{\"apiVersion\":\"keyward.dev/v1alpha1\",\"kind\":\"ApiKey\",\"metadata\":{\"name\":\""
            + name
            + "\"},\"spec\":{\"type\":\"Agent\"}}\n");
    key.getMetadata().setAnnotations(annotations);
    key.getMetadata()
        .setManagedFields(
            List.of(
                new ManagedFieldsEntryBuilder()
                    .withManager("kubectl-client-side-apply")
                    .withOperation("Update")
                    .withApiVersion("keyward.dev/v1alpha1")
                    .withFieldsType("FieldsV1")
                    .withNewFieldsV1()
                    .addToAdditionalProperties("f:spec", Map.of(".", Map.of(), "f:type", Map.of()))
                    .endFieldsV1()
                    .build()));
    return key;
  }

  void requestRotation(String name) {
    kw.edit(
        name,
        k -> {
          Map<String, String> annotations = new HashMap<>();
          if (k.getMetadata().getAnnotations() != null) {
            annotations.putAll(k.getMetadata().getAnnotations());
          }
          annotations.put(ApiKey.ROTATE_ANNOTATION, "once");
          k.getMetadata().setAnnotations(annotations);
          return k;
        });
  }

  @Test
  void cachesApiKeysWithoutManagedFieldsOrTheLastAppliedCopyAndLeavesBothOnTheServer() {
    kw.create(applied("applied"));
    kw.awaitApiKey("applied", k -> activeAt(k, 1));

    ApiKey cached =
        kw.operator()
            .cachedApiKeys()
            .filter(k -> k.getMetadata().getName().equals("applied"))
            .findFirst()
            .orElseThrow();
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getAnnotations())
        .as("annotations of the cached ApiKey")
        .satisfiesAnyOf(
            a -> assertThat(a).isNull(),
            a -> assertThat(a).doesNotContainKey(LeanItemStore.LAST_APPLIED));

    // The operator still rotates it on request, and what it left out of its cache stays on the
    // server: it never writes the ApiKey from its cache.
    requestRotation("applied");
    ApiKey rotated = kw.awaitApiKey("applied", k -> activeAt(k, 2));
    assertThat(rotated.getMetadata().getAnnotations()).containsKey(LeanItemStore.LAST_APPLIED);
    if (dev.keyward.testing.TestApiServer.isMock()) {
      // The mock stores what a client sent; a real server keeps its own bookkeeping.
      assertThat(rotated.getMetadata().getManagedFields())
          .extracting(e -> e.getManager())
          .contains("kubectl-client-side-apply");
    }
  }

  @Test
  void eachRotationIsOneReconcileWhateverTheOrderOfTheSecretsEventAndTheWritesAnswer() {
    int n = 12;
    List<String> names = IntStream.range(0, n).mapToObj(i -> "r" + i).toList();
    names.forEach(name -> kw.create(apiKey(name, s -> s.setType("Agent"))));
    names.forEach(name -> kw.awaitApiKey(name, k -> activeAt(k, 1)));
    // Let the echoes of the first writes arrive before counting.
    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
    Map<String, Integer> before = new HashMap<>();
    names.forEach(name -> before.put(name, kw.reconcileCount(name)));

    names.forEach(this::requestRotation);
    names.forEach(name -> kw.awaitApiKey(name, k -> activeAt(k, 2)));
    // The Secret's and the status's watch events come after the writes; give them time to arrive.
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);

    Map<String, Integer> reconciles = new HashMap<>();
    names.forEach(name -> reconciles.put(name, kw.reconcileCount(name) - before.get(name)));
    assertThat(reconciles)
        .as("reconciles per key for one rotation")
        .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
  }
}
