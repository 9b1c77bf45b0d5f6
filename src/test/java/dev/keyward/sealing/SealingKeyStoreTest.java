package dev.keyward.sealing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.MutableClock;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SealingKeyStoreTest {

  final KubernetesClient client = TestApiServer.get().admin();
  final MutableClock clock = new MutableClock();
  String namespace;

  @BeforeEach
  void namespace() {
    namespace = "seal-" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
  }

  private SealingKeyStore store() {
    return new SealingKeyStore(client, namespace, clock, Duration.ofDays(30));
  }

  private Secret secret() {
    return client.secrets().inNamespace(namespace).withName(SealingKeyStore.SECRET_NAME).get();
  }

  private ConfigMap configMap() {
    return client
        .configMaps()
        .inNamespace(namespace)
        .withName(SealingKeyStore.CONFIG_MAP_NAME)
        .get();
  }

  @Test
  void firstStartCreatesTheKeysetAndPublishesItsPublicHalf() {
    SealingKeys keys = store().ensure();
    assertThat(secret().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "keyward");
    assertThat(SealingKeys.fromJson(decoded(secret())).primaryKeyId())
        .isEqualTo(keys.primaryKeyId());
    assertThat(configMap().getData().get("keyset.json")).isEqualTo(keys.publicKeys().toJson());
    assertThat(configMap().getData().get("keyset.json")).doesNotContain(decoded(secret()));
  }

  @Test
  void aSecondStartWritesNothing() {
    store().ensure();
    String secretVersion = secret().getMetadata().getResourceVersion();
    String mapVersion = configMap().getMetadata().getResourceVersion();
    SealingKeyStore again = store();
    again.ensure();
    again.ensure();
    assertThat(secret().getMetadata().getResourceVersion()).isEqualTo(secretVersion);
    assertThat(configMap().getMetadata().getResourceVersion()).isEqualTo(mapVersion);
  }

  @Test
  void twoReplicasStartingTogetherEndWithOneKeyset() throws Exception {
    for (int round = 0; round < 5; round++) {
      namespace();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<SealingKeys>> results =
          List.of(
              pool.submit(
                  () -> {
                    go.await();
                    return store().ensure();
                  }),
              pool.submit(
                  () -> {
                    go.await();
                    return store().ensure();
                  }));
      go.countDown();
      SealingKeys a = results.get(0).get();
      SealingKeys b = results.get(1).get();
      pool.shutdown();
      assertThat(a.primaryKeyId()).isEqualTo(b.primaryKeyId());
      SealingKeys stored = SealingKeys.fromJson(decoded(secret()));
      assertThat(stored.keyIds()).containsExactly(a.primaryKeyId());
    }
  }

  @Test
  void aNewPrimaryIsAddedWhenTheRotationPeriodPassesAndOldValuesStillOpen() throws Exception {
    SealingKeyStore store = store();
    Instant before = clock.instant();
    SealingKeys first = store.ensure();
    String sealed = first.publicKeys().seal("value-before", namespace, "t");
    Duration untilRotation = store.untilNextRotation();
    // The primary's creation is recorded to the second: the rotation is due 30 days after the
    // second it was created in, less however long this test took to get here.
    Duration elapsed = Duration.between(before, clock.instant());
    assertThat(untilRotation)
        .isLessThanOrEqualTo(Duration.ofDays(30))
        .isGreaterThan(Duration.ofDays(30).minus(elapsed).minusSeconds(1));

    clock.advance(Duration.ofDays(29));
    assertThat(store.ensure().primaryKeyId()).isEqualTo(first.primaryKeyId());
    clock.advance(Duration.ofDays(1));
    SealingKeys second = store.ensure();
    assertThat(second.primaryKeyId()).isNotEqualTo(first.primaryKeyId());
    assertThat(second.keyIds())
        .containsExactlyInAnyOrder(first.primaryKeyId(), second.primaryKeyId());
    assertThat(PublicKeys.fromJson(configMap().getData().get("keyset.json")).primaryKeyId())
        .isEqualTo(second.primaryKeyId());
    assertThat(second.unseal(sealed, namespace, "t").value()).isEqualTo("value-before");

    SealingKeys again = store.ensure();
    assertThat(again.keyIds()).hasSize(2);
  }

  @Test
  void anotherReplicaSeesARotationOnRefresh() {
    SealingKeyStore one = store();
    SealingKeyStore two = store();
    one.ensure();
    two.ensure();
    clock.advance(Duration.ofDays(31));
    SealingKeys rotated = one.ensure();
    assertThat(two.current().primaryKeyId()).isNotEqualTo(rotated.primaryKeyId());
    assertThat(two.refresh().primaryKeyId()).isEqualTo(rotated.primaryKeyId());
  }

  private static String decoded(Secret secret) {
    return new String(
        java.util.Base64.getDecoder().decode(secret.getData().get(SealingKeyStore.KEYSET_KEY)),
        java.nio.charset.StandardCharsets.UTF_8);
  }
}
