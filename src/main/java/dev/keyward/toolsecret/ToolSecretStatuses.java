package dev.keyward.toolsecret;

import dev.keyward.admission.CreatedBy;
import dev.keyward.common.Conditions;
import dev.keyward.common.Durations;
import dev.keyward.common.Phases;
import dev.keyward.common.SpecProblem;
import dev.keyward.secrets.Fingerprints;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Derives a ToolSecret's status from its policy and what its Secret holds (pure). */
public final class ToolSecretStatuses {

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
    status.setPhase(Phases.ACTIVE);
    status.setDisplay(Fingerprints.mask(state.value(), 3));
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
    status.setPhase(revoked ? Phases.REVOKED : Phases.EXPIRED);
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
    status.setPhase(Phases.FAILED);
    return conditions(toolSecret, status, false, problem.reason(), problem.message(), now);
  }

  /** The condition a ToolSecret reading {@code valueFrom} carries while its source is unwatched. */
  public static final String SOURCE_WATCHED = "SourceWatched";

  /**
   * Adds a False {@code SourceWatched} condition to {@code status}: changes to the source Secret
   * are not followed as they happen, only re-read now and then.
   */
  public static ToolSecretStatus sourceUnwatched(
      ToolSecret toolSecret,
      ToolSecretStatus status,
      String problem,
      Duration reread,
      Instant now) {
    ToolSecretStatus previous = toolSecret.getStatus();
    List<Condition> conditions = new ArrayList<>(status.getConditions());
    conditions.add(
        Conditions.condition(
            SOURCE_WATCHED,
            false,
            "SourceWatchFailed",
            "Keyward cannot watch the Secrets of namespace "
                + toolSecret.getMetadata().getNamespace()
                + " ("
                + problem
                + "), so a change to the Secret spec.valueFrom names is picked up only every "
                + Durations.format(reread)
                + " until the watch is back. Check the operator's log and the API server",
            toolSecret.getMetadata().getGeneration(),
            previous == null ? null : previous.getConditions(),
            now));
    status.setConditions(List.copyOf(conditions));
    return status;
  }

  /** The reason of the Ready condition the ToolSecret reports now, or null. */
  static String readyReason(ToolSecret t) {
    if (t.getStatus() == null) {
      return null;
    }
    var ready = Conditions.find(t.getStatus().getConditions(), Conditions.READY);
    return ready == null ? null : ready.getReason();
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
