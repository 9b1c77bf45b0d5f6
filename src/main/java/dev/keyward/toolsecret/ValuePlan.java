package dev.keyward.toolsecret;

import dev.keyward.common.Phases;
import dev.keyward.common.SpecProblem;
import dev.keyward.common.StatusReporter;
import dev.keyward.sealing.UnsealFailure;
import dev.keyward.secrets.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * When a ToolSecret's value is served, withdrawn or refused: decided from plain values, without any
 * I/O, so every reason is tested in milliseconds ({@code ValuePlanTest}). {@link #decide} says what
 * the ToolSecret's own Secret must hold and what to announce; {@link #settle} turns that and the
 * namespace's index into the status and when to look again.
 *
 * @param target what the own Secret must hold
 * @param value the value to hold, for {@link Target#HOLD}
 * @param keyId the sealing key that opened it, null for a {@code valueFrom} value
 * @param marker for {@link Target#EMPTY}: the annotation saying why ({@code revoked-at}, {@code
 *     expired-at}), or null for a refusal
 * @param problem why the value is refused (phase Failed), or null
 * @param failure the unseal failure behind {@code problem}, counted in metrics, or null
 * @param announcement a Normal Event once the value is written, or null
 */
public record ValuePlan(
    ToolSecretPolicy policy,
    String secretName,
    Target target,
    String value,
    String keyId,
    String marker,
    SpecProblem problem,
    UnsealFailure failure,
    Announcement announcement) {

  /** What the ToolSecret's own Secret must hold. */
  public enum Target {
    /** Leave it alone: the spec names no usable Secret, or the Secret is not ours. */
    UNTOUCHED,
    /** The value. */
    HOLD,
    /** No value (if the Secret exists). */
    EMPTY
  }

  /** A Kubernetes Event to record. */
  public record Announcement(String reason, String message) {}

  /**
   * What was observed before deciding.
   *
   * @param foreign why the target Secret may not be written (it is not ours), or null
   * @param before what the own Secret holds now
   */
  public record Observed(String foreign, ToolValueSecret.State before) {
    public static final Observed NOTHING = new Observed(null, ToolValueSecret.State.NONE);
  }

  /**
   * The value as opened: either {@code value} or a {@code problem}; {@link #NOT_OPENED} when there
   * was no need to open it.
   */
  public record Opened(String value, String keyId, SpecProblem problem, UnsealFailure failure) {
    public static final Opened NOT_OPENED = new Opened(null, null, null, null);

    public static Opened value(String value, String keyId) {
      return new Opened(value, keyId, null, null);
    }

    public static Opened problem(SpecProblem problem, UnsealFailure failure) {
      return new Opened(null, null, problem, failure);
    }

    @Override
    public String toString() {
      return "Opened[keyId=" + keyId + ", problem=" + problem + "]";
    }
  }

  /** The namespace's index as written, and a message when a foreign Secret holds its name. */
  public record IndexOutcome(ToolIndex index, String conflict) {}

  /** The status to report, a problem to warn about once, an Event, and when to look again. */
  public record Settled(
      ToolSecretStatus status, SpecProblem warning, Announcement announcement, Duration recheck) {}

  /** True when the value must be opened before deciding: the spec is live and the Secret ours. */
  public static boolean needsValue(
      ToolSecretPolicy.Checked checked, Observed observed, Instant now) {
    ToolSecretPolicy p = checked.policy();
    return p != null && observed.foreign() == null && !p.revoked() && !p.expired(now);
  }

  /**
   * Decides what the own Secret must hold, first reason first: a bad spec, a foreign Secret,
   * revoked, expired, a value that did not open or has the wrong length, the namespace quota.
   *
   * @param others the namespace's other served values, for the quota
   */
  public static ValuePlan decide(
      ToolSecret toolSecret,
      ToolSecretPolicy.Checked checked,
      Observed observed,
      Opened opened,
      List<NamespaceQuota.Candidate> others,
      long quotaBytes,
      Instant now) {
    String name = toolSecret.getMetadata().getName();
    ToolSecretPolicy p = checked.policy();
    if (p == null) {
      return refused(null, null, Target.UNTOUCHED, checked.problem(), null);
    }
    if (observed.foreign() != null) {
      return refused(
          p,
          p.secretName(),
          Target.UNTOUCHED,
          new SpecProblem("SecretConflict", observed.foreign()),
          null);
    }
    if (p.revoked() || p.expired(now)) {
      String marker = p.revoked() ? ToolValueSecret.REVOKED_AT : ToolValueSecret.EXPIRED_AT;
      return new ValuePlan(p, p.secretName(), Target.EMPTY, null, null, marker, null, null, null);
    }
    if (opened.problem() != null) {
      return refused(p, p.secretName(), Target.EMPTY, opened.problem(), opened.failure());
    }
    var length = ToolSecretPolicy.checkValue(opened.value());
    if (length.isPresent()) {
      return refused(p, p.secretName(), Target.EMPTY, length.get(), null);
    }
    int bytes = opened.value().getBytes(StandardCharsets.UTF_8).length;
    List<NamespaceQuota.Candidate> candidates = new ArrayList<>(others);
    candidates.add(
        new NamespaceQuota.Candidate(
            name,
            bytes,
            opened.value().equals(observed.before().value()),
            StatusReporter.createdAt(toolSecret)));
    if (!NamespaceQuota.admitted(candidates, quotaBytes).contains(name)) {
      SpecProblem tooLarge =
          new SpecProblem(
              "PayloadTooLarge",
              String.format(
                  "The tool values of namespace %s would pass their quota of %d bytes with this"
                      + " value (%d bytes); nothing of it was written. Remove or shorten other"
                      + " ToolSecrets, or raise the operator's --namespace-quota",
                  toolSecret.getMetadata().getNamespace(), quotaBytes, bytes));
      return refused(p, p.secretName(), Target.EMPTY, tooLarge, null);
    }
    String fingerprint = Fingerprints.fingerprint(opened.value());
    ToolValueSecret.State before = observed.before();
    Announcement announcement = null;
    if (before.value() == null || !fingerprint.equals(before.fingerprint())) {
      boolean first = before.value() == null;
      announcement =
          new Announcement(
              first ? "ValueWritten" : "ValueUpdated",
              (first ? "Wrote the value into Secret " : "Updated the value in Secret ")
                  + p.secretName()
                  + (opened.keyId() == null
                      ? " from Secret " + p.sourceName()
                      : " (opened with sealing key " + opened.keyId() + ")"));
    }
    return new ValuePlan(
        p,
        p.secretName(),
        Target.HOLD,
        opened.value(),
        opened.keyId(),
        null,
        null,
        null,
        announcement);
  }

  /**
   * This plan after its write found the target Secret created by someone else meanwhile: a value to
   * hold becomes a {@code SecretConflict}; a withdrawal stands (nothing of ours is there).
   */
  public ValuePlan conflicted(String message) {
    return target == Target.HOLD
        ? refused(
            policy, secretName, Target.UNTOUCHED, new SpecProblem("SecretConflict", message), null)
        : this;
  }

  private static ValuePlan refused(
      ToolSecretPolicy p,
      String secretName,
      Target target,
      SpecProblem problem,
      UnsealFailure failure) {
    return new ValuePlan(p, secretName, target, null, null, null, problem, failure, null);
  }

  /**
   * The status once the own Secret and the index are written.
   *
   * @param after what the own Secret holds now
   * @param index the namespace's index
   * @param indexName the index Secret's name, for messages
   */
  public Settled settle(
      ToolSecret toolSecret,
      ToolValueSecret.State after,
      ToolValueSecret.State before,
      IndexOutcome index,
      String indexName,
      Instant now) {
    if (problem != null) {
      String name = secretName == null ? defaultSecretName(toolSecret) : secretName;
      ToolSecretStatus status = ToolSecretStatuses.failed(toolSecret, name, problem, now);
      return new Settled(
          status,
          problem,
          null,
          "SecretConflict".equals(problem.reason()) ? StatusReporter.CONFLICT_RECHECK : null);
    }
    if (target == Target.EMPTY) {
      boolean revoked = ToolValueSecret.REVOKED_AT.equals(marker);
      ToolSecretStatus status = ToolSecretStatuses.ended(toolSecret, policy, revoked, now);
      String previous = toolSecret.getStatus() == null ? null : toolSecret.getStatus().getPhase();
      Announcement ended =
          before.value() != null || !Objects.equals(previous, status.getPhase())
              ? new Announcement(
                  revoked ? "Revoked" : "Expired", status.getConditions().get(0).getMessage())
              : null;
      return new Settled(status, null, ended, null);
    }
    if (index.conflict() != null) {
      SpecProblem conflict = new SpecProblem("IndexConflict", index.conflict());
      return new Settled(
          ToolSecretStatuses.failed(toolSecret, secretName, conflict, now),
          conflict,
          null,
          StatusReporter.CONFLICT_RECHECK);
    }
    String defaultConflict =
        index.index().defaultConflicts().get(toolSecret.getMetadata().getName());
    ToolSecretStatus status =
        ToolSecretStatuses.active(toolSecret, policy, after, indexName, defaultConflict, now);
    SpecProblem warning =
        defaultConflict == null
            ? null
            : new SpecProblem("DefaultConflict", status.getConditions().get(0).getMessage());
    Duration recheck =
        policy.expiresAt().map(at -> StatusReporter.delayUntil(now, at)).orElse(null);
    return new Settled(status, warning, null, recheck);
  }

  /** Active and not withdrawn: what the index's members are made of. */
  static boolean served(ToolSecretPolicy policy, Instant now) {
    return policy != null && !policy.revoked() && !policy.expired(now);
  }

  static String defaultSecretName(ToolSecret toolSecret) {
    var spec = toolSecret.getSpec();
    return spec != null && spec.getSecret() != null && spec.getSecret().getName() != null
        ? spec.getSecret().getName()
        : toolSecret.getMetadata().getName();
  }

  static boolean isActive(ToolSecret t) {
    return t.getStatus() != null && Phases.ACTIVE.equals(t.getStatus().getPhase());
  }

  @Override
  public String toString() {
    return "ValuePlan[" + target + ", problem=" + problem + "]";
  }
}
