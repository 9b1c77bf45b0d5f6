package dev.keyward.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A workload restarted after each new key version. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutTarget {

  @JsonPropertyDescription("Deployment, StatefulSet or DaemonSet.")
  @Required
  @Size(max = 64)
  @ValidationRule(
      value = "self == 'Deployment' || self == 'StatefulSet' || self == 'DaemonSet'",
      message =
          "InvalidRolloutTarget: spec.rolloutRestartTargets kind must be Deployment,"
              + " StatefulSet or DaemonSet")
  private String kind;

  @JsonPropertyDescription("Name of the workload in the ApiKey's namespace.")
  @Required
  @Size(min = 1, max = 253)
  private String name;

  public RolloutTarget() {}

  public RolloutTarget(String kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
