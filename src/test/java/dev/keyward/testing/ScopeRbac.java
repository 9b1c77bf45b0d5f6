package dev.keyward.testing;

import dev.keyward.admission.GrantReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RBAC for the virtual resource {@code scopes.keyward.dev}, verb {@code grant}, on the test API
 * server. On a real API server each {@link #grant} is a Role and a RoleBinding, and RBAC answers
 * the SubjectAccessReviews. The mock has no authorization: an expectation on the
 * SubjectAccessReview POST (the mock runs in mixed mode) answers from the same grants, as RBAC
 * would (a user's or a group's binding, a rule with resource names or without).
 */
public final class ScopeRbac {

  /** One binding: {@code subject} may grant {@code scopes} (empty: every scope) in a namespace. */
  public record Grant(
      String id, String namespace, String kind, String subject, Set<String> scopes) {
    boolean allows(SubjectAccessReview review) {
      var spec = review.getSpec();
      var attributes = spec.getResourceAttributes();
      boolean who =
          kind.equals("User")
              ? subject.equals(spec.getUser())
              : spec.getGroups() != null && spec.getGroups().contains(subject);
      return who
          && namespace.equals(attributes.getNamespace())
          && GrantReview.GROUP.equals(attributes.getGroup())
          && GrantReview.RESOURCE.equals(attributes.getResource())
          && GrantReview.VERB.equals(attributes.getVerb())
          && (scopes.isEmpty() || scopes.contains(attributes.getName()));
    }
  }

  private static final List<Grant> grants = new CopyOnWriteArrayList<>();
  private static final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
  private static final AtomicInteger ids = new AtomicInteger();

  private ScopeRbac() {}

  /** {@code user} may grant {@code scopes} in {@code namespace}; none given: every scope. */
  public static Grant grantUser(String namespace, String user, String... scopes) {
    return grant(namespace, "User", user, scopes);
  }

  /** Members of {@code group} may grant {@code scopes} in {@code namespace}. */
  public static Grant grantGroup(String namespace, String group, String... scopes) {
    return grant(namespace, "Group", group, scopes);
  }

  private static synchronized Grant grant(
      String namespace, String kind, String subject, String... scopes) {
    Grant grant =
        new Grant(
            "grant-scopes-" + ids.incrementAndGet(), namespace, kind, subject, Set.of(scopes));
    if (!TestApiServer.isMock()) {
      bind(TestApiServer.get().admin(), namespace, grant.id(), kind, subject, scopes);
      awaitRbac(grant, true);
    }
    grants.add(grant);
    return grant;
  }

  /**
   * Writes what RBAC says for "{@code subject} may grant {@code scopes} in {@code namespace}" (all
   * scopes when none are named): a Role with verb {@code grant} on {@code scopes.keyward.dev} and
   * its RoleBinding, both called {@code name}.
   */
  public static void bind(
      KubernetesClient admin,
      String namespace,
      String name,
      String kind,
      String subject,
      String... scopes) {
    var rule =
        new PolicyRuleBuilder()
            .withApiGroups(GrantReview.GROUP)
            .withResources(GrantReview.RESOURCE)
            .withVerbs(GrantReview.VERB);
    if (scopes.length > 0) {
      rule.withResourceNames(scopes);
    }
    admin
        .rbac()
        .roles()
        .inNamespace(namespace)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withRules(rule.build())
                .build())
        .create();
    admin
        .rbac()
        .roleBindings()
        .inNamespace(namespace)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                .withSubjects(
                    new SubjectBuilder()
                        .withKind(kind)
                        .withName(subject)
                        .withApiGroup("rbac.authorization.k8s.io")
                        .build())
                .build())
        .create();
  }

  /** RBAC's caches follow Roles within moments; wait until it answers as the grant says. */
  private static void awaitRbac(Grant grant, boolean allowed) {
    var admin = TestApiServer.get().admin();
    String scope = grant.scopes().isEmpty() ? "any-scope" : grant.scopes().iterator().next();
    dev.keyward.admission.Creator subject =
        grant.kind().equals("User")
            ? new dev.keyward.admission.Creator(grant.subject(), "", List.of())
            : new dev.keyward.admission.Creator("someone", "", List.of(grant.subject()));
    OperatorHarness.waiting()
        .until(
            () ->
                GrantReview.of(admin).mayGrant(subject, Map.of(), grant.namespace(), scope)
                    == allowed);
  }

  /** Takes a grant away: the RoleBinding is deleted. */
  public static void revoke(Grant grant) {
    grants.remove(grant);
    if (!TestApiServer.isMock()) {
      var admin = TestApiServer.get().admin();
      admin.rbac().roleBindings().inNamespace(grant.namespace()).withName(grant.id()).delete();
      admin.rbac().roles().inNamespace(grant.namespace()).withName(grant.id()).delete();
      awaitRbac(grant, false);
    }
  }

  /** SubjectAccessReviews about {@code namespace} answered so far (on the mock; else -1). */
  public static int asked(String namespace) {
    if (!TestApiServer.isMock()) {
      return -1;
    }
    AtomicInteger count = asked.get(namespace);
    return count == null ? 0 : count.get();
  }

  /** Has {@code mock} answer SubjectAccessReviews from the grants (TestApiServer does this). */
  static void answerReviews(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer mock) {
    mock.expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
        .andReply(
            new ResponseProvider<Object>() {
              private Headers headers =
                  Headers.builder().add("Content-Type", "application/json").build();

              @Override
              public Object getBody(RecordedRequest request) {
                SubjectAccessReview review =
                    Serialization.unmarshal(request.getUtf8Body(), SubjectAccessReview.class);
                var attributes = review.getSpec().getResourceAttributes();
                if (attributes != null && attributes.getNamespace() != null) {
                  asked
                      .computeIfAbsent(attributes.getNamespace(), n -> new AtomicInteger())
                      .incrementAndGet();
                }
                boolean allowed = grants.stream().anyMatch(g -> g.allows(review));
                review.setStatus(
                    new SubjectAccessReviewStatusBuilder()
                        .withAllowed(allowed)
                        .withReason(allowed ? "RBAC: allowed by test grant" : "")
                        .build());
                return review;
              }

              @Override
              public int getStatusCode(RecordedRequest request) {
                return 201;
              }

              @Override
              public Headers getHeaders() {
                return headers;
              }

              @Override
              public void setHeaders(Headers headers) {
                this.headers = headers;
              }
            })
        .always();
  }
}
