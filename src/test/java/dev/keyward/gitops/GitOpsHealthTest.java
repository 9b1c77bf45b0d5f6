package dev.keyward.gitops;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static dev.keyward.testing.TestToolGrants.entry;
import static dev.keyward.testing.TestToolGrants.toolGrant;
import static dev.keyward.testing.TestToolGrants.tools;
import static dev.keyward.testing.TestToolSecrets.plainSecret;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * How GitOps tools judge Keyward's resources. Argo CD runs the Lua health check the chart ships
 * ({@code helm/keyward/argocd/}); Flux reads kstatus ({@link #kstatus}). Both are run against
 * statuses recorded from the operator (under {@code src/test/resources/gitops/}) and against the
 * statuses a running operator writes now, so a change to what the operator writes cannot silently
 * change what a GitOps dashboard shows.
 */
class GitOpsHealthTest {

  static final Path ARGOCD = Path.of("helm", "keyward", "argocd");

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  @ParameterizedTest(name = "{0}: Argo CD {1}, kstatus {2}")
  @CsvSource({
    "apikey-no-status.json,      Progressing, InProgress",
    "apikey-active.json,         Healthy,     Current",
    "apikey-active-stale.json,   Progressing, InProgress",
    "apikey-revoked.json,        Healthy,     Current",
    "apikey-expired.json,        Degraded,    InProgress",
    "apikey-failed.json,         Degraded,    InProgress",
    "toolsecret-active.json,     Healthy,     Current",
    "toolsecret-default-conflict.json, Degraded, InProgress",
    "toolsecret-revoked.json,    Healthy,     Current",
    "toolsecret-expired.json,    Degraded,    InProgress",
    "toolsecret-failed.json,     Degraded,    InProgress",
    "toolgrant-ready.json,       Healthy,     Current",
    "toolgrant-incomplete.json,  Degraded,    InProgress",
    "toolgrant-failed.json,      Degraded,    InProgress",
  })
  void recordedStatuses(String file, String argo, String kstatus) throws Exception {
    Map<String, Object> object =
        Serialization.unmarshal(
            Files.readString(Path.of("src", "test", "resources", "gitops", file)), Map.class);
    assertThat(argoHealth(object).get("status")).isEqualTo(argo);
    assertThat(kstatus(object)).isEqualTo(kstatus);
    String message = argoHealth(object).get("message");
    assertThat(message).isNotBlank();
    if (argo.equals("Degraded")) {
      assertThat(message).as("says why").contains("(").contains(": ");
    }
  }

  @Test
  void theChartSnippetHoldsTheHealthScriptForBothKinds() throws Exception {
    String script = Files.readString(ARGOCD.resolve("health.lua"));
    Map<String, String> data = snippet();
    assertThat(data)
        .containsOnlyKeys(
            "resource.customizations.health.keyward.dev_ApiKey",
            "resource.customizations.health.keyward.dev_ToolSecret",
            "resource.customizations.health.keyward.dev_ToolGrant");
    data.values().forEach(s -> assertThat(s.strip()).isEqualTo(script.strip()));
  }

  @Test
  void statusesTheOperatorWritesMapToTheHealthTheDocsPromise() throws Exception {
    harness.create(apiKey("active", s -> s.setScopes(List.of("models:read"))));
    harness.create(apiKey("revoked", s -> s.setRevoked(true)));
    harness.create(
        apiKey(
            "expiring",
            s -> {
              s.setExpiresAfter("30s");
              s.setRotation(rotation(false, null));
            }));
    // Failed in the real world, where the CRD's rules refuse a bad spec at apply time: the Secret
    // it would write belongs to someone else (SecretConflict).
    harness
        .admin()
        .secrets()
        .resource(plainSecret(harness.namespace(), "failed", "apiKey", "not-ours"))
        .create();
    harness.create(apiKey("failed", s -> {}));
    harness.create(
        toolSecret("sealed", s -> s.setEncryptedValue(harness.seal("tok-1234", "sealed"))));
    // Well-formed, so the rules let it in, but sealed for another object (WrongObject).
    harness.create(
        toolSecret("unopenable", s -> s.setEncryptedValue(harness.seal("tok-1234", "other"))));

    expect(() -> harness.apiKey("active"), "Active", "Healthy", "Current");
    expect(() -> harness.apiKey("revoked"), "Revoked", "Healthy", "Current");
    expect(() -> harness.apiKey("failed"), "Failed", "Degraded", "InProgress");
    expect(() -> harness.toolSecret("sealed"), "Active", "Healthy", "Current");
    expect(() -> harness.toolSecret("unopenable"), "Failed", "Degraded", "InProgress");

    harness.tick(Duration.ofSeconds(31));
    expect(() -> harness.apiKey("expiring"), "Expired", "Degraded", "InProgress");

    // A spec edit: generation 2 is observed, and the health follows the new spec.
    harness.edit(
        "active",
        k -> {
          k.getSpec().setScopes(List.of("models:read", "agents:invoke"));
          return k;
        });
    expect(() -> harness.apiKey("active"), "Active", "Healthy", "Current");
    assertThat(harness.apiKey("active").getMetadata().getGeneration()).isEqualTo(2L);
    harness.editToolSecret(
        "sealed",
        t -> {
          t.getSpec().setRevoked(true);
          return t;
        });
    expect(() -> harness.toolSecret("sealed"), "Revoked", "Healthy", "Current");

    harness.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(harness.seal("lin_api_0123456789", "linear"));
              s.setTool("agno__linear__*");
            }));
    harness.create(
        toolGrant(
            "agent",
            tools(
                entry("agno__linear__list_issues", "api_key", "LINEAR_API_KEY"),
                entry("agno__github__search_code", "token", "GITHUB_TOKEN"))));
    // The same env twice, once derived: only the operator can tell (CEL does not derive env).
    harness.create(
        toolGrant(
            "broken",
            tools(
                entry("agno__linear__x", "api_key", "AGNO__LINEAR__X_API_KEY"),
                entry("agno__linear__x", "api_key", null))));
    expect(() -> harness.toolGrant("agent"), "Incomplete", "Degraded", "InProgress");
    expect(() -> harness.toolGrant("broken"), "Failed", "Degraded", "InProgress");
    harness.editToolGrant(
        "agent",
        g -> {
          g.getSpec().getTools().remove(1);
          return g;
        });
    expect(() -> harness.toolGrant("agent"), "Ready", "Healthy", "Current");
  }

  /**
   * Waits until the object's status describes its current generation in the given phase, then
   * checks Argo CD's and kstatus's verdicts and the conventions kstatus relies on.
   */
  private void expect(Supplier<HasMetadata> read, String phase, String argo, String kstatus) {
    HasMetadata object =
        OperatorHarness.waiting()
            .until(
                read::get,
                o -> {
                  Map<String, Object> m = asMap(o);
                  Map<String, Object> status = (Map<String, Object>) m.get("status");
                  return status != null
                      && phase.equals(status.get("phase"))
                      && o.getMetadata()
                          .getGeneration()
                          .equals(((Number) status.get("observedGeneration")).longValue());
                });
    Map<String, Object> map = asMap(object);
    record(object, map);
    assertThat(argoHealth(map).get("status")).as("%s Argo CD", name(object)).isEqualTo(argo);
    assertThat(kstatus(map)).as("%s kstatus", name(object)).isEqualTo(kstatus);
    List<Map<String, Object>> conditions = conditions(map);
    Map<String, Object> ready =
        conditions.stream().filter(c -> "Ready".equals(c.get("type"))).findFirst().orElseThrow();
    assertThat(((Number) ready.get("observedGeneration")).longValue())
        .as("%s: Ready describes the current generation", name(object))
        .isEqualTo(object.getMetadata().getGeneration());
    assertThat(ready.get("reason")).isNotNull();
    assertThat(conditions)
        .as("%s: no Reconciling or Stalled condition, which kstatus would read first", name(object))
        .noneMatch(c -> "Reconciling".equals(c.get("type")) || "Stalled".equals(c.get("type")));
  }

  private static String name(HasMetadata o) {
    return o.getKind() + "/" + o.getMetadata().getName();
  }

  /**
   * With -Dkeyward.gitops.record=DIR, writes the live objects there (to refresh the recordings).
   */
  private static void record(HasMetadata object, Map<String, Object> map) {
    String dir = System.getProperty("keyward.gitops.record");
    if (dir == null) {
      return;
    }
    Map<String, Object> metadata = (Map<String, Object>) map.get("metadata");
    Map<String, Object> kept = new LinkedHashMap<>();
    kept.put("apiVersion", map.get("apiVersion"));
    kept.put("kind", map.get("kind"));
    kept.put(
        "metadata",
        Map.of(
            "name", metadata.get("name"),
            "namespace", "agents",
            "generation", metadata.get("generation")));
    kept.put("status", map.get("status"));
    try {
      Path file =
          Path.of(dir)
              .resolve(
                  object.getKind().toLowerCase()
                      + "-"
                      + ((String) ((Map<String, Object>) map.get("status")).get("phase"))
                          .toLowerCase()
                      + ".json");
      Files.createDirectories(file.getParent());
      Files.writeString(file, Serialization.asJson(kept));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(HasMetadata object) {
    return Serialization.unmarshal(Serialization.asJson(object), Map.class);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> conditions(Map<String, Object> object) {
    Map<String, Object> status = (Map<String, Object>) object.get("status");
    Object conditions = status == null ? null : status.get("conditions");
    return conditions == null ? List.of() : (List<Map<String, Object>>) conditions;
  }

  // --- Argo CD

  @SuppressWarnings("unchecked")
  static Map<String, String> snippet() throws Exception {
    Map<String, Object> patch =
        Serialization.unmarshal(
            Files.readString(ARGOCD.resolve("argocd-cm-patch.yaml")), Map.class);
    return (Map<String, String>) patch.get("data");
  }

  /** Runs the chart's Argo CD health check for the object's kind, as Argo CD does. */
  static Map<String, String> argoHealth(Map<String, Object> object) {
    try {
      String script =
          snippet().get("resource.customizations.health.keyward.dev_" + object.get("kind"));
      assertThat(script).as("a health check for %s", object.get("kind")).isNotNull();
      Globals globals = JsePlatform.standardGlobals();
      globals.set("obj", lua(object));
      LuaValue result = globals.load(script, "health.lua").call();
      return Map.of(
          "status", result.get("status").tojstring(), "message", result.get("message").tojstring());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** JSON as Argo CD hands it to Lua: objects and arrays as tables, numbers as numbers. */
  private static LuaValue lua(Object value) {
    if (value instanceof Map<?, ?> map) {
      LuaTable table = new LuaTable();
      map.forEach((k, v) -> table.set(k.toString(), lua(v)));
      return table;
    }
    if (value instanceof List<?> list) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        table.set(i + 1, lua(list.get(i)));
      }
      return table;
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return value == null ? LuaValue.NIL : LuaValue.valueOf(value.toString());
  }

  // --- Flux (kstatus)

  /**
   * kstatus's verdict for a custom resource, as Flux's health checks compute it: Terminating when
   * deleted; InProgress while {@code status.observedGeneration} differs from {@code
   * metadata.generation} (or there is no status yet); {@code Reconciling=True} InProgress; {@code
   * Stalled=True} Failed; then the {@code Ready} condition: True is Current, anything else
   * InProgress (Flux waits for it until its health-check timeout).
   */
  @SuppressWarnings("unchecked")
  static String kstatus(Map<String, Object> object) {
    Map<String, Object> metadata = (Map<String, Object>) object.get("metadata");
    if (metadata.get("deletionTimestamp") != null) {
      return "Terminating";
    }
    Map<String, Object> status = (Map<String, Object>) object.get("status");
    if (status == null) {
      return "InProgress";
    }
    Object generation = metadata.get("generation");
    Object observed = status.get("observedGeneration");
    if (generation != null
        && observed != null
        && ((Number) generation).longValue() != ((Number) observed).longValue()) {
      return "InProgress";
    }
    for (Map<String, Object> c : conditions(object)) {
      if ("Reconciling".equals(c.get("type")) && "True".equals(c.get("status"))) {
        return "InProgress";
      }
      if ("Stalled".equals(c.get("type")) && "True".equals(c.get("status"))) {
        return "Failed";
      }
    }
    for (Map<String, Object> c : conditions(object)) {
      if ("Ready".equals(c.get("type"))) {
        return "True".equals(c.get("status")) ? "Current" : "InProgress";
      }
    }
    return "Current";
  }
}
