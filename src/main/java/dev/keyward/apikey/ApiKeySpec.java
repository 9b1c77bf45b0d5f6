package dev.keyward.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keyward.secrets.SecretTarget;
import io.fabric8.crd.generator.annotation.SelectableField;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** What the ApiKey should be. Keyward validates every value and reports mistakes in status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.expiresAfter) || !has(self.rotation) || !has(self.rotation.overlap)"
            + " || !self.expiresAfter.matches("
            + ApiKeySpec.ONE_PART
            + ")"
            + " || !self.rotation.overlap.matches("
            + ApiKeySpec.ONE_PART
            + ")"
            + " || 2 * "
            + ApiKeySpec.OVERLAP_SECONDS
            + " <= "
            + ApiKeySpec.LIFETIME_SECONDS,
    message =
        "InvalidRotation: spec.rotation.overlap must be at most half of spec.expiresAfter, so"
            + " that no more than two keys are valid at once")
public class ApiKeySpec {

  /**
   * A duration of one number and one unit ({@code 90d}); the rotation rule compares only these, CEL
   * having no loop to add up {@code 1h30m}. The operator checks every form.
   */
  static final String ONE_PART = "'^[0-9]{1,9}[dhms]$'";

  /** CEL for the seconds in the one-part {@code expiresAfter}. */
  static final String LIFETIME_SECONDS =
      "(int(self.expiresAfter.substring(0, self.expiresAfter.size() - 1))"
          + " * (self.expiresAfter.endsWith('d') ? 86400 : self.expiresAfter.endsWith('h') ? 3600"
          + " : self.expiresAfter.endsWith('m') ? 60 : 1))";

  /** CEL for the seconds in the one-part {@code rotation.overlap}. */
  static final String OVERLAP_SECONDS =
      "(int(self.rotation.overlap.substring(0, self.rotation.overlap.size() - 1))"
          + " * (self.rotation.overlap.endsWith('d') ? 86400 : self.rotation.overlap.endsWith('h') ? 3600"
          + " : self.rotation.overlap.endsWith('m') ? 60 : 1))";

  /** The duration grammar of {@code common.Durations}: 90d, 36h, 15m, 30s or several of them. */
  static final String DURATION = "'^([0-9]{1,9}[dhms])+$'";

  /** A duration made only of zeros ({@code 0d}, {@code 0h0m}) has no digit 1 to 9. */
  static final String NOT_ZERO = "!self.matches(" + DURATION + ") || self.matches('[1-9]')";

  @JsonPropertyDescription("The label people see, 1 to 1024 characters. Default: metadata.name.")
  @SelectableField
  @Size(min = 1, max = 1024)
  private String displayName;

  @SelectableField
  @Size(max = 64)
  @ValidationRule(
      value = "self == 'Agent' || self == 'Standard'",
      message = "InvalidType: spec.type must be Agent or Standard")
  @JsonPropertyDescription(
      "Agent or Standard (default Standard). Agent keys default to a 90d lifetime with rotation"
          + " and the kwa_ prefix; Standard keys default to no expiry and the kw_ prefix.")
  private String type;

  @JsonPropertyDescription(
      "Lifetime of each key version, written like 90d, 36h, 15m or 30s, or never. Default: 90d"
          + " for Agent keys, never for Standard keys.")
  @Size(max = 64)
  @ValidationRule(
      value = "self == 'never' || self.matches(" + DURATION + ")",
      message =
          "InvalidDuration: spec.expiresAfter is not a duration: write a positive number followed"
              + " by d, h, m or s, for example 90d, 36h, 15m or 30s, or never")
  @ValidationRule(
      value = NOT_ZERO,
      message = "InvalidDuration: spec.expiresAfter must be longer than zero")
  private String expiresAfter;

  @JsonPropertyDescription("Automatic rotation before expiry.")
  private RotationSettings rotation;

  @JsonPropertyDescription(
      "true removes every value from the Secret at once. Setting it back to false issues a new"
          + " key; a revoked value never comes back.")
  private Boolean revoked;

  @JsonPropertyDescription(
      "Permissions granted to the key, free strings. Editable without re-issuing the key.")
  private List<String> scopes;

  @JsonPropertyDescription("Optional key format: prefix and number of random characters.")
  private FormatSettings format;

  @JsonPropertyDescription(
      "Where the key is written. Default: a Secret named like the ApiKey, data key apiKey.")
  private SecretTarget secret;

  @JsonPropertyDescription(
      "Workloads in this namespace to restart after each new key version (not the first), for"
          + " consumers that read the key from an environment variable: a pod template annotation"
          + " is bumped once per version.")
  @Size(max = 32)
  private List<RolloutTarget> rolloutRestartTargets;

  @JsonPropertyDescription(
      "Revoke the key when it has not been used for this long (its last use as recorded by the"
          + " verifier, or its issue time when never used), written like 90d. Absent: never.")
  @Size(max = 64)
  @ValidationRule(
      value = "self == 'never' || self.matches(" + DURATION + ")",
      message =
          "InvalidDuration: spec.revokeWhenUnusedFor is not a duration: write a positive number"
              + " followed by d, h, m or s, for example 90d, or never")
  @ValidationRule(
      value = NOT_ZERO,
      message = "InvalidDuration: spec.revokeWhenUnusedFor must be longer than zero")
  private String revokeWhenUnusedFor;

  @JsonPropertyDescription(
      "Requests per period the verifier accepts for this key, a token bucket in each verifier"
          + " replica. Absent: no limit.")
  private RateLimit rateLimit;

  public String getDisplayName() {
    return displayName;
  }

  public void setDisplayName(String displayName) {
    this.displayName = displayName;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getExpiresAfter() {
    return expiresAfter;
  }

  public void setExpiresAfter(String expiresAfter) {
    this.expiresAfter = expiresAfter;
  }

  public RotationSettings getRotation() {
    return rotation;
  }

  public void setRotation(RotationSettings rotation) {
    this.rotation = rotation;
  }

  public Boolean getRevoked() {
    return revoked;
  }

  public void setRevoked(Boolean revoked) {
    this.revoked = revoked;
  }

  public List<String> getScopes() {
    return scopes;
  }

  public void setScopes(List<String> scopes) {
    this.scopes = scopes;
  }

  public FormatSettings getFormat() {
    return format;
  }

  public void setFormat(FormatSettings format) {
    this.format = format;
  }

  public SecretTarget getSecret() {
    return secret;
  }

  public void setSecret(SecretTarget secret) {
    this.secret = secret;
  }

  public List<RolloutTarget> getRolloutRestartTargets() {
    return rolloutRestartTargets;
  }

  public void setRolloutRestartTargets(List<RolloutTarget> rolloutRestartTargets) {
    this.rolloutRestartTargets = rolloutRestartTargets;
  }

  public String getRevokeWhenUnusedFor() {
    return revokeWhenUnusedFor;
  }

  public void setRevokeWhenUnusedFor(String revokeWhenUnusedFor) {
    this.revokeWhenUnusedFor = revokeWhenUnusedFor;
  }

  public RateLimit getRateLimit() {
    return rateLimit;
  }

  public void setRateLimit(RateLimit rateLimit) {
    this.rateLimit = rateLimit;
  }
}
