package dev.keyward.toolgrant;

import dev.keyward.apikey.RolloutTarget;
import dev.keyward.common.Conditions;
import dev.keyward.common.SpecProblem;
import dev.keyward.toolsecret.ToolBinding;
import dev.keyward.toolsecret.ToolIndex;
import dev.keyward.toolsecret.ToolPattern;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a grant delivers: each entry resolved to a served ToolSecret's value with the tool index's
 * own rules ({@link ToolIndex#resolve}), or pinned to one ToolSecret, or missing with the command
 * that fixes it. Decided from plain values, without an API server; the reconciler gathers the input
 * and writes the result.
 */
public final class GrantPlan {

  /** A Secret's data may hold at most 1 MiB. */
  public static final long MAX_SECRET_BYTES = 1024 * 1024;

  public static final int MAX_ENV = 253;
  private static final Pattern ENV = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern SECRET_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** How an entry found its value. */
  public static final String PINNED = "pinned";

  public static final String EXACT = "exact";
  public static final String WILDCARD = "wildcard";
  public static final String DEFAULT = "default";

  /** A ToolSecret whose value is served now, as the index sees it, with its value. */
  public record Served(ToolBinding binding, String value) {}

  /**
   * A ToolSecret of the namespace, served or not.
   *
   * @param secretName the Secret it writes its value to
   * @param unusable why its value is not served now (a sentence); null when it is served
   */
  public record Known(
      String name, String tool, String toolArg, String secretName, String unusable) {}

  /** Everything the decision reads. */
  public record Input(
      String namespace,
      String grantName,
      ToolGrantSpec spec,
      String secretName,
      String indexName,
      List<Known> toolSecrets,
      List<Served> served,
      long limitBytes) {}

  private final SpecProblem problem;
  private final Map<String, String> data;
  private final List<ToolGrantStatus.Resolved> resolved;
  private final List<ToolGrantStatus.Missing> missing;
  private final int total;

  private GrantPlan(
      SpecProblem problem,
      Map<String, String> data,
      List<ToolGrantStatus.Resolved> resolved,
      List<ToolGrantStatus.Missing> missing,
      int total) {
    this.problem = problem;
    this.data = data;
    this.resolved = resolved;
    this.missing = missing;
    this.total = total;
  }

  private static GrantPlan failed(SpecProblem problem, int total) {
    return new GrantPlan(problem, null, List.of(), List.of(), total);
  }

  /**
   * The env name an entry gets when it names none: tool and argument joined by {@code _},
   * upper-cased, every character other than a letter, digit or {@code _} replaced by {@code _}, and
   * a leading {@code _} when it would start with a digit. {@code agno__linear__list_issues} and
   * {@code api_key} give {@code AGNO__LINEAR__LIST_ISSUES_API_KEY}; {@code mcp:github/search.code}
   * and {@code token} give {@code MCP_GITHUB_SEARCH_CODE_TOKEN}.
   */
  public static String defaultEnv(String tool, String arg) {
    String joined = (tool + "_" + arg).toUpperCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(joined.length() + 1);
    for (char c : joined.toCharArray()) {
      out.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
    }
    if (out.length() > 0 && Character.isDigit(out.charAt(0))) {
      out.insert(0, '_');
    }
    return out.toString();
  }

  /** The env name of an entry: its own, else {@link #defaultEnv}. */
  public static String env(ToolGrantSpec.Entry entry) {
    return entry.getEnv() != null ? entry.getEnv() : defaultEnv(entry.getTool(), entry.getArg());
  }

  public static GrantPlan decide(Input in) {
    ToolGrantSpec spec = in.spec();
    int total = spec == null || spec.getTools() == null ? 0 : spec.getTools().size();
    Optional<SpecProblem> problem = check(in);
    if (problem.isPresent()) {
      return failed(problem.get(), total);
    }
    ToolIndex index = ToolIndex.of(in.served().stream().map(Served::binding).toList());
    Map<String, String> values = new HashMap<>();
    in.served().forEach(s -> values.put(s.binding().name(), s.value()));
    Map<String, ToolBinding> bindings = new HashMap<>();
    in.served().forEach(s -> bindings.put(s.binding().name(), s.binding()));
    Map<String, Known> known = new HashMap<>();
    in.toolSecrets().forEach(k -> known.put(k.name(), k));

    Map<String, String> data = new LinkedHashMap<>();
    List<ToolGrantStatus.Resolved> resolved = new ArrayList<>();
    List<ToolGrantStatus.Missing> missing = new ArrayList<>();
    for (ToolGrantSpec.Entry e : spec.getTools()) {
      String env = env(e);
      String tool = e.getTool();
      String arg = e.getArg();
      if (e.getToolSecret() != null) {
        String pin = e.getToolSecret();
        Known k = known.get(pin);
        String why = null;
        if (k == null) {
          why =
              String.format(
                  "ToolSecret %s does not exist in namespace %s. Create it: %s, or remove"
                      + " toolSecret from the entry",
                  pin, in.namespace(), sealLine(in.namespace(), pin, tool, arg));
        } else if (!binds(k.tool(), k.toolArg(), tool, arg)) {
          why =
              String.format(
                  "ToolSecret %s binds %s, not tool %s with argument %s. Pin a ToolSecret that"
                      + " binds it, or change spec.tool and spec.toolArg of %s",
                  pin, describe(k.tool(), k.toolArg()), tool, arg, pin);
        } else if (k.unusable() != null || !values.containsKey(pin)) {
          why =
              String.format(
                  "ToolSecret %s cannot be used: %s",
                  pin, k.unusable() == null ? "it has no value yet" : k.unusable());
        }
        if (why != null) {
          missing.add(new ToolGrantStatus.Missing(tool, arg, env, pin, why));
        } else {
          data.put(env, values.get(pin));
          resolved.add(
              new ToolGrantStatus.Resolved(
                  tool, arg, env, pin, bindings.get(pin).fingerprint(), PINNED));
        }
        continue;
      }
      Optional<ToolBinding> match = index.resolve(tool, arg);
      if (match.isPresent()) {
        ToolBinding b = match.get();
        data.put(env, values.get(b.name()));
        resolved.add(
            new ToolGrantStatus.Resolved(tool, arg, env, b.name(), b.fingerprint(), how(b)));
      } else {
        missing.add(
            new ToolGrantStatus.Missing(
                tool, arg, env, null, unresolved(in, known, tool, arg, env)));
      }
    }
    long bytes =
        data.entrySet().stream()
            .mapToLong(
                d ->
                    d.getKey().getBytes(StandardCharsets.UTF_8).length
                        + (long) d.getValue().getBytes(StandardCharsets.UTF_8).length)
            .sum();
    if (bytes > in.limitBytes()) {
      return failed(
          new SpecProblem(
              "PayloadTooLarge",
              String.format(
                  "The grant's values take %d bytes, more than the %d a Secret may hold; nothing"
                      + " was written. Split the tools over two grants",
                  bytes, in.limitBytes())),
          total);
    }
    return new GrantPlan(
        null,
        Collections.unmodifiableMap(data),
        List.copyOf(resolved),
        List.copyOf(missing),
        total);
  }

  private static String how(ToolBinding b) {
    if (b.defaultForTool()) {
      return DEFAULT;
    }
    return new ToolPattern(b.tool()).isWildcard() ? WILDCARD : EXACT;
  }

  private static boolean binds(String pattern, String toolArg, String tool, String arg) {
    return pattern != null
        && ToolPattern.check(pattern).isEmpty()
        && new ToolPattern(pattern).matches(tool)
        && (toolArg == null || toolArg.equals(arg));
  }

  private static String describe(String pattern, String toolArg) {
    if (pattern == null) {
      return "no tool";
    }
    return "tool "
        + pattern
        + (toolArg == null ? " with any argument" : " with argument " + toolArg);
  }

  /** Why nothing resolves, and the seal command that adds a value. */
  private static String unresolved(
      Input in, Map<String, Known> known, String tool, String arg, String env) {
    String seal = sealLine(in.namespace(), suggestedName(env), tool, arg);
    List<Known> blocked =
        in.toolSecrets().stream()
            .filter(k -> k.unusable() != null && binds(k.tool(), k.toolArg(), tool, arg))
            .sorted(java.util.Comparator.comparing(Known::name))
            .toList();
    if (!blocked.isEmpty()) {
      Known k = blocked.get(0);
      return String.format(
          "ToolSecret %s binds tool %s with argument %s but cannot be used: %s. Fix it, or add"
              + " another value: %s",
          k.name(), tool, arg, k.unusable(), seal);
    }
    return String.format(
        "No ToolSecret binds tool %s with argument %s. Add one: %s", tool, arg, seal);
  }

  /** The exact command that seals a value for the entry (the value comes from standard input). */
  public static String sealLine(String namespace, String name, String tool, String arg) {
    return String.format(
        "keyward seal --namespace %s --name %s --tool %s --tool-arg %s | kubectl apply -f -",
        namespace, name, shellWord(tool), shellWord(arg));
  }

  private static String shellWord(String word) {
    return word.matches("[-A-Za-z0-9_.:/=@%+,]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  /** A ToolSecret name for an entry: its env, lower-cased, with - for _. */
  static String suggestedName(String env) {
    String name =
        env.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (name.length() > 253) {
      name = name.substring(0, 253).replaceAll("-+$", "");
    }
    return name.isEmpty() ? "tool-value" : name;
  }

  /** What the API server checks too, for objects it let through (an older CRD), and the rest. */
  static Optional<SpecProblem> check(Input in) {
    ToolGrantSpec spec = in.spec();
    if (spec == null || spec.getTools() == null) {
      return problem("MissingTools", "spec.tools is missing; list the agent's tools");
    }
    if (spec.getDisplayName() != null
        && (spec.getDisplayName().isEmpty() || spec.getDisplayName().length() > 1024)) {
      return problem(
          "InvalidDisplayName", "spec.displayName must be 1 to 1024 characters; shorten it");
    }
    if (spec.getTools().size() > ToolGrantSpec.MAX_TOOLS) {
      return problem(
          "TooManyTools",
          "spec.tools lists "
              + spec.getTools().size()
              + " entries, more than 128; split the agent's grant");
    }
    Map<String, Integer> envs = new HashMap<>();
    for (int i = 0; i < spec.getTools().size(); i++) {
      ToolGrantSpec.Entry e = spec.getTools().get(i);
      String at = "spec.tools[" + i + "]";
      if (e == null || e.getTool() == null || e.getTool().isBlank()) {
        return problem("InvalidTool", at + ".tool is missing; name the tool the agent calls");
      }
      if (e.getTool().contains("*")) {
        return problem(
            "InvalidTool",
            at
                + ".tool has a *; a grant names the concrete tool the agent calls, and"
                + " ToolSecrets carry the wildcards");
      }
      Optional<SpecProblem> tool = ToolPattern.check(e.getTool());
      if (tool.isPresent()) {
        return problem("InvalidTool", at + ": " + tool.get().message());
      }
      if (e.getArg() == null || e.getArg().isBlank() || e.getArg().length() > 1024) {
        return problem(
            "InvalidArg", at + ".arg must be 1 to 1024 characters; name the tool's argument");
      }
      if (e.getToolSecret() != null && e.getToolSecret().isBlank()) {
        return problem(
            "InvalidToolSecret", at + ".toolSecret is empty; name a ToolSecret or leave it out");
      }
      String env = env(e);
      if (e.getEnv() != null && !ENV.matcher(env).matches()) {
        return problem(
            "InvalidEnv",
            at
                + ".env is not a valid environment variable name: letters, digits and _, not"
                + " starting with a digit");
      }
      if (env.length() > MAX_ENV) {
        return problem(
            "InvalidEnv",
            at
                + ": the env derived from tool and arg is longer than 253 characters; set env"
                + " to a shorter name");
      }
      Integer before = envs.put(env, i);
      if (before != null) {
        return problem(
            "DuplicateEnv",
            String.format(
                "spec.tools[%d] and %s both deliver env %s; give one of them another env",
                before, at, env));
      }
    }
    String secret = in.secretName();
    if (secret.length() > 253 || !SECRET_NAME.matcher(secret).matches()) {
      return problem(
          "InvalidSecret",
          "the grant's Secret name "
              + abbreviate(secret)
              + " is not a valid Secret name; set spec.secret.name");
    }
    if (secret.equals(in.indexName())) {
      return problem(
          "InvalidSecret",
          "spec.secret.name (default metadata.name-tools) is the namespace's tool index "
              + in.indexName()
              + "; choose another name");
    }
    for (Known k : in.toolSecrets()) {
      if (secret.equals(k.secretName())) {
        return problem(
            "InvalidSecret",
            String.format(
                "spec.secret.name (default metadata.name-tools) is %s, the Secret of ToolSecret"
                    + " %s; choose another name",
                secret, k.name()));
      }
    }
    if (spec.getRolloutRestartTargets() != null) {
      for (RolloutTarget t : spec.getRolloutRestartTargets()) {
        if (t == null
            || t.getName() == null
            || t.getName().isBlank()
            || !List.of("Deployment", "StatefulSet", "DaemonSet").contains(t.getKind())) {
          return problem(
              "InvalidRolloutTarget",
              "spec.rolloutRestartTargets needs a kind (Deployment, StatefulSet or DaemonSet)"
                  + " and a name for each target");
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> problem(String reason, String message) {
    return Optional.of(new SpecProblem(reason, message));
  }

  private static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 61) + "...";
  }

  /** The plan with the grant's Secret found to belong to someone else: nothing is written. */
  public GrantPlan conflicted(String message) {
    return failed(new SpecProblem("SecretConflict", message), total);
  }

  /** The spec problem that makes the grant Failed; null when it is not. */
  public SpecProblem problem() {
    return problem;
  }

  /** env → value to deliver; null when nothing may be written. */
  public Map<String, String> data() {
    return data;
  }

  public List<ToolGrantStatus.Resolved> resolved() {
    return resolved;
  }

  public List<ToolGrantStatus.Missing> missing() {
    return missing;
  }

  public int total() {
    return total;
  }

  public String phase() {
    if (problem != null) {
      return ToolGrantStatus.FAILED;
    }
    return missing.isEmpty() ? ToolGrantStatus.READY : ToolGrantStatus.INCOMPLETE;
  }

  /** The status this plan reports, keeping the Ready condition's transition time when unchanged. */
  public ToolGrantStatus status(ToolGrant grant, String secretName, String createdBy, Instant now) {
    ToolGrantStatus status = new ToolGrantStatus();
    Long generation = grant.getMetadata().getGeneration();
    status.setPhase(phase());
    status.setObservedGeneration(generation);
    status.setCreatedBy(createdBy);
    status.setTools(resolved.size() + "/" + total);
    status.setSecretName(problem == null ? secretName : null);
    status.setResolved(resolved.isEmpty() ? null : resolved);
    status.setMissing(missing.isEmpty() ? null : missing);
    if (!missing.isEmpty()) {
      String envs =
          missing.stream().map(ToolGrantStatus.Missing::getEnv).collect(Collectors.joining(", "));
      status.setMissingEnv(envs.length() <= 120 ? envs : envs.substring(0, 117) + "...");
    }
    var previous = grant.getStatus() == null ? null : grant.getStatus().getConditions();
    String reason;
    String message;
    if (problem != null) {
      reason = problem.reason();
      message = problem.message();
    } else if (missing.isEmpty()) {
      reason = "Resolved";
      message =
          String.format("All %d tools have their value in Secret %s", resolved.size(), secretName);
    } else {
      reason = "MissingValues";
      message =
          String.format(
              "%d of %d tools have no value (%s)%s. See status.missing for the command that adds"
                  + " each",
              missing.size(),
              total,
              status.getMissingEnv(),
              resolved.isEmpty()
                  ? ""
                  : String.format("; Secret %s carries the other %d", secretName, resolved.size()));
    }
    status.setConditions(
        Conditions.ready(
            problem == null && missing.isEmpty(), reason, message, generation, previous, now));
    return status;
  }
}
