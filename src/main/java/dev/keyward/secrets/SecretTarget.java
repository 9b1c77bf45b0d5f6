package dev.keyward.secrets;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** Where a credential is written: the Secret's name, its data key and extra metadata. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretTarget {

  @JsonPropertyDescription("Secret name. Default: the resource's own name.")
  @Size(max = 253)
  @ValidationRule(
      value = "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",
      message =
          "InvalidSecret: spec.secret.name is not a valid Secret name: use lower-case letters,"
              + " digits, '-' and '.', at most 253 characters")
  private String name;

  @JsonPropertyDescription("Data key holding the value.")
  @Size(max = 200)
  @ValidationRule(
      value = "self.matches('^[-._a-zA-Z0-9]+$')",
      message =
          "InvalidSecret: spec.secret.key is not a valid Secret data key: use letters, digits,"
              + " '-', '_' and '.', at most 200 characters")
  private String key;

  @JsonPropertyDescription("Extra labels on the Secret.")
  private Map<String, String> labels;

  @JsonPropertyDescription("Extra annotations on the Secret.")
  private Map<String, String> annotations;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }
}
