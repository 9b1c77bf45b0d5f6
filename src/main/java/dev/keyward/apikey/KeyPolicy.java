package dev.keyward.apikey;

import dev.keyward.common.Durations;
import dev.keyward.common.Durations.InvalidDurationException;
import dev.keyward.common.SpecProblem;
import dev.keyward.secrets.SecretNames;
import dev.keyward.secrets.SecretTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An ApiKey's spec with every default applied and every value checked: the only form of the spec
 * the rotation decision sees.
 *
 * @param lifetime empty when keys never expire
 * @param overlap how long the previous key stays valid after a rotation
 * @param revokeWhenUnusedFor empty when keys are never revoked for being unused
 */
public record KeyPolicy(
    String type,
    String displayName,
    String prefix,
    int length,
    Optional<Duration> lifetime,
    boolean rotationEnabled,
    Duration overlap,
    boolean revoked,
    List<String> scopes,
    String secretName,
    String dataKey,
    Map<String, String> extraLabels,
    Map<String, String> extraAnnotations,
    List<RolloutTarget> rolloutTargets,
    Optional<Duration> revokeWhenUnusedFor) {

  public static final Set<String> ROLLOUT_KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet");
  public static final String AGENT = "Agent";
  public static final String STANDARD = "Standard";
  public static final Duration AGENT_DEFAULT_LIFETIME = Duration.ofDays(90);
  public static final Duration MAX_DEFAULT_OVERLAP = Duration.ofDays(7);
  public static final String DEFAULT_DATA_KEY = "apiKey";
  public static final String PREVIOUS_SUFFIX = ".previous";

  /** Either a usable policy or the first problem found in the spec. */
  public record Checked(KeyPolicy policy, SpecProblem problem) {
    static Checked problem(String reason, String message) {
      return new Checked(null, new SpecProblem(reason, message));
    }
  }

  /** Applies defaults to {@code key}'s spec and checks it. Never throws for bad input. */
  public static Checked from(ApiKey key) {
    ApiKeySpec spec = key.getSpec() == null ? new ApiKeySpec() : key.getSpec();
    String name = key.getMetadata().getName();

    String type = spec.getType() == null ? STANDARD : spec.getType();
    if (!AGENT.equals(type) && !STANDARD.equals(type)) {
      return Checked.problem(
          "InvalidType", String.format("spec.type \"%s\" must be Agent or Standard", type));
    }
    boolean agent = AGENT.equals(type);

    String displayName = spec.getDisplayName() == null ? name : spec.getDisplayName();
    if (displayName.isEmpty() || displayName.length() > 1024) {
      return Checked.problem(
          "InvalidDisplayName", "spec.displayName must be 1 to 1024 characters long");
    }

    Optional<Duration> lifetime;
    Duration overlap;
    Optional<Duration> unusedFor;
    try {
      unusedFor =
          spec.getRevokeWhenUnusedFor() == null
              ? Optional.empty()
              : Durations.parseOrNever("spec.revokeWhenUnusedFor", spec.getRevokeWhenUnusedFor());
      lifetime =
          spec.getExpiresAfter() == null
              ? (agent ? Optional.of(AGENT_DEFAULT_LIFETIME) : Optional.empty())
              : Durations.parseOrNever("spec.expiresAfter", spec.getExpiresAfter());
      RotationSettings rotation = spec.getRotation();
      overlap =
          rotation == null || rotation.getOverlap() == null
              ? defaultOverlap(lifetime)
              : Durations.parse("spec.rotation.overlap", rotation.getOverlap());
    } catch (InvalidDurationException e) {
      return Checked.problem("InvalidDuration", e.getMessage());
    }
    boolean rotationEnabled =
        lifetime.isPresent()
            && (spec.getRotation() == null
                || spec.getRotation().getEnabled() == null
                || spec.getRotation().getEnabled());
    if (lifetime.isPresent() && overlap.multipliedBy(2).compareTo(lifetime.get()) > 0) {
      return Checked.problem(
          "InvalidRotation",
          String.format(
              "spec.rotation.overlap (%s) must be at most half of spec.expiresAfter (%s), so that"
                  + " no more than two keys are valid at once",
              Durations.format(overlap), Durations.format(lifetime.get())));
    }

    String rateLimitProblem = checkRateLimit(spec.getRateLimit());
    if (rateLimitProblem != null) {
      return Checked.problem("InvalidRateLimit", rateLimitProblem);
    }

    FormatSettings format = spec.getFormat();
    String prefix =
        format == null || format.getPrefix() == null
            ? (agent ? KeyFormat.AGENT_PREFIX : KeyFormat.STANDARD_PREFIX)
            : format.getPrefix();
    int length =
        format == null || format.getLength() == null
            ? KeyFormat.DEFAULT_LENGTH
            : format.getLength();
    String formatProblem = KeyFormat.checkPrefix(prefix);
    if (formatProblem == null) {
      formatProblem = KeyFormat.checkLength(length);
    }
    if (formatProblem != null) {
      return Checked.problem("InvalidKeyFormat", formatProblem);
    }

    SecretTarget target = spec.getSecret() == null ? new SecretTarget() : spec.getSecret();
    String secretName = target.getName() == null ? name : target.getName();
    String dataKey = target.getKey() == null ? DEFAULT_DATA_KEY : target.getKey();
    SpecProblem targetProblem = SecretNames.check(secretName, dataKey);
    if (targetProblem != null) {
      return new Checked(null, targetProblem);
    }

    List<RolloutTarget> targets =
        spec.getRolloutRestartTargets() == null
            ? List.of()
            : List.copyOf(spec.getRolloutRestartTargets());
    for (RolloutTarget t : targets) {
      if (t == null || !ROLLOUT_KINDS.contains(t.getKind())) {
        return Checked.problem(
            "InvalidRolloutTarget",
            String.format(
                "spec.rolloutRestartTargets kind \"%s\" must be Deployment, StatefulSet or"
                    + " DaemonSet",
                t == null ? null : t.getKind()));
      }
      if (t.getName() == null || t.getName().isBlank()) {
        return Checked.problem(
            "InvalidRolloutTarget", "every spec.rolloutRestartTargets entry needs a name");
      }
    }

    return new Checked(
        new KeyPolicy(
            type,
            displayName,
            prefix,
            length,
            lifetime,
            rotationEnabled,
            overlap,
            Boolean.TRUE.equals(spec.getRevoked()),
            spec.getScopes() == null ? List.of() : List.copyOf(spec.getScopes()),
            secretName,
            dataKey,
            target.getLabels() == null ? Map.of() : Map.copyOf(target.getLabels()),
            target.getAnnotations() == null ? Map.of() : Map.copyOf(target.getAnnotations()),
            targets,
            unusedFor),
        null);
  }

  /**
   * The verifier enforces {@code spec.rateLimit}; the operator refuses what it could not enforce,
   * so a typo shows on the ApiKey instead of silently meaning "no limit".
   */
  static String checkRateLimit(RateLimit limit) {
    if (limit == null) {
      return null;
    }
    if (limit.getRequests() == null || limit.getRequests() < 1) {
      return String.format(
          "spec.rateLimit.requests (%s) must be at least 1; remove spec.rateLimit for no limit",
          limit.getRequests());
    }
    if (limit.getPer() == null) {
      return "spec.rateLimit.per is required, for example 1m for "
          + limit.getRequests()
          + " requests per minute";
    }
    try {
      Durations.parse("spec.rateLimit.per", limit.getPer());
    } catch (InvalidDurationException e) {
      return e.getMessage();
    }
    return null;
  }

  /** 7 days, or a quarter of the lifetime when that is shorter (40s keys overlap by 10s). */
  static Duration defaultOverlap(Optional<Duration> lifetime) {
    if (lifetime.isEmpty()) {
      return MAX_DEFAULT_OVERLAP;
    }
    Duration quarter = Duration.ofSeconds(Math.max(1, lifetime.get().getSeconds() / 4));
    return quarter.compareTo(MAX_DEFAULT_OVERLAP) < 0 ? quarter : MAX_DEFAULT_OVERLAP;
  }

  /** When a key version issued at {@code issuedAt} expires; null when it never does. */
  public Instant expiresAt(Instant issuedAt) {
    return lifetime.map(issuedAt::plus).orElse(null);
  }

  /** When automatic rotation of a version issued at {@code issuedAt} starts; null when never. */
  public Instant rotatesAt(Instant issuedAt) {
    return rotationEnabled && lifetime.isPresent()
        ? issuedAt.plus(lifetime.get()).minus(overlap)
        : null;
  }

  public String previousDataKey() {
    return dataKey + PREVIOUS_SUFFIX;
  }
}
