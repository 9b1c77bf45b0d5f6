package dev.keyward.toolgrant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.keyward.common.HasConditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/**
 * What the grant delivers and what it lacks. Never a value: fingerprints only. Everything here can
 * be recomputed from the ToolSecrets and the grant's Secret, so a lost status write loses nothing.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ToolGrantStatus implements HasConditions {

  public static final String READY = "Ready";
  public static final String INCOMPLETE = "Incomplete";
  public static final String FAILED = "Failed";

  @JsonPropertyDescription(
      "Ready (every entry has a value), Incomplete (some have none; the Secret carries the"
          + " others) or Failed (a spec problem).")
  private String phase;

  @JsonPropertyDescription("Ready condition with reason and message, Kubernetes conventions.")
  private List<Condition> conditions;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Entries with a value, of all entries, e.g. 2/3.")
  private String tools;

  @JsonPropertyDescription("The env names of the entries without a value, comma-separated.")
  private String missingEnv;

  @JsonPropertyDescription("Name of the Secret holding the values.")
  private String secretName;

  @JsonPropertyDescription("Who created the ToolGrant, as recorded by the admission webhook.")
  private String createdBy;

  @JsonPropertyDescription("The entries with a value: which ToolSecret, and how it matched.")
  private List<Resolved> resolved;

  @JsonPropertyDescription("The entries without a value, and what to do about each.")
  private List<Missing> missing;

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

  public String getTools() {
    return tools;
  }

  public void setTools(String tools) {
    this.tools = tools;
  }

  public String getMissingEnv() {
    return missingEnv;
  }

  public void setMissingEnv(String missingEnv) {
    this.missingEnv = missingEnv;
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

  public List<Resolved> getResolved() {
    return resolved;
  }

  public void setResolved(List<Resolved> resolved) {
    this.resolved = resolved;
  }

  public List<Missing> getMissing() {
    return missing;
  }

  public void setMissing(List<Missing> missing) {
    this.missing = missing;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ToolGrantStatus s
        && Objects.equals(phase, s.phase)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(tools, s.tools)
        && Objects.equals(missingEnv, s.missingEnv)
        && Objects.equals(secretName, s.secretName)
        && Objects.equals(createdBy, s.createdBy)
        && Objects.equals(resolved, s.resolved)
        && Objects.equals(missing, s.missing);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, observedGeneration, tools, secretName, resolved, missing);
  }

  /** What every reported entry names: the tool, its argument, the data key, the ToolSecret. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public abstract static class Entry {

    @JsonPropertyDescription("The tool.")
    private String tool;

    @JsonPropertyDescription("The argument.")
    private String arg;

    @JsonPropertyDescription("The data key (environment variable) of the entry.")
    private String env;

    @JsonPropertyDescription(
        "The ToolSecret: the one whose value is delivered, or the one the entry pins.")
    private String toolSecret;

    Entry() {}

    Entry(String tool, String arg, String env, String toolSecret) {
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

    /** True when {@code other} names the same tool, argument, data key and ToolSecret. */
    boolean sameEntry(Entry other) {
      return Objects.equals(tool, other.tool)
          && Objects.equals(arg, other.arg)
          && Objects.equals(env, other.env)
          && Objects.equals(toolSecret, other.toolSecret);
    }

    int entryHash() {
      return Objects.hash(tool, arg, env, toolSecret);
    }
  }

  /** An entry with a value. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Resolved extends Entry {

    @JsonPropertyDescription("sha256: and the first 16 hex digits of the SHA-256 of the value.")
    private String fingerprint;

    @JsonPropertyDescription(
        "How the ToolSecret was chosen: pinned, exact (tool name), wildcard (tool prefix) or"
            + " default (defaultForTool).")
    private String match;

    public Resolved() {}

    public Resolved(
        String tool, String arg, String env, String toolSecret, String fingerprint, String match) {
      super(tool, arg, env, toolSecret);
      this.fingerprint = fingerprint;
      this.match = match;
    }

    public String getFingerprint() {
      return fingerprint;
    }

    public void setFingerprint(String fingerprint) {
      this.fingerprint = fingerprint;
    }

    public String getMatch() {
      return match;
    }

    public void setMatch(String match) {
      this.match = match;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Resolved r
          && sameEntry(r)
          && Objects.equals(fingerprint, r.fingerprint)
          && Objects.equals(match, r.match);
    }

    @Override
    public int hashCode() {
      return Objects.hash(entryHash(), fingerprint, match);
    }
  }

  /** An entry without a value. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Missing extends Entry {

    @JsonPropertyDescription(
        "Why there is no value and what to do: the keyward seal command that adds one, or why"
            + " the pinned ToolSecret cannot be used.")
    private String fix;

    public Missing() {}

    public Missing(String tool, String arg, String env, String toolSecret, String fix) {
      super(tool, arg, env, toolSecret);
      this.fix = fix;
    }

    public String getFix() {
      return fix;
    }

    public void setFix(String fix) {
      this.fix = fix;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Missing m && sameEntry(m) && Objects.equals(fix, m.fix);
    }

    @Override
    public int hashCode() {
      return Objects.hash(entryHash(), fix);
    }
  }
}
