package dev.keyward.toolsecret;

import dev.keyward.admission.CreatedBy;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.common.Conditions;
import dev.keyward.common.SpecProblem;
import java.time.Instant;

/** Derives a ToolSecret's status from its policy and what its Secret holds (pure). */
public final class ToolSecretStatuses {

  public static final String PENDING = "Pending";
  public static final String ACTIVE = "Active";
  public static final String EXPIRED = "Expired";
  public static final String REVOKED = "Revoked";
  public static final String FAILED = "Failed";

  private ToolSecretStatuses() {}

  /**
   * Active: the value is in its Secret (and, unless {@code conflict} says otherwise, used by the
   * tool index).
   *
   * @param conflict why the value is not used as the tool's default, or null
   */
  public static ToolSecretStatus active(
      ToolSecret toolSecret,
      ToolSecretPolicy policy,
      ToolValueSecret.State state,
      String indexName,
      String conflict,
      Instant now) {
    ToolSecretStatus status = base(toolSecret, policy.secretName());
    status.setPhase(ACTIVE);
    status.setDisplay(KeyFormat.mask(state.value(), 3));
    status.setFingerprint(state.fingerprint());
    status.setSealingKeyId(state.sealingKeyId());
    status.setUpdatedAt(state.updatedAt());
    String where =
        "The value is in Secret "
            + policy.secretName()
            + (policy.tool() == null ? "" : " and in tool index " + indexName)
            + ".";
    return conditions(
        toolSecret,
        status,
        conflict == null,
        conflict == null ? "ValueActive" : "DefaultConflict",
        conflict == null ? where : conflict + ". " + where,
        now);
  }

  /** Revoked or Expired: the value was removed everywhere. */
  public static ToolSecretStatus ended(
      ToolSecret toolSecret, ToolSecretPolicy policy, boolean revoked, Instant now) {
    ToolSecretStatus status = base(toolSecret, policy.secretName());
    status.setPhase(revoked ? REVOKED : EXPIRED);
    String secret = policy.secretName();
    return revoked
        ? conditions(
            toolSecret,
            status,
            true,
            "Revoked",
            "The value was removed from Secret " + secret + " and from the tool index.",
            now)
        : conditions(
            toolSecret,
            status,
            false,
            "Expired",
            "spec.expiresAt has passed; the value was removed from Secret "
                + secret
                + " and from the tool index. Seal a new value and move spec.expiresAt.",
            now);
  }

  /** Failed: a problem a person must fix; no value of this ToolSecret is served. */
  public static ToolSecretStatus failed(
      ToolSecret toolSecret, String secretName, SpecProblem problem, Instant now) {
    ToolSecretStatus status = base(toolSecret, secretName);
    status.setPhase(FAILED);
    return conditions(toolSecret, status, false, problem.reason(), problem.message(), now);
  }

  private static ToolSecretStatus base(ToolSecret toolSecret, String secretName) {
    ToolSecretStatus status = new ToolSecretStatus();
    status.setObservedGeneration(toolSecret.getMetadata().getGeneration());
    status.setSecretName(secretName);
    status.setCreatedAt(toolSecret.getMetadata().getCreationTimestamp());
    status.setCreatedBy(CreatedBy.of(toolSecret));
    return status;
  }

  private static ToolSecretStatus conditions(
      ToolSecret toolSecret,
      ToolSecretStatus status,
      boolean ready,
      String reason,
      String message,
      Instant now) {
    ToolSecretStatus previous = toolSecret.getStatus();
    status.setConditions(
        Conditions.ready(
            ready,
            reason,
            message,
            toolSecret.getMetadata().getGeneration(),
            previous == null ? null : previous.getConditions(),
            now));
    return status;
  }
}
