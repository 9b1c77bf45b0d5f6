package dev.keyward.apikey;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.common.Conditions;
import dev.keyward.secrets.SecretTarget;
import dev.keyward.testing.CrdSchema;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RulesLessCrds;
import dev.keyward.testing.TestToolSecrets;
import dev.keyward.testing.WithoutCrdRules;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every kind of bad ApiKey, on a running operator: phase Failed, its own Ready=False reason, one
 * Warning Event, no key issued, and no retry storm (in the rules-less world, where the API server
 * stores what the CRD's rules refuse); and, against the real CRD, the API server refusing each one
 * its rules can tell with the operator's reason.
 */
class ApiKeyBadInputTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  record Case(String name, String reason, Consumer<ApiKeySpec> spec) {}

  static FormatSettings format(String prefix, Integer length) {
    FormatSettings f = new FormatSettings();
    f.setPrefix(prefix);
    f.setLength(length);
    return f;
  }

  static SecretTarget secret(String name, String key) {
    SecretTarget t = new SecretTarget();
    t.setName(name);
    t.setKey(key);
    return t;
  }

  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("bad-type", "InvalidType", s -> s.setType("Robot")));
    cases.add(new Case("empty-display", "InvalidDisplayName", s -> s.setDisplayName("")));
    cases.add(
        new Case("long-display", "InvalidDisplayName", s -> s.setDisplayName("d".repeat(1025))));
    cases.add(new Case("bad-lifetime", "InvalidDuration", s -> s.setExpiresAfter("ninety days")));
    cases.add(new Case("zero-lifetime", "InvalidDuration", s -> s.setExpiresAfter("0d")));
    cases.add(
        new Case(
            "bad-overlap",
            "InvalidDuration",
            s -> {
              s.setExpiresAfter("90d");
              s.setRotation(rotation(true, "a week"));
            }));
    cases.add(
        new Case(
            "overlap-too-long",
            "InvalidRotation",
            s -> {
              s.setExpiresAfter("40s");
              s.setRotation(rotation(true, "30s"));
            }));
    cases.add(
        new Case("bad-prefix", "InvalidKeyFormat", s -> s.setFormat(format("kw prefix", null))));
    cases.add(new Case("short-key", "InvalidKeyFormat", s -> s.setFormat(format(null, 8))));
    cases.add(
        new Case("bad-secret-name", "InvalidSecret", s -> s.setSecret(secret("Bad_Name", null))));
    cases.add(new Case("bad-secret-key", "InvalidSecret", s -> s.setSecret(secret(null, "a key"))));
    cases.add(
        new Case(
            "bad-rollout-kind",
            "InvalidRolloutTarget",
            s -> s.setRolloutRestartTargets(List.of(new RolloutTarget("Job", "x")))));
    cases.add(
        new Case(
            "rollout-no-name",
            "InvalidRolloutTarget",
            s -> s.setRolloutRestartTargets(List.of(new RolloutTarget("Deployment", null)))));
    cases.add(
        new Case(
            "bad-unused-for", "InvalidDuration", s -> s.setRevokeWhenUnusedFor("three months")));
    cases.add(
        new Case(
            "zero-rate-limit", "InvalidRateLimit", s -> s.setRateLimit(new RateLimit(0, "1m"))));
    cases.add(
        new Case(
            "bad-rate-period",
            "InvalidRateLimit",
            s -> s.setRateLimit(new RateLimit(100, "a minute"))));
    cases.add(new Case("taken", "SecretConflict", s -> {}));
    return cases;
  }

  @Test
  void theApiServerRefusesWhatTheRulesCanTellWithTheOperatorsReason() {
    int refused = 0;
    SoftAssertions soft = new SoftAssertions();
    for (Case c : cases()) {
      ApiKey key = apiKey(c.name(), c.spec());
      List<CrdSchema.Violation> violations = RulesLessCrds.realSchema(key).validate(key);
      if (violations.isEmpty()) {
        continue; // only the operator can tell (docs/validation.md)
      }
      refused++;
      KubernetesClientException e = kw.createRefused(key);
      soft.assertThat(e.getCode()).as(c.name()).isEqualTo(422);
      soft.assertThat(e.getStatus().getReason()).as(c.name()).isEqualTo("Invalid");
      for (CrdSchema.Violation v : violations) {
        soft.assertThat(e.getStatus().getMessage()).as(c.name()).contains(v.path() + ": ");
        if (v.rule().contains(": ")) {
          soft.assertThat(e.getStatus().getMessage())
              .as("%s: the API server names the operator's reason", c.name())
              .contains(c.reason() + ": ");
        }
      }
      soft.assertThat(kw.apiKey(c.name())).as("%s: not stored", c.name()).isNull();
    }
    soft.assertAll();
    assertThat(refused)
        .isEqualTo(
            ApiKeyCrdRulesTest.BAD_INPUT.values().stream().filter(r -> !r.isEmpty()).count());
  }

  @Test
  @WithoutCrdRules("every bad spec, as a cluster holds them when its CRDs lag behind Keyward")
  void everyBadInputGetsItsOwnReasonAWarningAndNoRetryStorm() throws Exception {
    kw.admin()
        .secrets()
        .resource(TestToolSecrets.plainSecret(kw.namespace(), "taken", "apiKey", "not-ours"))
        .create();
    List<Case> cases = cases();
    for (Case c : cases) {
      kw.create(apiKey(c.name(), c.spec()));
    }
    for (Case c : cases) {
      kw.awaitApiKey(
          c.name(), k -> k.getStatus() != null && "Failed".equals(k.getStatus().getPhase()));
    }
    Map<String, Integer> settled = new LinkedHashMap<>();
    for (Case c : cases) {
      settled.put(c.name(), kw.reconcileCount(c.name()));
    }
    Thread.sleep(1500); // a window in which a retry loop would show

    SoftAssertions soft = new SoftAssertions();
    for (Case c : cases) {
      ApiKey key = kw.apiKey(c.name());
      Condition ready = Conditions.find(key.getStatus().getConditions(), Conditions.READY);
      soft.assertThat(ready.getStatus()).as(c.name()).isEqualTo("False");
      soft.assertThat(ready.getReason()).as(c.name()).isEqualTo(c.reason());
      soft.assertThat(ready.getMessage()).as(c.name()).isNotBlank();
      soft.assertThat(kw.events(c.name()))
          .as("%s: one Warning Event with the reason", c.name())
          .filteredOn(e -> "Warning".equals(e.getType()) && c.reason().equals(e.getReason()))
          .hasSize(1);
      soft.assertThat(key.getStatus().getKeyVersion()).as("%s: no key issued", c.name()).isNull();
      soft.assertThat(kw.reconcileCount(c.name()) - settled.get(c.name()))
          .as("%s: reconciles after it failed", c.name())
          .isLessThanOrEqualTo(1);
    }
    soft.assertAll();
    assertThat(OperatorHarness.value(kw.secret("taken"), "apiKey")).isEqualTo("not-ours");
  }
}
