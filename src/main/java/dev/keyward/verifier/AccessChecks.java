package dev.keyward.verifier;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * The verifier's checks beyond the key itself: the creator's rights ({@code --owner-check}) and
 * parent namespaces reaching their children ({@code --namespace-hierarchy}).
 *
 * @param ownerCheckTtl how long an owner check's answer is fresh; null: no owner check
 * @param reviewClient the client owner checks ask SubjectAccessReviews with; null: the verifier's
 * @param namespaceHierarchy whether a key reaches the descendants of its namespace
 */
public record AccessChecks(
    Duration ownerCheckTtl, KubernetesClient reviewClient, boolean namespaceHierarchy) {

  public static final Duration DEFAULT_OWNER_CHECK_TTL = Duration.ofSeconds(60);

  /** Neither check: what {@code keyward verifier} does without flags. */
  public static final AccessChecks NONE = new AccessChecks(null, null, false);

  public AccessChecks withOwnerCheck(Duration ttl, KubernetesClient reviewClient) {
    return new AccessChecks(ttl, reviewClient, namespaceHierarchy);
  }

  public AccessChecks withNamespaceHierarchy(boolean on) {
    return new AccessChecks(ownerCheckTtl, reviewClient, on);
  }
}
