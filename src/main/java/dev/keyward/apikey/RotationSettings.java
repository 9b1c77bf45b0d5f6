package dev.keyward.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Automatic rotation settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationSettings {

  @JsonPropertyDescription(
      "Rotate automatically before expiry. Default: true when the key expires.")
  private Boolean enabled;

  @JsonPropertyDescription(
      "How long old and new key are both valid; rotation starts this long before expiry. Must"
          + " be shorter than expiresAfter. Default: 7d, or a quarter of expiresAfter when that"
          + " is shorter.")
  @Size(max = 64)
  @ValidationRule(
      value = "self.matches(" + ApiKeySpec.DURATION + ")",
      message =
          "InvalidDuration: spec.rotation.overlap is not a duration: write a positive number"
              + " followed by d, h, m or s, for example 7d")
  @ValidationRule(
      value = ApiKeySpec.NOT_ZERO,
      message = "InvalidDuration: spec.rotation.overlap must be longer than zero")
  private String overlap;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public String getOverlap() {
    return overlap;
  }

  public void setOverlap(String overlap) {
    this.overlap = overlap;
  }
}
