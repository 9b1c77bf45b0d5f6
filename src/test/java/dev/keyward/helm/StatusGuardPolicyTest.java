package dev.keyward.helm;

import static dev.keyward.helm.HelmChartTest.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelOptionalLibrary;
import dev.cel.parser.CelStandardMacro;
import dev.keyward.apikey.StatusGuard;
import dev.keyward.dev.StatusGuardPolicy;
import dev.keyward.helm.HelmChartTest.Rendered;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.NamedRuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Variable;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's ValidatingAdmissionPolicy on ApiKey status, rendered by Helm and evaluated with CEL
 * for Java the way the API server evaluates it: {@code object}, {@code oldObject}, {@code request}
 * and the policy's {@code variables}. Only the operator's ServiceAccount may change what the
 * operator derives from the Secret; the verifier's may only move the usage fields forward.
 */
class StatusGuardPolicyTest {

  static final String OPERATOR = "system:serviceaccount:" + HelmChartTest.NAMESPACE + ":keyward";
  static final String VERIFIER =
      "system:serviceaccount:" + HelmChartTest.NAMESPACE + ":keyward-verifier";

  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("object", SimpleType.DYN)
          .addVar("oldObject", SimpleType.DYN)
          .addVar("request", SimpleType.DYN)
          .addVar("variables", SimpleType.DYN)
          .addCompilerLibraries(CelOptionalLibrary.INSTANCE)
          .addRuntimeLibraries(CelOptionalLibrary.INSTANCE)
          .build();

  @TempDir static Path tmp;

  static Rendered defaults;
  static ValidatingAdmissionPolicy policy;

  @BeforeAll
  static void render() throws IOException {
    HelmChartTest.tmp = tmp;
    defaults = Rendered.of(template(Map.of()));
    policy = defaults.one(ValidatingAdmissionPolicy.class);
  }

  @Test
  void guardsTheStatusSubresourceOfApiKeysAndIsBoundToDeny() {
    assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
    NamedRuleWithOperations rule = policy.getSpec().getMatchConstraints().getResourceRules().get(0);
    assertThat(rule.getApiGroups()).containsExactly("keyward.dev");
    assertThat(rule.getResources()).containsExactly("apikeys/status");
    assertThat(rule.getOperations()).containsExactly("UPDATE");
    ValidatingAdmissionPolicyBinding binding = defaults.one(ValidatingAdmissionPolicyBinding.class);
    assertThat(binding.getSpec().getPolicyName()).isEqualTo(policy.getMetadata().getName());
    assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
  }

  @Test
  void theOperatorMayWriteEverything() {
    assertThat(refusals(OPERATOR, s -> s.put("keyHash", "0".repeat(64)))).isEmpty();
    assertThat(refusals(OPERATOR, s -> s.put("keyVersion", 2))).isEmpty();
    assertThat(refusals(OPERATOR, s -> s.remove("keyLastUsedAt")))
        .as("a rotation moves the current key's last use to previousKey")
        .isEmpty();
  }

  @Test
  void theVerifierMayMoveUsageForwardAndNothingElse() {
    assertThat(refusals(VERIFIER, s -> s.put("lastUsedAt", "2026-12-07T10:01:00Z"))).isEmpty();
    assertThat(
            refusals(
                VERIFIER,
                s -> {
                  s.put("keyLastUsedAt", "2026-12-07T10:01:00Z");
                  s.put("lastUsedAt", "2026-12-07T10:01:00Z");
                }))
        .as("a use of the current key, and the ApiKey's last use with it")
        .isEmpty();
    assertThat(refusals(VERIFIER, s -> previousKey(s).put("lastUsedAt", "2026-12-07T09:30:00Z")))
        .isEmpty();
    assertThat(refusals(VERIFIER, s -> {}, old -> old.remove("lastUsedAt"))).isEmpty();

    assertThat(refusals(VERIFIER, s -> s.put("keyHash", "f".repeat(64))))
        .containsExactly("StatusTampered");
    assertThat(refusals(VERIFIER, s -> previousKey(s).put("keyHash", "f".repeat(64))))
        .containsExactly("StatusTampered");
    assertThat(refusals(VERIFIER, s -> s.put("phase", "Expired")))
        .containsExactly("StatusTampered");
    assertThat(refusals(VERIFIER, s -> s.put("lastUsedAt", "2026-12-07T09:00:00Z")))
        .containsExactly("UsageMovedBack");
    assertThat(refusals(VERIFIER, s -> previousKey(s).put("lastUsedAt", "2026-12-01T00:00:00Z")))
        .containsExactly("UsageMovedBack");
    assertThat(refusals(VERIFIER, s -> s.remove("lastUsedAt"))).containsExactly("UsageMovedBack");
    assertThat(refusals(VERIFIER, s -> s.put("keyLastUsedAt", "2026-12-07T08:00:00Z")))
        .containsExactly("UsageMovedBack");
    assertThat(refusals(VERIFIER, s -> s.remove("keyLastUsedAt")))
        .containsExactly("UsageMovedBack");
  }

  @Test
  void anyoneElseMayChangeNothing() {
    String admin = "kubernetes-admin";
    assertThat(refusals(admin, s -> s.put("keyHash", "f".repeat(64))))
        .containsExactly("StatusTampered");
    assertThat(refusals(admin, s -> s.put("expiresAt", "2099-01-01T00:00:00Z")))
        .containsExactly("StatusTampered");
    assertThat(refusals(admin, s -> s.put("lastUsedAt", "2026-12-07T11:00:00Z")))
        .containsExactly("UsageNotRecordedByVerifier");
    assertThat(refusals(admin, s -> s.put("keyLastUsedAt", "2026-12-07T11:00:00Z")))
        .containsExactly("UsageNotRecordedByVerifier");
    assertThat(refusals(admin, s -> {})).as("an update that changes nothing").isEmpty();
  }

  @Test
  void theFirstStatusWriteOfANewKeyIsTheOperatorsAlone() {
    assertThat(refusals(OPERATOR, Map.of(), status())).isEmpty();
    assertThat(refusals(VERIFIER, Map.of(), status())).contains("StatusTampered");
  }

  @Test
  void everyStatusFieldIsOwnedOrUsageAndThePolicyComparesEveryOwnedOne() throws IOException {
    Set<String> inCrd = new TreeSet<>();
    collect("", statusSchema(), inCrd);
    Set<String> known = new TreeSet<>(StatusGuard.ownedPaths());
    known.addAll(StatusGuard.USAGE);
    assertThat(known).as("every status field of the CRD").isEqualTo(inCrd);

    String ownedRule = policy.getSpec().getValidations().get(0).getExpression();
    for (String path : StatusGuard.ownedPaths()) {
      String selector = "object.?status.?" + path.replace(".", ".?");
      assertThat(ownedRule)
          .as(path)
          .contains(selector + " == old" + "Object" + selector.substring(6));
    }
  }

  @Test
  void keywardDevInstallsTheSameRulesWithItsOwnIdentityAsTheOperator() {
    ValidatingAdmissionPolicy dev = StatusGuardPolicy.policy("kube-admin", List.of());
    assertThat(dev.getSpec().getValidations()).isEqualTo(policy.getSpec().getValidations());
    assertThat(dev.getSpec().getMatchConstraints())
        .isEqualTo(policy.getSpec().getMatchConstraints());
    assertThat(refusals(dev, "kube-admin", s -> s.put("keyHash", "f".repeat(64)))).isEmpty();
    assertThat(refusals(dev, "mallory", s -> s.put("keyHash", "f".repeat(64))))
        .containsExactly("StatusTampered");
    assertThat(StatusGuardPolicy.binding().getSpec().getPolicyName())
        .isEqualTo(dev.getMetadata().getName());
  }

  // --- evaluation

  /** The reason words of the validations that refuse {@code user}'s change. */
  private static List<String> refusals(String user, Consumer<Map<String, Object>> change) {
    return refusals(user, change, old -> {});
  }

  private static List<String> refusals(
      ValidatingAdmissionPolicy policy, String user, Consumer<Map<String, Object>> change) {
    Map<String, Object> newStatus = status();
    change.accept(newStatus);
    return refusals(policy, user, status(), newStatus);
  }

  private static List<String> refusals(
      String user, Consumer<Map<String, Object>> change, Consumer<Map<String, Object>> oldChange) {
    Map<String, Object> oldStatus = status();
    oldChange.accept(oldStatus);
    Map<String, Object> newStatus = status();
    oldChange.accept(newStatus);
    change.accept(newStatus);
    return refusals(policy, user, oldStatus, newStatus);
  }

  private static List<String> refusals(
      String user, Map<String, Object> oldStatus, Map<String, Object> newStatus) {
    return refusals(policy, user, oldStatus, newStatus);
  }

  private static List<String> refusals(
      ValidatingAdmissionPolicy policy,
      String user,
      Map<String, Object> oldStatus,
      Map<String, Object> newStatus) {
    Map<String, Object> oldObject = apiKey(oldStatus);
    Map<String, Object> object = apiKey(newStatus);
    Map<String, Object> request = Map.of("userInfo", Map.of("username", user));

    Map<String, Object> activation = new HashMap<>();
    activation.put("object", object);
    activation.put("oldObject", oldObject);
    activation.put("request", request);
    Map<String, Object> variables = new LinkedHashMap<>();
    for (Variable v : policy.getSpec().getVariables()) {
      activation.put("variables", variables);
      variables.put(v.getName(), eval(v.getExpression(), activation));
    }
    activation.put("variables", variables);

    List<String> refused = new ArrayList<>();
    for (Validation validation : policy.getSpec().getValidations()) {
      if (!Boolean.TRUE.equals(eval(validation.getExpression(), activation))) {
        String message = (String) eval(validation.getMessageExpression(), activation);
        refused.add(message.substring(0, message.indexOf(':')));
      }
    }
    return refused;
  }

  private static Object eval(String expression, Map<String, Object> activation) {
    try {
      CelAbstractSyntaxTree ast = CEL.compile(expression).getAst();
      return CEL.createProgram(ast).eval(activation);
    } catch (Exception e) {
      throw new AssertionError("CEL: " + expression, e);
    }
  }

  /** An Active ApiKey's status during a rotation's overlap, as the operator writes it. */
  private static Map<String, Object> status() {
    Map<String, Object> previous = new LinkedHashMap<>();
    previous.put("maskedKey", "kw_a…9Zq1");
    previous.put("fingerprint", "sha256:0123456789abcdef");
    previous.put("validUntil", "2026-12-14T00:00:00Z");
    previous.put("keyHash", "a".repeat(64));
    previous.put("lastUsedAt", "2026-12-06T00:00:00Z");
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Active");
    status.put(
        "conditions",
        List.of(Map.of("type", "Ready", "status", "True", "reason", "KeyActive", "message", "ok")));
    status.put("observedGeneration", 1);
    status.put("secretName", "admin-key");
    status.put("keyVersion", 2);
    status.put("maskedKey", "kw_b…8Yp2");
    status.put("fingerprint", "sha256:fedcba9876543210");
    status.put("keyHash", "b".repeat(64));
    status.put("lastUsedAt", "2026-12-07T10:00:00Z");
    status.put("keyLastUsedAt", "2026-12-07T09:45:00Z");
    status.put("createdAt", "2026-09-01T00:00:00Z");
    status.put("issuedAt", "2026-12-07T00:00:00Z");
    status.put("expiresAt", "2027-03-07T00:00:00Z");
    status.put("rotatesAt", "2027-02-28T00:00:00Z");
    status.put("lastRotatedAt", "2026-12-07T00:00:00Z");
    status.put("previousKey", previous);
    return status;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> previousKey(Map<String, Object> status) {
    return (Map<String, Object>) status.get("previousKey");
  }

  private static Map<String, Object> apiKey(Map<String, Object> status) {
    Map<String, Object> key = new LinkedHashMap<>();
    key.put("apiVersion", "keyward.dev/v1alpha1");
    key.put("kind", "ApiKey");
    key.put("metadata", Map.of("name", "admin-key", "namespace", "sec-test"));
    key.put("spec", Map.of("scopes", List.of("admin")));
    if (!status.isEmpty()) {
      key.put("status", status);
    }
    return key;
  }

  // --- the CRD's status fields

  @SuppressWarnings("unchecked")
  private static Map<String, Object> statusSchema() throws IOException {
    Map<String, Object> crd =
        Serialization.unmarshal(
            Files.readString(Path.of("crds", "apikeys.keyward.dev-v1.yml")), Map.class);
    Map<String, Object> version =
        ((List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec")).get("versions"))
            .get(0);
    Map<String, Object> root =
        (Map<String, Object>) ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema");
    return (Map<String, Object>) ((Map<String, Object>) root.get("properties")).get("status");
  }

  /** Leaf paths, descending into objects but not into lists (conditions is one field). */
  @SuppressWarnings("unchecked")
  private static void collect(String prefix, Map<String, Object> schema, Set<String> paths) {
    Map<String, Object> properties = (Map<String, Object>) schema.get("properties");
    for (var e : properties.entrySet()) {
      Map<String, Object> child = (Map<String, Object>) e.getValue();
      String path = prefix + e.getKey();
      if ("object".equals(child.get("type")) && child.get("properties") != null) {
        collect(path + ".", child, paths);
      } else {
        paths.add(path);
      }
    }
  }
}
