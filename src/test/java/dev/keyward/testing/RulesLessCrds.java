package dev.keyward.testing;

import dev.keyward.runtime.Crds;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keyward's CRDs without their rules: no CEL rule ({@code x-kubernetes-validations}) and no OpenAPI
 * constraint (lengths, patterns, bounds, enums, item counts, required fields), only the structure.
 * That is the API server of a cluster that upgraded Keyward before its CRDs, or that stored objects
 * before the rules existed: the operator then meets objects the current rules refuse, and its own
 * checks must still give each its reason. Tests that show this are annotated {@link
 * WithoutCrdRules}; {@link OperatorHarness} installs these copies before such a test and the real
 * CRDs after it, on either backend.
 */
public final class RulesLessCrds {

  /** The schema keywords that refuse a value; everything else (types, structure) stays. */
  static final Set<String> REFUSING =
      Set.of(
          "x-kubernetes-validations",
          "minLength",
          "maxLength",
          "pattern",
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "enum",
          "minItems",
          "maxItems",
          "minProperties",
          "maxProperties",
          "required",
          "format");

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private RulesLessCrds() {}

  /** The CRD the build generated, e.g. {@code apikeys.keyward.dev-v1.yml}, as a map. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> real(String file) {
    try (InputStream in = RulesLessCrds.class.getResourceAsStream("/META-INF/fabric8/" + file)) {
      return Serialization.yamlMapper().readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of the generated CRD {@code file} without any rule or constraint. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> stripped(String file) {
    Map<String, Object> crd = real(file);
    for (Map<String, Object> version :
        (List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec")).get("versions")) {
      Map<String, Object> schema = (Map<String, Object>) version.get("schema");
      schema.put("openAPIV3Schema", strip((Map<String, Object>) schema.get("openAPIV3Schema")));
    }
    return crd;
  }

  /** The real schema of the kind {@code object} is, the way the API server checks it. */
  public static CrdSchema realSchema(HasMetadata object) {
    return CrdSchema.of(real(fileOf(object)));
  }

  /** The rules-less schema of the kind {@code object} is. */
  public static CrdSchema strippedSchema(HasMetadata object) {
    return CrdSchema.of(stripped(fileOf(object)));
  }

  private static String fileOf(HasMetadata object) {
    String plural = object.getKind().toLowerCase() + "s";
    return Crds.FILES.stream()
        .filter(f -> f.startsWith(plural + "."))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("not a Keyward kind: " + object.getKind()));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> strip(Map<String, Object> node) {
    Map<String, Object> out = new LinkedHashMap<>();
    node.forEach(
        (key, value) -> {
          if (REFUSING.contains(key)) {
            return;
          }
          if (key.equals("properties") && value instanceof Map<?, ?> properties) {
            Map<String, Object> children = new LinkedHashMap<>();
            properties.forEach(
                (name, child) -> children.put((String) name, strip((Map<String, Object>) child)));
            out.put(key, children);
          } else if ((key.equals("items") || key.equals("additionalProperties"))
              && value instanceof Map<?, ?> child) {
            out.put(key, strip((Map<String, Object>) child));
          } else {
            out.put(key, value);
          }
        });
    return out;
  }

  /**
   * Replaces Keyward's CRDs with the rules-less copies. On a real API server, returns only once it
   * stores what the rules refuse (a server-side dry run of each probe object is accepted).
   */
  public static void install(KubernetesClient client) {
    for (String file : Crds.FILES) {
      CustomResourceDefinition crd =
          Serialization.jsonMapper().convertValue(stripped(file), CustomResourceDefinition.class);
      client.resource(crd).createOr(existing -> existing.update());
    }
    if (!TestApiServer.isMock()) {
      awaitProbes(client, true);
    }
  }

  /**
   * Puts the real CRDs back. On a real API server, returns only once it refuses what the rules
   * refuse again.
   */
  public static void restore(KubernetesClient client) {
    TestApiServer.installCrds(client);
    if (!TestApiServer.isMock()) {
      awaitProbes(client, false);
    }
  }

  /** One object per kind that only the rules refuse; checked by {@code RulesLessCrdsTest}. */
  public static List<HasMetadata> probes() {
    List<HasMetadata> probes = new ArrayList<>();
    probes.add(TestApiKeys.apiKey("keyward-rules-probe", s -> s.setType("Robot")));
    probes.add(TestToolSecrets.toolSecret("keyward-rules-probe", s -> {}));
    probes.forEach(p -> p.getMetadata().setNamespace("default"));
    return probes;
  }

  private static void awaitProbes(KubernetesClient client, boolean accepted) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    for (HasMetadata probe : probes()) {
      while (accepts(client, probe) != accepted) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the API server still "
                  + (accepted ? "refuses" : "accepts")
                  + " a "
                  + probe.getKind()
                  + " the rules refuse, "
                  + TIMEOUT
                  + " after its CRD was "
                  + (accepted ? "stripped of its rules" : "put back"));
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Whether the server would store {@code probe}: a server-side dry run, nothing is stored. */
  private static boolean accepts(KubernetesClient client, HasMetadata probe) {
    try {
      client.resource(probe).dryRun().create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 422) {
        return false;
      }
      if (e.getCode() == 404) {
        return false; // the kind is not served yet
      }
      throw e;
    }
  }
}
