package dev.keyward.toolsecret;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which ToolSecret a tool gets for an argument, in one namespace. The operator, {@code keyward
 * resolve} and the tests all answer with this class; pods read the same rules from {@code
 * index.json}.
 *
 * <p>A binding matches tool T and argument A when its pattern matches T and its toolArg is A or
 * absent (any argument). Among matches, most important first: an exact tool name beats a wildcard,
 * a longer wildcard beats a shorter one; an explicit binding beats {@code defaultForTool}; an exact
 * toolArg beats an absent one; then the older ToolSecret, then the name. Two defaults for the same
 * (tool, toolArg) conflict: the newer is not used as a default.
 */
public final class ToolIndex {

  public static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Comparator<ToolBinding> AGE =
      Comparator.comparing(ToolBinding::createdAt).thenComparing(ToolBinding::name);

  private final List<ToolBinding> bindings;
  private final Map<String, String> defaultConflicts;

  private ToolIndex(List<ToolBinding> bindings) {
    this.bindings = bindings.stream().sorted(Comparator.comparing(ToolBinding::name)).toList();
    this.defaultConflicts = findDefaultConflicts(this.bindings);
  }

  public static ToolIndex of(Collection<ToolBinding> bindings) {
    return new ToolIndex(List.copyOf(bindings));
  }

  private static Map<String, String> findDefaultConflicts(List<ToolBinding> bindings) {
    Map<List<String>, List<ToolBinding>> byTarget = new LinkedHashMap<>();
    for (ToolBinding b : bindings) {
      if (b.tool() != null && b.defaultForTool()) {
        byTarget
            .computeIfAbsent(java.util.Arrays.asList(b.tool(), b.toolArg()), k -> new ArrayList<>())
            .add(b);
      }
    }
    Map<String, String> conflicts = new TreeMap<>();
    for (List<ToolBinding> defaults : byTarget.values()) {
      defaults.sort(AGE);
      ToolBinding oldest = defaults.get(0);
      for (ToolBinding newer : defaults.subList(1, defaults.size())) {
        conflicts.put(
            newer.name(),
            String.format(
                "Another default for tool %s and %s already exists: %s (older), so this one is"
                    + " not used as the default. Remove defaultForTool from one of them",
                oldest.tool(),
                oldest.toolArg() == null ? "any argument" : "argument " + oldest.toolArg(),
                oldest.name()));
      }
    }
    return conflicts;
  }

  /** The binding tool {@code tool} gets for argument {@code arg}, if any. */
  public Optional<ToolBinding> resolve(String tool, String arg) {
    return bindings.stream()
        .filter(b -> b.tool() != null && new ToolPattern(b.tool()).matches(tool))
        .filter(b -> b.toolArg() == null || b.toolArg().equals(arg))
        .filter(b -> !(b.defaultForTool() && defaultConflicts.containsKey(b.name())))
        .min(
            Comparator.comparing((ToolBinding b) -> -specificity(b))
                .thenComparing(ToolBinding::defaultForTool)
                .thenComparing(b -> b.toolArg() == null)
                .thenComparing(AGE));
  }

  private static long specificity(ToolBinding b) {
    return new ToolPattern(b.tool()).specificity();
  }

  /** ToolSecret name → why it is not used as its tool's default. */
  public Map<String, String> defaultConflicts() {
    return defaultConflicts;
  }

  /** Every binding, sorted by name. */
  public List<ToolBinding> bindings() {
    return bindings;
  }

  /**
   * The {@code index.json} of the index Secret: the bindings' metadata, never a value; each entry's
   * {@code valueKey} is the data key holding its value. Byte-for-byte the same for the same
   * bindings.
   */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", FORMAT_VERSION);
    ArrayNode entries = root.putArray("entries");
    for (ToolBinding b : bindings) {
      ObjectNode e = entries.addObject();
      e.put("name", b.name());
      if (b.tool() != null) {
        e.put("tool", b.tool());
      }
      if (b.toolArg() != null) {
        e.put("toolArg", b.toolArg());
      }
      e.put("defaultForTool", b.defaultForTool());
      if (defaultConflicts.containsKey(b.name())) {
        e.put("conflict", true);
      }
      e.put("fingerprint", b.fingerprint());
      e.put("createdAt", b.createdAt().toString());
      e.put("valueKey", b.name());
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("index.json could not be written", e);
    }
  }

  /** Reads an {@code index.json} back. */
  public static ToolIndex fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("index.json is not valid JSON");
    }
    if (root == null || root.path("version").asInt() != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "index.json has no version " + FORMAT_VERSION + "; is this a Keyward tool index?");
    }
    List<ToolBinding> bindings = new ArrayList<>();
    for (JsonNode e : root.path("entries")) {
      try {
        bindings.add(
            new ToolBinding(
                Objects.requireNonNull(text(e, "name")),
                text(e, "tool"),
                text(e, "toolArg"),
                e.path("defaultForTool").asBoolean(false),
                Instant.parse(Objects.requireNonNull(text(e, "createdAt"))),
                text(e, "fingerprint"),
                0));
      } catch (NullPointerException | DateTimeParseException ex) {
        throw new IllegalArgumentException(
            "index.json has an entry without a name or a valid createdAt");
      }
    }
    return new ToolIndex(bindings);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
