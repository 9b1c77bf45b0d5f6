package dev.keyward.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keyward.common.HasConditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What Keyward observed. Everything here can be rebuilt from the Secret's annotations, so a lost
 * status write never loses a key. Times are RFC 3339 in UTC, to the second.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApiKeyStatus implements HasConditions {

  @JsonPropertyDescription("Pending, Active, Expired, Revoked or Failed.")
  private String phase;

  @JsonPropertyDescription("Ready condition with reason and message, Kubernetes conventions.")
  private List<Condition> conditions;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Name of the Secret holding the key.")
  private String secretName;

  @JsonPropertyDescription("Version of the current key: 1 at first issue, +1 per new key.")
  private Integer keyVersion;

  @JsonPropertyDescription("First and last 4 characters of the current key.")
  private String maskedKey;

  @JsonPropertyDescription("sha256: and the first 16 hex digits of the SHA-256 of the key.")
  private String fingerprint;

  @JsonPropertyDescription(
      "sha256: and the 64 hex digits of the SHA-256 of the current key, for verifiers. Safe to"
          + " show: the key carries at least 128 random bits.")
  private String keyHash;

  @JsonPropertyDescription(
      "When the ApiKey was last verified successfully, with any of its valid key versions, to the"
          + " usage granularity. It never moves back, and a rotation keeps it; the use of each"
          + " version is in keyLastUsedAt and previousKey.lastUsedAt.")
  private String lastUsedAt;

  @JsonPropertyDescription(
      "When the current key version was last verified successfully, to the usage granularity;"
          + " absent until it is used. A rotation moves it to previousKey.lastUsedAt.")
  private String keyLastUsedAt;

  @JsonPropertyDescription("Who created the ApiKey, as recorded by the admission webhook.")
  private String createdBy;

  @JsonPropertyDescription("When the ApiKey was created.")
  private String createdAt;

  @JsonPropertyDescription("When the current key version was issued.")
  private String issuedAt;

  @JsonPropertyDescription("When the current key version expires; absent when it never does.")
  private String expiresAt;

  @JsonPropertyDescription("When the next automatic rotation starts.")
  private String rotatesAt;

  @JsonPropertyDescription("When the key was last rotated.")
  private String lastRotatedAt;

  @JsonPropertyDescription("The previous key while it is still valid after a rotation.")
  private PreviousKey previousKey;

  @JsonPropertyDescription("When the key was revoked.")
  private String revokedAt;

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

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public Integer getKeyVersion() {
    return keyVersion;
  }

  public void setKeyVersion(Integer keyVersion) {
    this.keyVersion = keyVersion;
  }

  public String getMaskedKey() {
    return maskedKey;
  }

  public void setMaskedKey(String maskedKey) {
    this.maskedKey = maskedKey;
  }

  public String getFingerprint() {
    return fingerprint;
  }

  public void setFingerprint(String fingerprint) {
    this.fingerprint = fingerprint;
  }

  public String getKeyHash() {
    return keyHash;
  }

  public void setKeyHash(String keyHash) {
    this.keyHash = keyHash;
  }

  public String getLastUsedAt() {
    return lastUsedAt;
  }

  public void setLastUsedAt(String lastUsedAt) {
    this.lastUsedAt = lastUsedAt;
  }

  public String getKeyLastUsedAt() {
    return keyLastUsedAt;
  }

  public void setKeyLastUsedAt(String keyLastUsedAt) {
    this.keyLastUsedAt = keyLastUsedAt;
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

  public String getIssuedAt() {
    return issuedAt;
  }

  public void setIssuedAt(String issuedAt) {
    this.issuedAt = issuedAt;
  }

  public String getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(String expiresAt) {
    this.expiresAt = expiresAt;
  }

  public String getRotatesAt() {
    return rotatesAt;
  }

  public void setRotatesAt(String rotatesAt) {
    this.rotatesAt = rotatesAt;
  }

  public String getLastRotatedAt() {
    return lastRotatedAt;
  }

  public void setLastRotatedAt(String lastRotatedAt) {
    this.lastRotatedAt = lastRotatedAt;
  }

  public PreviousKey getPreviousKey() {
    return previousKey;
  }

  public void setPreviousKey(PreviousKey previousKey) {
    this.previousKey = previousKey;
  }

  public String getRevokedAt() {
    return revokedAt;
  }

  public void setRevokedAt(String revokedAt) {
    this.revokedAt = revokedAt;
  }

  /** Shares the strings that repeat in the Secret's annotations and across keys. */
  @Override
  public void shareStrings(UnaryOperator<String> shared) {
    HasConditions.super.shareStrings(shared);
    phase = shared.apply(phase);
    secretName = shared.apply(secretName);
    fingerprint = shared.apply(fingerprint);
    keyHash = shared.apply(keyHash);
    lastUsedAt = shared.apply(lastUsedAt);
    keyLastUsedAt = shared.apply(keyLastUsedAt);
    createdBy = shared.apply(createdBy);
    createdAt = shared.apply(createdAt);
    issuedAt = shared.apply(issuedAt);
    expiresAt = shared.apply(expiresAt);
    rotatesAt = shared.apply(rotatesAt);
    lastRotatedAt = shared.apply(lastRotatedAt);
    revokedAt = shared.apply(revokedAt);
    if (previousKey != null) {
      previousKey.shareStrings(shared);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ApiKeyStatus that)) {
      return false;
    }
    return Objects.equals(phase, that.phase)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(secretName, that.secretName)
        && Objects.equals(keyVersion, that.keyVersion)
        && Objects.equals(maskedKey, that.maskedKey)
        && Objects.equals(fingerprint, that.fingerprint)
        && Objects.equals(keyHash, that.keyHash)
        && Objects.equals(lastUsedAt, that.lastUsedAt)
        && Objects.equals(keyLastUsedAt, that.keyLastUsedAt)
        && Objects.equals(createdBy, that.createdBy)
        && Objects.equals(createdAt, that.createdAt)
        && Objects.equals(issuedAt, that.issuedAt)
        && Objects.equals(expiresAt, that.expiresAt)
        && Objects.equals(rotatesAt, that.rotatesAt)
        && Objects.equals(lastRotatedAt, that.lastRotatedAt)
        && Objects.equals(previousKey, that.previousKey)
        && Objects.equals(revokedAt, that.revokedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, keyVersion, fingerprint, expiresAt);
  }
}
