package dev.keyward.runtime;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.OperatorHarness.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.admission.WebhookServer;
import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.sealing.SealingKeys;
import dev.keyward.testing.MutableClock;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import dev.keyward.testing.WebhookCertificates;
import dev.keyward.testing.WebhookCertificates.Issued;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two operator replicas started at the same moment on an empty namespace. Without leader election:
 * one sealing keyset, and every ApiKey ends with one key that its status describes. With leader
 * election: only the leader writes anything but the Lease.
 */
class TwoReplicasTest {

  final TestApiServer server = TestApiServer.get();
  final List<KeywardOperator> operators = new ArrayList<>();
  final List<KubernetesClient> clients = new ArrayList<>();

  final List<WebhookServer> webhooks = new ArrayList<>();

  @AfterEach
  void stop() {
    webhooks.forEach(WebhookServer::close);
    operators.forEach(KeywardOperator::close);
    clients.forEach(KubernetesClient::close);
  }

  @Test
  void twoReplicasStartingTogetherShareOneKeysetAndIssueOneKeyEach() throws Exception {
    String ns = newNamespace("race-");
    MutableClock clock = new MutableClock();
    for (int i = 0; i < 2; i++) {
      operators.add(new KeywardOperator(replica(ns, clock, new RequestLog())));
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

    createApiKeys(ns, "raced-", 5);
    for (int i = 0; i < 5; i++) {
      String name = "raced-" + i;
      ApiKey active = awaitActive(ns, name);
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

  @Test
  void withLeaderElectionOnlyTheLeaderWrites() throws Exception {
    String ns = newNamespace("lead-");
    MutableClock clock = new MutableClock();
    List<RequestLog> logs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      RequestLog log = new RequestLog();
      logs.add(log);
      operators.add(
          new KeywardOperator(
              replica(ns, clock, log).withLeaderElection(true).withOnLostLead(() -> {})));
    }
    operators.parallelStream().forEach(KeywardOperator::start);
    waiting().until(() -> operators.stream().filter(KeywardOperator::leading).count() == 1);
    int leader = operators.get(0).leading() ? 0 : 1;
    KeywardOperator standby = operators.get(1 - leader);

    createApiKeys(ns, "led-", 3);
    for (int i = 0; i < 3; i++) {
      awaitActive(ns, "led-" + i);
    }
    waiting()
        .until(
            () ->
                server
                    .admin()
                    .secrets()
                    .inNamespace(ns)
                    .withName(SealingKeyStore.SECRET_NAME)
                    .get(),
            s -> s != null);
    // The sealing key comes due: a standby asked to look again must still leave it to the leader.
    clock.advance(Duration.ofDays(31));
    standby.resyncAll();
    Thread.sleep(500);

    assertThat(logs.get(leader).writes())
        .as("the leader's writes")
        .anyMatch(r -> r.path().contains("/apikeys/led-") && r.path().endsWith("/status"))
        .anyMatch(r -> r.method().equals("POST") && r.path().endsWith("/secrets"));
    assertThat(logs.get(1 - leader).requests())
        .as("the standby takes part in the election")
        .anyMatch(r -> r.path().contains("/leases"));
    // A SelfSubjectRulesReview is a question (may I use Leases?) and stores nothing.
    assertThat(logs.get(1 - leader).writes())
        .as("the standby's writes")
        .allMatch(
            r -> r.path().contains("/leases") || r.path().endsWith("/selfsubjectrulesreviews"));
    assertThat(standby.sealingKeys().reload().primaryKeyId())
        .as("the standby reads the keyset the leader wrote")
        .isEqualTo(operators.get(leader).sealingKeys().current().primaryKeyId());
  }

  /**
   * The chart runs two replicas, and every replica serves the created-by webhook whether it leads
   * or not (the API server calls it with failurePolicy Fail): while the leader's pod is gone (a
   * restart, an upgrade, a drained node) the other keeps answering, ready behind the Service,
   * before and after it takes over the lease.
   */
  @Test
  void theCreatedByWebhookKeepsAnsweringWhileTheLeaderIsGone(@TempDir Path tls) throws Exception {
    String ns = newNamespace("hook-");
    MutableClock clock = new MutableClock();
    Issued certificate = WebhookCertificates.issue(tls, "keyward-webhook", "EC");
    WebhookCertificates.install(tls, certificate, false, Instant.now());
    SSLContext trust = WebhookCertificates.trusting(certificate.cert());
    for (int i = 0; i < 2; i++) {
      // One pod, as `keyward operator` wires it: the webhook is served from the start, and the
      // operator elects a leader.
      webhooks.add(WebhookServer.start(0, tls));
      operators.add(
          new KeywardOperator(
              replica(ns, clock, new RequestLog())
                  .withLeaderElection(true)
                  .withHttpPort(0)
                  .withOnLostLead(() -> {})));
    }
    operators.parallelStream().forEach(KeywardOperator::start);
    waiting().until(() -> operators.stream().filter(KeywardOperator::leading).count() == 1);
    int leader = operators.get(0).leading() ? 0 : 1;
    for (int i = 0; i < 2; i++) {
      int replica = i;
      waiting().until(() -> readyz(operators.get(replica)) == 200);
      assertRecordsTheCreator(trust, webhooks.get(replica));
    }

    // The leader's pod goes away.
    operators.remove(leader).close();
    webhooks.remove(leader).close();
    KeywardOperator survivor = operators.get(0);
    WebhookServer survivorsWebhook = webhooks.get(0);

    assertRecordsTheCreator(trust, survivorsWebhook);
    assertThat(readyz(survivor)).as("still an endpoint of the webhook Service").isEqualTo(200);
    // Until it holds the lease (up to the lease duration after the old leader stopped renewing),
    // and after: every call is answered.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              assertRecordsTheCreator(trust, survivorsWebhook);
              return survivor.leading();
            });
    assertRecordsTheCreator(trust, survivorsWebhook);
    assertThat(readyz(survivor)).isEqualTo(200);
  }

  /** An ApiKey create, as the API server sends it: allowed, with a patch recording the creator. */
  private static void assertRecordsTheCreator(SSLContext trust, WebhookServer webhook)
      throws Exception {
    byte[] review;
    try (var in = TwoReplicasTest.class.getResourceAsStream("/admission/create-apikey.json")) {
      review = in.readAllBytes();
    }
    HttpResponse<String> answer =
        HttpClient.newBuilder()
            .sslContext(trust)
            .connectTimeout(Duration.ofSeconds(10))
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("https://localhost:" + webhook.port() + "/mutate"))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(review))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    AdmissionReview reviewed = Serialization.unmarshal(answer.body(), AdmissionReview.class);
    assertThat(reviewed.getResponse().getAllowed()).isTrue();
    assertThat(new String(Base64.getDecoder().decode(reviewed.getResponse().getPatch())))
        .contains("created-by")
        .contains("alice@example.com");
  }

  private static int readyz(KeywardOperator operator) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + operator.httpPort() + "/readyz"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private String newNamespace(String prefix) {
    String ns = prefix + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    server
        .admin()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    return ns;
  }

  /** Settings of one replica watching {@code ns}, with its own client logging into {@code log}. */
  private OperatorSettings replica(String ns, MutableClock clock, RequestLog log) {
    KubernetesClient client =
        KeywardClients.builder(server.config())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("log", log))
            .build();
    clients.add(client);
    return OperatorSettings.of(client, clock)
        .withOperatorNamespace(ns)
        .withWatchedNamespaces(Set.of(ns))
        .withConcurrency(4);
  }

  private void createApiKeys(String ns, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      ApiKey key = TestApiKeys.apiKey(prefix + i, s -> s.setType("Agent"));
      key.getMetadata().setNamespace(ns);
      server.admin().resource(key).create();
    }
  }

  private ApiKey awaitActive(String ns, String name) {
    return waiting()
        .until(
            () -> server.admin().resources(ApiKey.class).inNamespace(ns).withName(name).get(),
            k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
  }
}
