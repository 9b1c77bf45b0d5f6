package dev.keyward.common;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/** Builds the Ready condition the Kubernetes way, keeping lastTransitionTime when nothing moved. */
public final class Conditions {

  public static final String READY = "Ready";

  private Conditions() {}

  /**
   * The Ready condition list. {@code lastTransitionTime} is kept from {@code previous} when the
   * status value did not change, so an unchanged condition compares equal and causes no write.
   */
  public static List<Condition> ready(
      boolean ready,
      String reason,
      String message,
      Long generation,
      List<Condition> previous,
      Instant now) {
    return List.of(condition(READY, ready, reason, message, generation, previous, now));
  }

  /**
   * One condition of {@code type}; {@code lastTransitionTime} is kept from the condition of that
   * type in {@code previous} when its status did not change.
   */
  public static Condition condition(
      String type,
      boolean value,
      String reason,
      String message,
      Long generation,
      List<Condition> previous,
      Instant now) {
    String status = value ? "True" : "False";
    Condition before = find(previous, type);
    String transition =
        before != null && status.equals(before.getStatus())
            ? before.getLastTransitionTime()
            : now.truncatedTo(ChronoUnit.SECONDS).toString();
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build();
  }

  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** True when the Ready condition already says exactly this (reason and generation). */
  public static boolean alreadyReported(
      List<Condition> conditions, String reason, String message, Long generation) {
    Condition ready = find(conditions, READY);
    return ready != null
        && Objects.equals(ready.getReason(), reason)
        && Objects.equals(ready.getMessage(), message)
        && Objects.equals(ready.getObservedGeneration(), generation);
  }
}
