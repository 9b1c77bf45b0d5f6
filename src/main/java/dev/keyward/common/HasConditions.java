package dev.keyward.common;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.function.UnaryOperator;

/** A status with Kubernetes conditions, which {@link StatusReporter} reads to warn only once. */
public interface HasConditions {

  List<Condition> getConditions();

  /**
   * Replaces each string the status holds with the one {@code shared} gives, so a cached status
   * shares equal strings with other cached objects ({@link LeanItemStore}). The conditions' strings
   * by default; a status with more strings that repeat elsewhere shares those too.
   */
  default void shareStrings(UnaryOperator<String> shared) {
    if (getConditions() == null) {
      return;
    }
    for (Condition c : getConditions()) {
      c.setType(shared.apply(c.getType()));
      c.setStatus(shared.apply(c.getStatus()));
      c.setReason(shared.apply(c.getReason()));
      c.setMessage(shared.apply(c.getMessage()));
      c.setLastTransitionTime(shared.apply(c.getLastTransitionTime()));
      c.setAdditionalProperties(LeanItemStore.lean(c.getAdditionalProperties()));
    }
  }
}
