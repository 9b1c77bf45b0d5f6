package dev.keyward.runtime;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.OperatorHarness.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.sealing.SealingKeys;
import dev.keyward.testing.MutableClock;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas without leader election, started at the same moment on an empty namespace:
 * one sealing keyset, and every ApiKey ends with one key that its status describes.
 */
class TwoReplicasTest {

  final TestApiServer server = TestApiServer.get();
  final List<KeywardOperator> operators = new ArrayList<>();
  final List<KubernetesClient> clients = new ArrayList<>();

  @AfterEach
  void stop() {
    operators.forEach(KeywardOperator::close);
    clients.forEach(KubernetesClient::close);
  }

  @Test
  void twoReplicasStartingTogetherShareOneKeysetAndIssueOneKeyEach() throws Exception {
    String ns = "race-" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    server
        .admin()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    MutableClock clock = new MutableClock();
    for (int i = 0; i < 2; i++) {
      KubernetesClient client = new KubernetesClientBuilder().withConfig(server.config()).build();
      clients.add(client);
      operators.add(
          new KeywardOperator(
              KeywardOperator.Settings.of(client, clock)
                  .withOperatorNamespace(ns)
                  .withWatchedNamespaces(Set.of(ns))
                  .withConcurrency(4)));
    }
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> starters = new ArrayList<>();
    for (KeywardOperator operator : operators) {
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                operator.start();
              });
      t.start();
      starters.add(t);
    }
    go.countDown();
    for (Thread t : starters) {
      t.join();
    }

    Secret keyset =
        server.admin().secrets().inNamespace(ns).withName(SealingKeyStore.SECRET_NAME).get();
    SealingKeys stored =
        SealingKeys.fromJson(
            new String(
                Base64.getDecoder().decode(keyset.getData().get(SealingKeyStore.KEYSET_KEY)),
                StandardCharsets.UTF_8));
    assertThat(stored.keyIds()).hasSize(1);
    assertThat(operators)
        .allSatisfy(
            o ->
                assertThat(o.sealingKeys().current().primaryKeyId())
                    .isEqualTo(stored.primaryKeyId()));

    for (int i = 0; i < 5; i++) {
      ApiKey key = TestApiKeys.apiKey("raced-" + i, s -> s.setType("Agent"));
      key.getMetadata().setNamespace(ns);
      server.admin().resource(key).create();
    }
    for (int i = 0; i < 5; i++) {
      String name = "raced-" + i;
      ApiKey active =
          waiting()
              .until(
                  () -> server.admin().resources(ApiKey.class).inNamespace(ns).withName(name).get(),
                  k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
      waiting()
          .until(
              () -> {
                ApiKey k =
                    server.admin().resources(ApiKey.class).inNamespace(ns).withName(name).get();
                String current =
                    value(server.admin().secrets().inNamespace(ns).withName(name).get(), "apiKey");
                return current != null
                    && KeyFormat.fingerprint(current).equals(k.getStatus().getFingerprint());
              });
      ApiKey settled = server.admin().resources(ApiKey.class).inNamespace(ns).withName(name).get();
      assertThat(settled.getStatus().getKeyVersion()).as(name).isEqualTo(1);
      assertThat(active.getStatus().getKeyVersion()).as(name).isEqualTo(1);
    }
  }
}
