package dev.keyward.toolsecret;

import dev.keyward.common.SpecProblem;
import dev.keyward.secrets.SecretNames;
import dev.keyward.secrets.SecretTarget;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * A ToolSecret's spec with defaults applied and every field checked, before any value is opened.
 *
 * @param sourceName the Secret named by {@code valueFrom}, null when the value is sealed
 * @param tool the binding pattern, null when the value is for no tool
 */
public record ToolSecretPolicy(
    String displayName,
    String encryptedValue,
    String sourceName,
    String sourceKey,
    String tool,
    String toolArg,
    boolean defaultForTool,
    Optional<Instant> expiresAt,
    boolean revoked,
    String secretName,
    String dataKey,
    Map<String, String> extraLabels,
    Map<String, String> extraAnnotations) {

  public static final String DEFAULT_DATA_KEY = "value";
  public static final int MAX_TEXT = 1024;
  public static final int MIN_VALUE = 4;
  public static final int MAX_VALUE = 1024;

  /** Either a usable policy or the first problem found in the spec. */
  public record Checked(ToolSecretPolicy policy, SpecProblem problem) {
    static Checked problem(String reason, String message) {
      return new Checked(null, new SpecProblem(reason, message));
    }
  }

  /**
   * Applies defaults to {@code toolSecret}'s spec and checks it. Never throws for bad input.
   *
   * @param indexSecretName the namespace's tool index Secret, which no ToolSecret may write to
   */
  public static Checked from(ToolSecret toolSecret, String indexSecretName) {
    ToolSecretSpec spec =
        toolSecret.getSpec() == null ? new ToolSecretSpec() : toolSecret.getSpec();
    String name = toolSecret.getMetadata().getName();

    if (ToolIndexSecret.INDEX_KEY.equals(name)) {
      return Checked.problem(
          "InvalidName",
          "A ToolSecret cannot be named "
              + ToolIndexSecret.INDEX_KEY
              + ": that name is the tool index's own entry. Choose another name");
    }
    String displayName = spec.getDisplayName() == null ? name : spec.getDisplayName();
    if (displayName.isEmpty() || displayName.length() > MAX_TEXT) {
      return Checked.problem(
          "InvalidDisplayName", "spec.displayName must be 1 to 1024 characters long");
    }

    boolean sealed = spec.getEncryptedValue() != null;
    boolean fromSecret = spec.getValueFrom() != null;
    if (sealed && fromSecret) {
      return Checked.problem(
          "AmbiguousValue",
          "spec.encryptedValue and spec.valueFrom are both set; keep exactly one of them");
    }
    if (!sealed && !fromSecret) {
      return Checked.problem(
          "MissingValue",
          "Neither spec.encryptedValue nor spec.valueFrom is set; seal the value with `keyward"
              + " seal` or point spec.valueFrom.secretKeyRef at a Secret");
    }
    String sourceName = null;
    String sourceKey = null;
    if (fromSecret) {
      ToolSecretSpec.SecretKeyRef ref = spec.getValueFrom().getSecretKeyRef();
      if (ref == null || isBlank(ref.getName()) || isBlank(ref.getKey())) {
        return Checked.problem(
            "InvalidValueFrom",
            "spec.valueFrom.secretKeyRef needs both name and key of a Secret in this namespace");
      }
      sourceName = ref.getName();
      sourceKey = ref.getKey();
    }

    String tool = spec.getTool();
    Optional<SpecProblem> toolProblem = ToolPattern.check(tool);
    if (toolProblem.isPresent()) {
      return new Checked(null, toolProblem.get());
    }
    String toolArg = spec.getToolArg();
    if (toolArg != null && (toolArg.isEmpty() || toolArg.length() > MAX_TEXT)) {
      return Checked.problem("InvalidToolArg", "spec.toolArg must be 1 to 1024 characters long");
    }
    boolean defaultForTool = Boolean.TRUE.equals(spec.getDefaultForTool());
    if (tool == null && (toolArg != null || defaultForTool)) {
      return Checked.problem(
          "InvalidTool",
          "spec.toolArg and spec.defaultForTool only apply to a tool; set spec.tool as well");
    }

    Optional<Instant> expiresAt = Optional.empty();
    if (spec.getExpiresAt() != null) {
      try {
        expiresAt = Optional.of(OffsetDateTime.parse(spec.getExpiresAt()).toInstant());
      } catch (DateTimeParseException e) {
        return Checked.problem(
            "InvalidExpiresAt",
            String.format(
                "spec.expiresAt \"%s\" is not an RFC 3339 time; write it like"
                    + " 2027-06-01T00:00:00Z",
                spec.getExpiresAt()));
      }
    }

    SecretTarget target = spec.getSecret() == null ? new SecretTarget() : spec.getSecret();
    String secretName = target.getName() == null ? name : target.getName();
    String dataKey = target.getKey() == null ? DEFAULT_DATA_KEY : target.getKey();
    SpecProblem targetProblem = SecretNames.check(secretName, dataKey);
    if (targetProblem != null) {
      return new Checked(null, targetProblem);
    }
    if (secretName.equals(indexSecretName)) {
      return Checked.problem(
          "InvalidSecret",
          String.format(
              "spec.secret.name \"%s\" is this namespace's tool index; choose another name",
              secretName));
    }
    if (secretName.equals(sourceName)) {
      return Checked.problem(
          "InvalidSecret",
          String.format(
              "spec.secret.name \"%s\" is also the Secret spec.valueFrom reads; choose another"
                  + " name for one of them",
              secretName));
    }

    return new Checked(
        new ToolSecretPolicy(
            displayName,
            spec.getEncryptedValue(),
            sourceName,
            sourceKey,
            tool,
            toolArg,
            defaultForTool,
            expiresAt,
            Boolean.TRUE.equals(spec.getRevoked()),
            secretName,
            dataKey,
            target.getLabels() == null ? Map.of() : Map.copyOf(target.getLabels()),
            target.getAnnotations() == null ? Map.of() : Map.copyOf(target.getAnnotations())),
        null);
  }

  /** Checks an opened value's length; the message never shows the value. */
  public static Optional<SpecProblem> checkValue(String value) {
    int length = value.codePointCount(0, value.length());
    if (length < MIN_VALUE) {
      return Optional.of(
          new SpecProblem(
              "ValueTooShort",
              String.format(
                  "The value has %d characters; a tool credential has 4 to 1024", length)));
    }
    if (length > MAX_VALUE) {
      return Optional.of(
          new SpecProblem(
              "ValueTooLong",
              String.format(
                  "The value has %d characters; a tool credential has 4 to 1024", length)));
    }
    return Optional.empty();
  }

  public boolean sealed() {
    return encryptedValue != null;
  }

  /** True when the value must not be served at {@code now}. */
  public boolean expired(Instant now) {
    return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
