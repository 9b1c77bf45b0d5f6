package dev.keyward.toolsecret;

import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static dev.keyward.testing.TestToolSecrets.valueFrom;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.common.Conditions;
import dev.keyward.sealing.PublicKeys;
import dev.keyward.sealing.SealingKeys;
import dev.keyward.testing.CrdSchema;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RulesLessCrds;
import dev.keyward.testing.WithoutCrdRules;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every kind of bad ToolSecret gets phase Failed, its own Ready=False reason, one Warning Event, no
 * Secret, and no retry storm; none of it shows the value.
 */
class ToolSecretBadInputTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  static final String VALUE = "tok_0123456789abcdefghij";

  record Case(String name, String reason, Consumer<ToolSecretSpec> spec) {}

  private List<Case> cases() {
    return cases(harness.namespace(), harness.sealingKeys().publicKeys());
  }

  /**
   * The bad ToolSecrets, sealed with {@code keys} for namespace {@code ns}; also the table the CRD
   * rule test runs through.
   */
  static List<Case> cases(String ns, PublicKeys keys) {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("not-base64", "NotBase64", s -> s.setEncryptedValue("this is not base64!")));
    cases.add(
        new Case(
            "truncated",
            "Truncated",
            s -> s.setEncryptedValue(keys.seal(VALUE, ns, "truncated").substring(0, 24))));
    cases.add(
        new Case(
            "tampered",
            "Tampered",
            s -> s.setEncryptedValue(flipLastByte(keys.seal(VALUE, ns, "tampered")))));
    cases.add(
        new Case(
            "unsupported",
            "UnsupportedFormat",
            s -> s.setEncryptedValue(withVersion(keys.seal(VALUE, ns, "unsupported"), 2))));
    cases.add(
        new Case(
            "other-name",
            "WrongObject",
            s -> s.setEncryptedValue(keys.seal(VALUE, ns, "some-other-name"))));
    cases.add(
        new Case(
            "other-namespace",
            "WrongObject",
            s -> s.setEncryptedValue(keys.seal(VALUE, "elsewhere", "other-namespace"))));
    cases.add(
        new Case(
            "unknown-key",
            "UnknownSealingKey",
            s ->
                s.setEncryptedValue(
                    SealingKeys.generate().publicKeys().seal(VALUE, ns, "unknown-key"))));
    cases.add(
        new Case(
            "too-short",
            "ValueTooShort",
            s -> s.setEncryptedValue(keys.seal("abc", ns, "too-short"))));
    cases.add(
        new Case(
            "too-long",
            "ValueTooLong",
            s -> s.setEncryptedValue(keys.seal("z".repeat(1025), ns, "too-long"))));
    cases.add(
        new Case(
            "both",
            "AmbiguousValue",
            s -> {
              s.setEncryptedValue(keys.seal(VALUE, ns, "both"));
              s.setValueFrom(valueFrom("somewhere", "key"));
            }));
    cases.add(new Case("neither", "MissingValue", s -> {}));
    cases.add(
        new Case(
            "value-from-no-key",
            "InvalidValueFrom",
            s -> s.setValueFrom(valueFrom("somewhere", null))));
    cases.add(sealed(ns, keys, "tool-list", "InvalidTool", s -> s.setTool("github,jira")));
    cases.add(sealed(ns, keys, "tool-bare-star", "InvalidTool", s -> s.setTool("*")));
    cases.add(
        sealed(ns, keys, "tool-embedded-star", "InvalidTool", s -> s.setTool("agno__*__linear")));
    cases.add(sealed(ns, keys, "tool-empty", "InvalidTool", s -> s.setTool("")));
    cases.add(
        sealed(
            ns,
            keys,
            "tool-arg-empty",
            "InvalidToolArg",
            s -> {
              s.setTool("github");
              s.setToolArg("");
            }));
    cases.add(
        sealed(
            ns,
            keys,
            "tool-arg-long",
            "InvalidToolArg",
            s -> {
              s.setTool("github");
              s.setToolArg("a".repeat(1025));
            }));
    cases.add(sealed(ns, keys, "default-no-tool", "InvalidTool", s -> s.setDefaultForTool(true)));
    cases.add(
        sealed(ns, keys, "bad-expiry", "InvalidExpiresAt", s -> s.setExpiresAt("next tuesday")));
    cases.add(sealed(ns, keys, "empty-display", "InvalidDisplayName", s -> s.setDisplayName("")));
    cases.add(
        sealed(
            ns,
            keys,
            "bad-secret-name",
            "InvalidSecret",
            s -> {
              var target = new dev.keyward.secrets.SecretTarget();
              target.setName("Not_A_Name");
              s.setSecret(target);
            }));
    cases.add(
        sealed(
            ns,
            keys,
            "index-name",
            "InvalidSecret",
            s -> {
              var target = new dev.keyward.secrets.SecretTarget();
              target.setName(ToolIndexSecret.DEFAULT_NAME);
              s.setSecret(target);
            }));
    cases.add(sealed(ns, keys, "index.json", "InvalidName", s -> {}));
    cases.add(sealed(ns, keys, "tool-bad-chars", "InvalidTool", s -> s.setTool("git$hub")));
    cases.add(
        new Case(
            "reads-itself",
            "InvalidSecret",
            s -> {
              s.setValueFrom(valueFrom("reads-itself", "value"));
            }));
    return cases;
  }

  /** A correctly sealed value with one other thing wrong. */
  private static Case sealed(
      String ns, PublicKeys keys, String name, String reason, Consumer<ToolSecretSpec> more) {
    return new Case(
        name,
        reason,
        s -> {
          s.setEncryptedValue(keys.seal(VALUE, ns, name));
          more.accept(s);
        });
  }

  private static String flipLastByte(String sealed) {
    byte[] bytes = Base64.getDecoder().decode(sealed);
    bytes[bytes.length - 1] ^= 0x01;
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static String withVersion(String sealed, int version) {
    byte[] bytes = Base64.getDecoder().decode(sealed);
    bytes[0] = (byte) version;
    return Base64.getEncoder().encodeToString(bytes);
  }

  @Test
  void theApiServerRefusesWhatTheRulesCanTellWithTheOperatorsReason() {
    int refused = 0;
    SoftAssertions soft = new SoftAssertions();
    for (Case c : cases()) {
      ToolSecret t = toolSecret(c.name(), c.spec());
      List<CrdSchema.Violation> violations = RulesLessCrds.realSchema(t).validate(t);
      if (violations.isEmpty()) {
        continue; // only the operator can tell (docs/validation.md)
      }
      refused++;
      KubernetesClientException e = harness.createRefused(t);
      soft.assertThat(e.getCode()).as(c.name()).isEqualTo(422);
      soft.assertThat(e.getStatus().getReason()).as(c.name()).isEqualTo("Invalid");
      soft.assertThat(e.getStatus().getMessage()).as(c.name()).doesNotContain(VALUE);
      for (CrdSchema.Violation v : violations) {
        soft.assertThat(e.getStatus().getMessage()).as(c.name()).contains(v.path() + ": ");
        if (v.rule().contains(": ")) {
          soft.assertThat(e.getStatus().getMessage())
              .as("%s: the API server names the operator's reason", c.name())
              .contains(c.reason() + ": ");
        }
      }
      soft.assertThat(harness.toolSecret(c.name())).as("%s: not stored", c.name()).isNull();
    }
    soft.assertAll();
    assertThat(refused)
        .isEqualTo(
            ToolSecretCrdRulesTest.BAD_INPUT.values().stream().filter(r -> !r.isEmpty()).count());
  }

  @Test
  @WithoutCrdRules("every bad spec, as a cluster holds them when its CRDs lag behind Keyward")
  void everyBadInputGetsItsOwnReasonAWarningAndNoRetryStorm() throws Exception {
    List<Case> cases = cases();
    Map<String, String> sealedValues = new LinkedHashMap<>();
    for (Case c : cases) {
      ToolSecret t = toolSecret(c.name(), c.spec());
      if (t.getSpec().getEncryptedValue() != null) {
        sealedValues.put(c.name(), t.getSpec().getEncryptedValue());
      }
      harness.create(t);
    }
    for (Case c : cases) {
      harness.awaitToolSecret(
          c.name(), t -> t.getStatus() != null && "Failed".equals(t.getStatus().getPhase()));
    }
    Map<String, Integer> settled = new LinkedHashMap<>();
    for (Case c : cases) {
      settled.put(c.name(), harness.toolSecretReconcileCount(c.name()));
    }
    Thread.sleep(1500); // a window in which a retry loop would show

    SoftAssertions soft = new SoftAssertions();
    for (Case c : cases) {
      ToolSecret t = harness.toolSecret(c.name());
      Condition ready = Conditions.find(t.getStatus().getConditions(), Conditions.READY);
      soft.assertThat(ready.getStatus()).as(c.name()).isEqualTo("False");
      soft.assertThat(ready.getReason()).as(c.name()).isEqualTo(c.reason());
      soft.assertThat(ready.getMessage()).as(c.name()).isNotBlank().doesNotContain(VALUE);
      soft.assertThat(harness.events(c.name()))
          .as("%s: one Warning Event with the reason", c.name())
          .filteredOn(e -> "Warning".equals(e.getType()) && c.reason().equals(e.getReason()))
          .hasSize(1);
      soft.assertThat(harness.secret(c.name())).as("%s: no Secret", c.name()).isNull();
      soft.assertThat(harness.toolSecretReconcileCount(c.name()) - settled.get(c.name()))
          .as("%s: reconciles after it failed", c.name())
          .isLessThanOrEqualTo(1);
      String status = Serialization.asJson(t.getStatus());
      soft.assertThat(status).as(c.name()).doesNotContain(VALUE);
      if (sealedValues.containsKey(c.name())) {
        soft.assertThat(status).as(c.name()).doesNotContain(sealedValues.get(c.name()));
      }
    }
    soft.assertAll();
    assertThat(harness.secret(ToolIndexSecret.DEFAULT_NAME)).isNull();
  }

  @Test
  void fixingTheSpecRecovers() {
    // Well-formed, so the CRD's rules let it in, but sealed for another object (WrongObject).
    harness.create(toolSecret("fix-me", s -> s.setEncryptedValue(harness.seal(VALUE, "other"))));
    harness.awaitToolSecret(
        "fix-me", t -> t.getStatus() != null && "Failed".equals(t.getStatus().getPhase()));
    harness.editToolSecret(
        "fix-me",
        t -> {
          t.getSpec().setEncryptedValue(harness.seal(VALUE, "fix-me"));
          return t;
        });
    ToolSecret fixed =
        harness.awaitToolSecret(
            "fix-me", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    assertThat(Conditions.find(fixed.getStatus().getConditions(), Conditions.READY).getStatus())
        .isEqualTo("True");
    waiting().until(() -> OperatorHarness.value(harness.secret("fix-me"), "value"), VALUE::equals);
  }
}
