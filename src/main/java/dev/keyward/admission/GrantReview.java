package dev.keyward.admission;

import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * May a subject grant a scope? Asked of the API server with a SubjectAccessReview on the virtual
 * resource {@code scopes.keyward.dev}, verb {@code grant}, resource name the scope, in the ApiKey's
 * namespace: RBAC's own rules (wildcards, rules without resource names, groups, aggregation)
 * decide, as with cert-manager's {@code approve} on {@code signers}.
 */
public final class GrantReview {

  public static final String GROUP = "keyward.dev";
  public static final String RESOURCE = "scopes";
  public static final String VERB = "grant";

  /** The question, answered by the API server: may this subject grant this scope here? */
  @FunctionalInterface
  public interface Reviewer {
    /**
     * @throws RuntimeException when the API server could not be asked (the caller fails closed)
     */
    boolean mayGrant(
        Creator subject, Map<String, List<String>> extra, String namespace, String scope);
  }

  private GrantReview() {}

  /**
   * The client configuration for reviews: no retries and a request timeout of {@code timeout}, so
   * an unanswered review fails within the caller's time instead of waiting out the client's backoff
   * (the caller fails closed and asks again later).
   */
  public static Config config(Config base, Duration timeout) {
    return new ConfigBuilder(base)
        .withRequestRetryBackoffLimit(0)
        .withRequestTimeout((int) timeout.toMillis())
        .build();
  }

  /** A reviewer that sends each question to the API server with {@code client}. */
  public static Reviewer of(KubernetesClient client) {
    return (subject, extra, namespace, scope) ->
        allowed(
            client
                .authorization()
                .v1()
                .subjectAccessReview()
                .create(request(subject, extra, namespace, scope)));
  }

  /** The SubjectAccessReview asking whether {@code subject} may grant {@code scope}. */
  public static SubjectAccessReview request(
      Creator subject, Map<String, List<String>> extra, String namespace, String scope) {
    return new SubjectAccessReviewBuilder()
        .withNewSpec()
        .withUser(subject.user())
        .withUid(subject.uid().isEmpty() ? null : subject.uid())
        .withGroups(subject.groups().isEmpty() ? null : subject.groups())
        .withExtra(extra == null || extra.isEmpty() ? null : extra)
        .withNewResourceAttributes()
        .withGroup(GROUP)
        .withResource(RESOURCE)
        .withVerb(VERB)
        .withName(scope)
        .withNamespace(namespace)
        .endResourceAttributes()
        .endSpec()
        .build();
  }

  /** Allowed only when the answer says so; no answer, no status, or denied: not allowed. */
  static boolean allowed(SubjectAccessReview answer) {
    if (answer == null || answer.getStatus() == null) {
      throw new IllegalStateException("the SubjectAccessReview came back without a status");
    }
    return Boolean.TRUE.equals(answer.getStatus().getAllowed())
        && !Boolean.TRUE.equals(answer.getStatus().getDenied());
  }

  /** What an admin binds so the subject may grant {@code scope}. */
  public static String resourceName(String scope) {
    return RESOURCE + "." + GROUP + "/" + scope;
  }
}
