package dev.keyward.toolsecret;

import dev.keyward.common.Conditions;
import dev.keyward.secrets.ManagedSecrets;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Which ToolSecrets of a namespace serve a value now, and why the others do not: the one rule the
 * tool index and the ToolGrants both deliver by. A value is served when the spec is valid, not
 * revoked or expired, the ToolSecret is not being deleted, and its own Secret (controlled by it)
 * holds the value.
 */
public final class ServedValues {

  private ServedValues() {}

  /**
   * The served ToolSecrets among {@code toolSecrets}, sorted by name.
   *
   * @param secrets the Secret with the given id, or null when there is none
   */
  public static List<ToolIndexSecret.Member> of(
      Iterable<ToolSecret> toolSecrets,
      Function<ResourceID, Secret> secrets,
      String indexName,
      Instant now) {
    List<ToolIndexSecret.Member> members = new ArrayList<>();
    for (ToolSecret t : toolSecrets) {
      ToolSecretPolicy policy = servedPolicy(t, indexName, now);
      if (policy == null) {
        continue;
      }
      Secret own =
          secrets.apply(new ResourceID(policy.secretName(), t.getMetadata().getNamespace()));
      if (own == null || !ManagedSecrets.isControlledBy(own, t)) {
        continue;
      }
      String value = ManagedSecrets.decodedData(own).get(policy.dataKey());
      if (value != null) {
        members.add(new ToolIndexSecret.Member(t, policy, value));
      }
    }
    members.sort(Comparator.comparing(m -> m.toolSecret().getMetadata().getName()));
    return members;
  }

  /** The ToolSecret's policy when its value may be served now (before looking at its Secret). */
  public static ToolSecretPolicy servedPolicy(ToolSecret t, String indexName, Instant now) {
    ToolSecretPolicy policy =
        t.isMarkedForDeletion() ? null : ToolSecretPolicy.from(t, indexName).policy();
    return ValuePlan.served(policy, now) ? policy : null;
  }

  /**
   * Why a ToolSecret that is not among the served ones serves nothing, in words a person acts on.
   * Never a value.
   */
  public static String unusable(ToolSecret t, String indexName, Instant now) {
    if (t.isMarkedForDeletion()) {
      return "it is being deleted";
    }
    ToolSecretPolicy.Checked checked = ToolSecretPolicy.from(t, indexName);
    if (checked.policy() == null) {
      return "it is Failed (" + checked.problem().reason() + "): " + checked.problem().message();
    }
    if (checked.policy().revoked()) {
      return "it is revoked (spec.revoked: true)";
    }
    if (checked.policy().expired(now)) {
      return "it expired at " + checked.policy().expiresAt().orElseThrow();
    }
    Condition ready =
        t.getStatus() == null ? null : Conditions.find(t.getStatus().getConditions(), "Ready");
    if (ready != null && "False".equals(ready.getStatus())) {
      return "it is "
          + t.getStatus().getPhase()
          + " ("
          + ready.getReason()
          + "): "
          + ready.getMessage();
    }
    return "it has no value yet";
  }

  /** The name of the Secret a ToolSecret writes its value to. */
  public static String secretName(ToolSecret t) {
    return ValuePlan.defaultSecretName(t);
  }
}
