package dev.keyward.common;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** A status with Kubernetes conditions, which {@link StatusReporter} reads to warn only once. */
public interface HasConditions {

  List<Condition> getConditions();
}
