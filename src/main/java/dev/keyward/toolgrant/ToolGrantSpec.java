package dev.keyward.toolgrant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keyward.apikey.RolloutTarget;
import io.fabric8.crd.generator.annotation.SelectableField;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Which tools one agent calls, where their values go, and which workloads read them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ToolGrantSpec {

  /** The most entries one grant may list. */
  public static final int MAX_TOOLS = 128;

  @JsonPropertyDescription("The label people see, 1 to 1024 characters. Default: metadata.name.")
  @SelectableField
  @Size(min = 1, max = 1024)
  private String displayName;

  @JsonPropertyDescription(
      "The tools the agent calls, at most 128: each a concrete tool name, its argument and the"
          + " environment variable (data key of the grant's Secret) that receives the value.")
  @Required
  @Size(max = MAX_TOOLS)
  @ValidationRule(
      value = "self.size() <= " + MAX_TOOLS,
      message = "TooManyTools: spec.tools lists more than 128 entries; split the agent's grant")
  @ValidationRule(
      value =
          "self.all(e, !has(e.env) || self.filter(f, has(f.env) && f.env == e.env).size() == 1)",
      message =
          "DuplicateEnv: two entries of spec.tools have the same env; every entry needs its own"
              + " environment variable")
  private List<Entry> tools;

  @JsonPropertyDescription("Where the values are written. Default: a Secret named <name>-tools.")
  private GrantSecret secret;

  @JsonPropertyDescription(
      "Workloads restarted once each time the values in the grant's Secret change.")
  @Size(max = 16)
  private List<RolloutTarget> rolloutRestartTargets;

  public String getDisplayName() {
    return displayName;
  }

  public void setDisplayName(String displayName) {
    this.displayName = displayName;
  }

  public List<Entry> getTools() {
    return tools;
  }

  public void setTools(List<Entry> tools) {
    this.tools = tools;
  }

  public GrantSecret getSecret() {
    return secret;
  }

  public void setSecret(GrantSecret secret) {
    this.secret = secret;
  }

  public List<RolloutTarget> getRolloutRestartTargets() {
    return rolloutRestartTargets;
  }

  public void setRolloutRestartTargets(List<RolloutTarget> rolloutRestartTargets) {
    this.rolloutRestartTargets = rolloutRestartTargets;
  }

  /** One tool call the agent makes: the tool, its argument, and where the value goes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Entry {

    @JsonPropertyDescription(
        "One concrete tool name, as the agent calls it (no wildcard), e.g."
            + " agno__linear__list_issues.")
    @Required
    @Size(min = 1, max = 1024)
    @ValidationRule(
        value = "!self.contains('*')",
        message =
            "InvalidTool: spec.tools[].tool has a *; a grant names the concrete tool the agent"
                + " calls, and ToolSecrets carry the wildcards")
    @ValidationRule(
        value = "self.matches('^[-A-Za-z0-9_.:/*]*$')",
        message = "InvalidTool: spec.tools[].tool may only hold letters, digits and _ . : / -")
    private String tool;

    @JsonPropertyDescription("The tool argument the value is for, 1 to 1024 characters.")
    @Required
    @Size(min = 1, max = 1024)
    @ValidationRule(
        value = "self.trim().size() > 0",
        message = "InvalidArg: spec.tools[].arg is blank; name the tool's argument, e.g. api_key")
    private String arg;

    @JsonPropertyDescription(
        "The environment variable (and data key of the grant's Secret) receiving the value."
            + " Default: tool and arg joined by _, upper-cased, every other character _.")
    @Size(min = 1, max = 253)
    @ValidationRule(
        value = "self.matches('^[A-Za-z_][A-Za-z0-9_]*$')",
        message =
            "InvalidEnv: spec.tools[].env is not a valid environment variable name: letters,"
                + " digits and _, not starting with a digit")
    private String env;

    @JsonPropertyDescription(
        "Pin the entry to this ToolSecret of the namespace instead of resolving it. The"
            + " ToolSecret must bind the tool and argument.")
    @Size(min = 1, max = 253)
    private String toolSecret;

    public Entry() {}

    public Entry(String tool, String arg, String env, String toolSecret) {
      this.tool = tool;
      this.arg = arg;
      this.env = env;
      this.toolSecret = toolSecret;
    }

    public String getTool() {
      return tool;
    }

    public void setTool(String tool) {
      this.tool = tool;
    }

    public String getArg() {
      return arg;
    }

    public void setArg(String arg) {
      this.arg = arg;
    }

    public String getEnv() {
      return env;
    }

    public void setEnv(String env) {
      this.env = env;
    }

    public String getToolSecret() {
      return toolSecret;
    }

    public void setToolSecret(String toolSecret) {
      this.toolSecret = toolSecret;
    }
  }

  /** The grant's own Secret. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class GrantSecret {

    @JsonPropertyDescription("Secret name. Default: <metadata.name>-tools.")
    @Size(max = 253)
    @ValidationRule(
        value =
            "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",
        message =
            "InvalidSecret: spec.secret.name is not a valid Secret name: use lower-case letters,"
                + " digits, '-' and '.', at most 253 characters")
    private String name;

    public GrantSecret() {}

    public GrantSecret(String name) {
      this.name = name;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }
  }
}
