package dev.keyward.toolsecret;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keyward.secrets.SecretTarget;

/** Where a ToolSecret's value comes from and which tool gets it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ToolSecretSpec {

  @JsonPropertyDescription("The label people see, 1 to 1024 characters. Default: metadata.name.")
  private String displayName;

  @JsonPropertyDescription(
      "The value sealed with `keyward seal` for exactly this namespace and name (base64)."
          + " Set this or valueFrom, not both.")
  private String encryptedValue;

  @JsonPropertyDescription(
      "Take the plaintext from a Secret in the same namespace instead; Keyward follows changes"
          + " to it. Set this or encryptedValue, not both.")
  private ValueFrom valueFrom;

  @JsonPropertyDescription(
      "The tool that gets this value: one tool name, or a prefix ending in a single trailing *"
          + " (for example agno__linear__*). Without it the value is only written to its Secret.")
  private String tool;

  @JsonPropertyDescription(
      "The tool argument the value is for, 1 to 1024 characters. Without it the value is for any"
          + " argument of the tool.")
  private String toolArg;

  @JsonPropertyDescription(
      "Use this value for the tool when nothing binds the argument explicitly. Two defaults for"
          + " the same tool and argument conflict; the newer one is not used.")
  private Boolean defaultForTool;

  @JsonPropertyDescription(
      "When the value stops being valid (RFC 3339, e.g. 2027-06-01T00:00:00Z). Keyward removes"
          + " it then and reports Expired.")
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
    private String name;

    @JsonPropertyDescription("Data key in that Secret.")
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
