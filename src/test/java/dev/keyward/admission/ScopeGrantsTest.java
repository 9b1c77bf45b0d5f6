package dev.keyward.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyward.runtime.KeywardClients;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.ScopeRbac;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scope authorization webhook on recorded AdmissionReviews, each moved into a fresh namespace,
 * with its SubjectAccessReviews answered by the test API server (RBAC on a real one; {@link
 * ScopeRbac}'s expectation on the mock).
 */
class ScopeGrantsTest {

  private final TestApiServer server = TestApiServer.get();
  private final RequestLog requests = new RequestLog();
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private KubernetesClient client;
  private String namespace;

  @BeforeEach
  void start() {
    namespace = "sg-" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    server
        .admin()
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    client =
        KeywardClients.builder(GrantReview.config(server.config(), ScopeGrants.DEFAULT_BUDGET))
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("test-log", requests))
            .build();
  }

  @AfterEach
  void stop() {
    client.close();
    executor.shutdownNow();
  }

  /** A recorded review, moved from namespace {@code shop} into the test's namespace. */
  byte[] recorded(String name) throws Exception {
    String json = new String(CreatedByTest.recorded(name), StandardCharsets.UTF_8);
    return json.replace("\"shop\"", "\"" + namespace + "\"").getBytes(StandardCharsets.UTF_8);
  }

  AdmissionResponse answer(String name) throws Exception {
    return answer(name, GrantReview.of(client), Duration.ofSeconds(10));
  }

  AdmissionResponse answer(String name, GrantReview.Reviewer reviewer, Duration budget)
      throws Exception {
    String json = new ScopeGrants(reviewer, budget, executor).review(recorded(name));
    AdmissionReview review = Serialization.unmarshal(json, AdmissionReview.class);
    assertThat(review.getKind()).isEqualTo("AdmissionReview");
    return review.getResponse();
  }

  long reviewsSent() {
    return requests.requests().stream()
        .filter(r -> r.path().endsWith("/subjectaccessreviews"))
        .count();
  }

  @Test
  void admitsAnApiKeyWhoseAuthorMayGrantEveryScope() throws Exception {
    ScopeRbac.grantUser(namespace, "alice", "orders:read", "orders:write");
    AdmissionResponse response = answer("scopes-create.json");
    assertThat(response.getUid()).isEqualTo("0d9f3b7e-3c1a-4f7e-9a51-6c2d8e4b1f10");
    assertThat(response.getAllowed()).isTrue();
    // The repeated scope is asked about once.
    assertThat(reviewsSent()).isEqualTo(2);
  }

  @Test
  void refusesAScopeTheAuthorMayNotGrantAndSaysWhatAnAdminCanBind() throws Exception {
    ScopeRbac.grantUser(namespace, "alice", "orders:read");
    AdmissionResponse response = answer("scopes-create.json");
    assertThat(response.getAllowed()).isFalse();
    assertThat(response.getStatus().getCode()).isEqualTo(403);
    assertThat(response.getStatus().getMessage())
        .isEqualTo(
            "ScopeNotGranted: alice may not grant scope orders:write in namespace "
                + namespace
                + "; an admin can bind verb grant on scopes.keyward.dev/orders:write");
  }

  @Test
  void refusesEveryScopeTheAuthorMayNotGrantInOneMessage() throws Exception {
    AdmissionResponse response = answer("scopes-create.json");
    assertThat(response.getAllowed()).isFalse();
    assertThat(response.getStatus().getMessage())
        .startsWith("ScopeNotGranted: alice may not grant scopes orders:read, orders:write in")
        .endsWith("scopes.keyward.dev/orders:read and scopes.keyward.dev/orders:write");
  }

  @Test
  void aRuleWithoutResourceNamesGrantsEveryScope() throws Exception {
    ScopeRbac.grantUser(namespace, "alice");
    assertThat(answer("scopes-create.json").getAllowed()).isTrue();
  }

  @Test
  void aBindingToOneOfTheAuthorsGroupsCounts() throws Exception {
    ScopeRbac.grantGroup(namespace, "team-payments");
    assertThat(answer("scopes-create.json").getAllowed()).isFalse();
    ScopeRbac.grantGroup(namespace, "team-orders", "orders:read", "orders:write");
    assertThat(answer("scopes-create.json").getAllowed()).isTrue();
  }

  @Test
  void anUpdateIsReviewedForTheScopesItAddsOnly() throws Exception {
    ScopeRbac.grantUser(namespace, "alice", "orders:write");
    assertThat(answer("scopes-update-added.json").getAllowed()).isTrue();
    assertThat(reviewsSent()).isEqualTo(1);
  }

  @Test
  void removingAScopeIsAllowedWithoutAReview() throws Exception {
    assertThat(answer("scopes-update-removed.json").getAllowed()).isTrue();
    assertThat(reviewsSent()).isZero();
  }

  @Test
  void aReviewTheApiServerFailsRefusesTheApiKey() throws Exception {
    ScopeRbac.grantUser(namespace, "alice");
    requests.answerWithErrors(r -> r.path().endsWith("/subjectaccessreviews") ? 500 : 0);
    AdmissionResponse response = answer("scopes-create.json");
    assertThat(response.getAllowed()).isFalse();
    assertThat(response.getStatus().getCode()).isEqualTo(503);
    assertThat(response.getStatus().getMessage())
        .startsWith("ScopeReviewFailed: could not ask the API server whether alice may grant")
        .contains("in namespace " + namespace)
        .contains("(the API server answered 500)")
        .endsWith("the ApiKey was not admitted, try again");
  }

  @Test
  void aReviewWithoutAnAnswerInTimeRefusesTheApiKey() throws Exception {
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    GrantReview.Reviewer stuck =
        (subject, extra, ns, scope) -> {
          try {
            never.await(); // an API server that never answers, until the test is over
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return true;
        };
    try {
      AdmissionResponse response = answer("scopes-create.json", stuck, Duration.ofMillis(200));
      assertThat(response.getAllowed()).isFalse();
      assertThat(response.getStatus().getMessage())
          .startsWith("ScopeReviewFailed:")
          .contains("no answer within 0.2s");
    } finally {
      never.countDown();
    }
  }

  @Test
  void theReviewAsksAboutTheRequestsUserUidGroupsAndExtra() throws Exception {
    List<io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview> asked =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    GrantReview.Reviewer recording =
        (subject, extra, ns, scope) -> {
          asked.add(GrantReview.request(subject, extra, ns, scope));
          return true;
        };
    assertThat(answer("scopes-create.json", recording, Duration.ofSeconds(10)).getAllowed())
        .isTrue();
    assertThat(asked).hasSize(2);
    var spec = asked.get(0).getSpec();
    assertThat(spec.getUser()).isEqualTo("alice");
    assertThat(spec.getUid()).isEqualTo("7c1e2a90-5b7d-4e0f-8a3b-2f6d9c4e1b55");
    assertThat(spec.getGroups()).containsExactly("team-orders", "system:authenticated");
    assertThat(spec.getExtra())
        .containsEntry("authentication.kubernetes.io/credential-id", List.of("X509SHA256=6b1f"));
    var attributes = spec.getResourceAttributes();
    assertThat(attributes.getGroup()).isEqualTo("keyward.dev");
    assertThat(attributes.getResource()).isEqualTo("scopes");
    assertThat(attributes.getVerb()).isEqualTo("grant");
    assertThat(attributes.getNamespace()).isEqualTo(namespace);
    assertThat(asked.stream().map(r -> r.getSpec().getResourceAttributes().getName()))
        .containsExactlyInAnyOrder("orders:read", "orders:write");
  }

  @Test
  void otherKindsAndApiKeysWithoutScopesAreNotReviewed() throws Exception {
    assertThat(answer("create-configmap.json").getAllowed()).isTrue();
    assertThat(answer("create-apikey.json").getAllowed()).isTrue();
    assertThat(answer("create-toolsecret-spoofed.json").getAllowed()).isTrue();
    assertThat(reviewsSent()).isZero();
  }

  @Test
  void theCreatorsUidAndGroupsAreRecordedAndSpoofedOnesReplaced() throws Exception {
    JsonNode annotations =
        CreatedByTest.stored("scopes-create.json").path("metadata").path("annotations");
    assertThat(annotations.path(Creator.USER_ANNOTATION).asText()).isEqualTo("alice");
    assertThat(annotations.path(Creator.UID_ANNOTATION).asText())
        .isEqualTo("7c1e2a90-5b7d-4e0f-8a3b-2f6d9c4e1b55");
    assertThat(annotations.path(Creator.GROUPS_ANNOTATION).asText())
        .isEqualTo("[\"team-orders\",\"system:authenticated\"]");
  }

  @Test
  void anUpdateCannotChangeTheCreatorsUidOrGroups() throws Exception {
    JsonNode stored = CreatedByTest.stored("scopes-update-added.json");
    var creator =
        Creator.of(
            Serialization.jsonMapper()
                .convertValue(
                    stored.path("metadata").path("annotations"),
                    new com.fasterxml.jackson.core.type.TypeReference<
                        java.util.Map<String, String>>() {}));
    assertThat(creator)
        .isEqualTo(
            new Creator(
                "alice",
                "7c1e2a90-5b7d-4e0f-8a3b-2f6d9c4e1b55",
                List.of("team-orders", "system:authenticated")));
  }
}
