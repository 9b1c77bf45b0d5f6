package dev.keyward.testing;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A generated CRD's schema, checked the way the API server checks a custom resource on create: the
 * OpenAPI constraints (required, minLength/maxLength, pattern, minimum/maximum, enum,
 * minItems/maxItems) and every CEL rule ({@code x-kubernetes-validations}), evaluated with Google's
 * CEL for Java with {@code self} bound to the value at the rule's place. A rule on an absent field
 * does not run; rules at the root see {@code metadata.name} and {@code metadata.generateName} only.
 */
public final class CrdSchema {

  /** One refusal: where, and what refused it ({@code minLength 1}, or a CEL rule's message). */
  public record Violation(String path, String rule, Object value) {
    /** {@code path} and the rule's first word: a CEL message's reason, or the OpenAPI keyword. */
    public String brief() {
      int colon = rule.indexOf(':');
      int space = rule.indexOf(' ');
      int end = colon > 0 ? colon : space > 0 ? space : rule.length();
      return path + " " + rule.substring(0, end);
    }

    /**
     * How a real API server words this refusal in its 422 answer ({@code field: detail}), so the
     * mock can give the same answer where a test needs it.
     */
    public String apiServerCause() {
      int space = rule.indexOf(' ');
      String keyword = space > 0 ? rule.substring(0, space) : rule;
      String bound = space > 0 ? rule.substring(space + 1) : "";
      String invalid = "Invalid value: " + Serialization.asJson(value) + ": " + path + " in body";
      String detail =
          switch (keyword) {
            case "required" -> "Required value";
            case "minLength" -> invalid + " should be at least " + bound + " chars long";
            case "maxLength" -> "Too long: may not be more than " + bound + " bytes";
            case "pattern" -> invalid + " should match '" + bound + "'";
            case "minimum" -> invalid + " should be greater than or equal to " + bound;
            case "maximum" -> invalid + " should be less than or equal to " + bound;
            case "enum" -> "Unsupported value: " + Serialization.asJson(value);
            case "minItems" -> invalid + " should have at least " + bound + " items";
            case "maxItems" ->
                "Too many: " + ((List<?>) value).size() + ": must have at most " + bound + " items";
            default -> "Invalid value: \"" + celType(value) + "\": " + rule;
          };
      return path + ": " + detail;
    }

    private static String celType(Object value) {
      if (value instanceof Map<?, ?>) {
        return "object";
      }
      if (value instanceof List<?>) {
        return "array";
      }
      if (value instanceof Long) {
        return "integer";
      }
      if (value instanceof Boolean) {
        return "boolean";
      }
      return "string";
    }
  }

  /** A CEL rule of the CRD and where it sits. */
  public record Rule(String path, String expression, String message) {}

  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addCompilerLibraries(CelExtensions.strings())
          .addRuntimeLibraries(CelExtensions.strings())
          .build();

  private final Map<String, Object> schema;
  private final Map<String, CelAbstractSyntaxTree> compiled = new LinkedHashMap<>();

  private CrdSchema(Map<String, Object> schema) {
    this.schema = schema;
  }

  /** Loads a CRD the build generated, e.g. {@code apikeys.keyward.dev-v1.yml}. */
  @SuppressWarnings("unchecked")
  public static CrdSchema generated(String file) {
    try (InputStream in = CrdSchema.class.getResourceAsStream("/META-INF/fabric8/" + file)) {
      return of(Serialization.yamlMapper().readValue(in, Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The schema of a CRD given as a map (its first version), e.g. a {@link RulesLessCrds} copy. */
  @SuppressWarnings("unchecked")
  public static CrdSchema of(Map<String, Object> crd) {
    Map<String, Object> spec = (Map<String, Object>) crd.get("spec");
    Map<String, Object> version = ((List<Map<String, Object>>) spec.get("versions")).get(0);
    return new CrdSchema(
        (Map<String, Object>) ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema"));
  }

  /** Every CEL rule in the schema, with its path. */
  public List<Rule> rules() {
    List<Rule> rules = new ArrayList<>();
    collectRules(schema, "", rules);
    return rules;
  }

  /**
   * Compiles a rule as the API server would before accepting the CRD; throws when it is not CEL.
   */
  public CelAbstractSyntaxTree compile(String expression) {
    return compiled.computeIfAbsent(
        expression,
        e -> {
          try {
            return CEL.compile(e).getAst();
          } catch (CelValidationException ex) {
            throw new IllegalStateException("rule does not compile: " + e + ": " + ex, ex);
          }
        });
  }

  /** What the API server would refuse in {@code resource}; empty when it would store it. */
  @SuppressWarnings("unchecked")
  public List<Violation> validate(HasMetadata resource) {
    Map<String, Object> object = Serialization.jsonMapper().convertValue(resource, Map.class);
    Map<String, Object> metadata = new LinkedHashMap<>();
    Map<String, Object> full = (Map<String, Object>) object.getOrDefault("metadata", Map.of());
    for (String visible : List.of("name", "generateName")) {
      if (full.containsKey(visible)) {
        metadata.put(visible, full.get(visible));
      }
    }
    object.put("metadata", metadata);
    object.remove("status");
    List<Violation> violations = new ArrayList<>();
    check(schema, normalise(object), "", violations);
    return violations;
  }

  @SuppressWarnings("unchecked")
  private void collectRules(Map<String, Object> node, String path, List<Rule> out) {
    for (Map<String, Object> rule :
        (List<Map<String, Object>>) node.getOrDefault("x-kubernetes-validations", List.of())) {
      out.add(new Rule(path, (String) rule.get("rule"), (String) rule.get("message")));
    }
    Map<String, Object> properties =
        (Map<String, Object>) node.getOrDefault("properties", Map.of());
    properties.forEach(
        (name, child) -> collectRules((Map<String, Object>) child, join(path, name), out));
    if (node.get("items") instanceof Map<?, ?> items) {
      collectRules((Map<String, Object>) items, path + "[*]", out);
    }
    if (node.get("additionalProperties") instanceof Map<?, ?> values) {
      collectRules((Map<String, Object>) values, path + "[*]", out);
    }
  }

  @SuppressWarnings("unchecked")
  private void check(Map<String, Object> node, Object value, String path, List<Violation> out) {
    if (value == null) {
      return;
    }
    if (value instanceof String s) {
      int length = s.codePointCount(0, s.length());
      if (node.get("minLength") instanceof Number min && length < min.longValue()) {
        out.add(new Violation(path, "minLength " + min, value));
      }
      if (node.get("maxLength") instanceof Number max && length > max.longValue()) {
        out.add(new Violation(path, "maxLength " + max, value));
      }
      if (node.get("pattern") instanceof String p && !Pattern.compile(p).matcher(s).find()) {
        out.add(new Violation(path, "pattern " + p, value));
      }
    }
    if (value instanceof Long n) {
      if (node.get("minimum") instanceof Number min && n < min.doubleValue()) {
        out.add(new Violation(path, "minimum " + min.longValue(), value));
      }
      if (node.get("maximum") instanceof Number max && n > max.doubleValue()) {
        out.add(new Violation(path, "maximum " + max.longValue(), value));
      }
    }
    if (node.get("enum") instanceof List<?> allowed && !allowed.contains(value)) {
      out.add(new Violation(path, "enum " + allowed, value));
    }
    if (value instanceof List<?> list) {
      if (node.get("minItems") instanceof Number min && list.size() < min.longValue()) {
        out.add(new Violation(path, "minItems " + min, value));
      }
      if (node.get("maxItems") instanceof Number max && list.size() > max.longValue()) {
        out.add(new Violation(path, "maxItems " + max, value));
      }
      if (node.get("items") instanceof Map<?, ?> items) {
        for (int i = 0; i < list.size(); i++) {
          check((Map<String, Object>) items, list.get(i), path + "[" + i + "]", out);
        }
      }
    }
    if (value instanceof Map<?, ?> map) {
      for (String required : (List<String>) node.getOrDefault("required", List.of())) {
        if (map.get(required) == null) {
          out.add(new Violation(join(path, required), "required", null));
        }
      }
      Map<String, Object> properties =
          (Map<String, Object>) node.getOrDefault("properties", Map.of());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = (String) e.getKey();
        if (properties.get(key) instanceof Map<?, ?> child) {
          check((Map<String, Object>) child, e.getValue(), join(path, key), out);
        } else if (node.get("additionalProperties") instanceof Map<?, ?> values) {
          check((Map<String, Object>) values, e.getValue(), path + "[" + key + "]", out);
        }
      }
    }
    for (Map<String, Object> rule :
        (List<Map<String, Object>>) node.getOrDefault("x-kubernetes-validations", List.of())) {
      String expression = (String) rule.get("rule");
      Object result;
      try {
        result = CEL.createProgram(compile(expression)).eval(Map.of("self", value));
      } catch (CelEvaluationException e) {
        // The API server reports an evaluation error as a refusal too.
        out.add(
            new Violation(path, "error evaluating " + expression + ": " + e.getMessage(), value));
        continue;
      }
      if (!Boolean.TRUE.equals(result)) {
        out.add(new Violation(path, (String) rule.get("message"), value));
      }
    }
  }

  /** JSON numbers as CEL ints (Long); drops nulls, which the API server never stores. */
  private static Object normalise(Object value) {
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach(
          (k, v) -> {
            if (v != null) {
              out.put((String) k, normalise(v));
            }
          });
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(normalise(v)));
      return out;
    }
    return value;
  }

  /** Every object of {@code kind} in the files of {@code examples/}, as {@code type}. */
  public static <T> List<T> examples(String kind, Class<T> type) {
    List<T> out = new ArrayList<>();
    try (var files = java.nio.file.Files.walk(java.nio.file.Path.of("examples"))) {
      for (var file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (var docs =
            Serialization.yamlMapper()
                .readerFor(Map.class)
                .<Map<String, Object>>readValues(file.toFile())) {
          while (docs.hasNext()) {
            Map<String, Object> doc = docs.next();
            if (doc != null && kind.equals(doc.get("kind"))) {
              out.add(Serialization.jsonMapper().convertValue(doc, type));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
