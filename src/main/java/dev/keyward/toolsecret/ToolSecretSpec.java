package dev.keyward.toolsecret;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keyward.secrets.SecretTarget;
import io.fabric8.crd.generator.annotation.SelectableField;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Where a ToolSecret's value comes from and which tool gets it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!(has(self.encryptedValue) && has(self.valueFrom))",
    message =
        "AmbiguousValue: spec.encryptedValue and spec.valueFrom are both set; keep exactly one of"
            + " them")
@ValidationRule(
    value = "has(self.encryptedValue) || has(self.valueFrom)",
    message =
        "MissingValue: neither spec.encryptedValue nor spec.valueFrom is set; seal the value with"
            + " `keyward seal` or point spec.valueFrom.secretKeyRef at a Secret")
@ValidationRule(
    value =
        "has(self.tool) || (!has(self.toolArg) && !(has(self.defaultForTool) &&"
            + " self.defaultForTool))",
    message =
        "InvalidTool: spec.toolArg and spec.defaultForTool only apply to a tool; set spec.tool as"
            + " well")
public class ToolSecretSpec {

  /**
   * The shortest base64 a sealed value can have: version, binding length, the shortest binding
   * ({@code a/b}) and Tink's fixed overhead make 59 bytes, 80 base64 characters.
   */
  static final int MIN_SEALED_LENGTH = 80;

  @JsonPropertyDescription("The label people see, 1 to 1024 characters. Default: metadata.name.")
  @SelectableField
  @Size(min = 1, max = 1024)
  private String displayName;

  @JsonPropertyDescription(
      "The value sealed with `keyward seal` for exactly this namespace and name (base64)."
          + " Set this or valueFrom, not both.")
  @Size(max = 8192)
  @ValidationRule(
      value = "self.matches('^[A-Za-z0-9+/]*={0,2}$')",
      message =
          "NotBase64: spec.encryptedValue is not base64; paste the output of `keyward seal`"
              + " unchanged")
  @ValidationRule(
      value = "self.size() >= " + ToolSecretSpec.MIN_SEALED_LENGTH,
      message =
          "Truncated: spec.encryptedValue is too short to be a sealed value; paste the whole"
              + " output of `keyward seal`")
  @ValidationRule(
      value = "self.size() < " + ToolSecretSpec.MIN_SEALED_LENGTH + " || self.startsWith('AQ')",
      message =
          "UnsupportedFormat: spec.encryptedValue is not in the sealed format this Keyward reads;"
              + " seal the value again with `keyward seal`")
  private String encryptedValue;

  @JsonPropertyDescription(
      "Take the plaintext from a Secret in the same namespace instead; Keyward follows changes"
          + " to it. Set this or encryptedValue, not both.")
  private ValueFrom valueFrom;

  @JsonPropertyDescription(
      "The tool that gets this value: one tool name, or a prefix ending in a single trailing *"
          + " (for example agno__linear__*). Without it the value is only written to its Secret.")
  @SelectableField
  @Size(min = 1, max = 1024)
  @ValidationRule(
      value = "self != '*'",
      message =
          "InvalidTool: spec.tool \"*\" would give the value to every tool; name a tool or a"
              + " prefix like agno__linear__*")
  @ValidationRule(
      value = "!self.matches('[,[:space:]]')",
      message =
          "InvalidTool: spec.tool looks like a list; a ToolSecret binds one tool or one prefix")
  @ValidationRule(
      value = "!self.matches('[*].')",
      message =
          "InvalidTool: spec.tool has a * that is not the last character; only a single trailing"
              + " * is allowed, like agno__linear__*")
  @ValidationRule(
      value = "self.matches('^[-A-Za-z0-9_.:/*,[:space:]]*$')",
      message =
          "InvalidTool: spec.tool may only hold letters, digits and _ . : / -, with an optional"
              + " trailing *")
  private String tool;

  @JsonPropertyDescription(
      "The tool argument the value is for, 1 to 1024 characters. Without it the value is for any"
          + " argument of the tool.")
  @Size(min = 1, max = 1024)
  private String toolArg;

  @JsonPropertyDescription(
      "Use this value for the tool when nothing binds the argument explicitly. Two defaults for"
          + " the same tool and argument conflict; the newer one is not used.")
  private Boolean defaultForTool;

  @JsonPropertyDescription(
      "When the value stops being valid (RFC 3339, e.g. 2027-06-01T00:00:00Z). Keyward removes"
          + " it then and reports Expired.")
  @Size(max = 64)
  @ValidationRule(
      value =
          "self.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?"
              + "([Zz]|[+-][0-9]{2}:[0-9]{2})$')",
      message =
          "InvalidExpiresAt: spec.expiresAt is not an RFC 3339 time; write it like"
              + " 2027-06-01T00:00:00Z")
  private String expiresAt;

  @JsonPropertyDescription("true removes the value from its Secret and from the tool index.")
  private Boolean revoked;

  @JsonPropertyDescription(
      "Where the value is written. Default: a Secret named like the ToolSecret, data key value.")
  private SecretTarget secret;

  public String getDisplayName() {
    return displayName;
  }

  public void setDisplayName(String displayName) {
    this.displayName = displayName;
  }

  public String getEncryptedValue() {
    return encryptedValue;
  }

  public void setEncryptedValue(String encryptedValue) {
    this.encryptedValue = encryptedValue;
  }

  public ValueFrom getValueFrom() {
    return valueFrom;
  }

  public void setValueFrom(ValueFrom valueFrom) {
    this.valueFrom = valueFrom;
  }

  public String getTool() {
    return tool;
  }

  public void setTool(String tool) {
    this.tool = tool;
  }

  public String getToolArg() {
    return toolArg;
  }

  public void setToolArg(String toolArg) {
    this.toolArg = toolArg;
  }

  public Boolean getDefaultForTool() {
    return defaultForTool;
  }

  public void setDefaultForTool(Boolean defaultForTool) {
    this.defaultForTool = defaultForTool;
  }

  public String getExpiresAt() {
    return expiresAt;
  }

  public void setExpiresAt(String expiresAt) {
    this.expiresAt = expiresAt;
  }

  public Boolean getRevoked() {
    return revoked;
  }

  public void setRevoked(Boolean revoked) {
    this.revoked = revoked;
  }

  public SecretTarget getSecret() {
    return secret;
  }

  public void setSecret(SecretTarget secret) {
    this.secret = secret;
  }

  /** A plaintext source: a key of a Secret in the ToolSecret's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ValueFrom {

    @JsonPropertyDescription("The Secret and data key holding the plaintext.")
    @Required
    private SecretKeyRef secretKeyRef;

    public SecretKeyRef getSecretKeyRef() {
      return secretKeyRef;
    }

    public void setSecretKeyRef(SecretKeyRef secretKeyRef) {
      this.secretKeyRef = secretKeyRef;
    }
  }

  /** A data key of a Secret in the same namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretKeyRef {

    @JsonPropertyDescription("Name of the Secret.")
    @Required
    @Size(min = 1, max = 253)
    private String name;

    @JsonPropertyDescription("Data key in that Secret.")
    @Required
    @Size(min = 1, max = 253)
    private String key;

    public SecretKeyRef() {}

    public SecretKeyRef(String name, String key) {
      this.name = name;
      this.key = key;
    }

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
  }
}
