package dev.keyward.toolsecret;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keyward.common.HasConditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/**
 * What Keyward observed. The value facts can be rebuilt from the ToolSecret's Secret, so a lost
 * status write loses nothing. Times are RFC 3339 in UTC, to the second.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ToolSecretStatus implements HasConditions {

  @JsonPropertyDescription("Pending, Active, Expired, Revoked or Failed.")
  private String phase;

  @JsonPropertyDescription("Ready condition with reason and message, Kubernetes conventions.")
  private List<Condition> conditions;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("The value masked: its first 3 and last 3 characters.")
  private String display;

  @JsonPropertyDescription("sha256: and the first 16 hex digits of the SHA-256 of the value.")
  private String fingerprint;

  @JsonPropertyDescription("Name of the Secret holding the value.")
  private String secretName;

  @JsonPropertyDescription("Who created the ToolSecret, as recorded by the admission webhook.")
  private String createdBy;

  @JsonPropertyDescription("When the ToolSecret was created.")
  private String createdAt;

  @JsonPropertyDescription("When the value in the Secret last changed.")
  private String updatedAt;

  @JsonPropertyDescription("Id of the sealing key that opened encryptedValue.")
  private String sealingKeyId;

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  @Override
  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getDisplay() {
    return display;
  }

  public void setDisplay(String display) {
    this.display = display;
  }

  public String getFingerprint() {
    return fingerprint;
  }

  public void setFingerprint(String fingerprint) {
    this.fingerprint = fingerprint;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public String getCreatedBy() {
    return createdBy;
  }

  public void setCreatedBy(String createdBy) {
    this.createdBy = createdBy;
  }

  public String getCreatedAt() {
    return createdAt;
  }

  public void setCreatedAt(String createdAt) {
    this.createdAt = createdAt;
  }

  public String getUpdatedAt() {
    return updatedAt;
  }

  public void setUpdatedAt(String updatedAt) {
    this.updatedAt = updatedAt;
  }

  public String getSealingKeyId() {
    return sealingKeyId;
  }

  public void setSealingKeyId(String sealingKeyId) {
    this.sealingKeyId = sealingKeyId;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ToolSecretStatus s
        && Objects.equals(phase, s.phase)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(display, s.display)
        && Objects.equals(fingerprint, s.fingerprint)
        && Objects.equals(secretName, s.secretName)
        && Objects.equals(createdBy, s.createdBy)
        && Objects.equals(createdAt, s.createdAt)
        && Objects.equals(updatedAt, s.updatedAt)
        && Objects.equals(sealingKeyId, s.sealingKeyId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, fingerprint, secretName, updatedAt, sealingKeyId);
  }
}
