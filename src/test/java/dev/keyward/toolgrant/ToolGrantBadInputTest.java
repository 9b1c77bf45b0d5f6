package dev.keyward.toolgrant;

import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestToolGrants.entry;
import static dev.keyward.testing.TestToolGrants.pinned;
import static dev.keyward.testing.TestToolGrants.toolGrant;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.RolloutTarget;
import dev.keyward.common.Conditions;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.WithoutCrdRules;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every kind of bad ToolGrant (applied against rules-less CRDs, like a cluster with an older CRD)
 * gets phase Failed, its own Ready=False reason, one Warning Event, no Secret of its own, and no
 * retry storm; none of it shows a value.
 */
@WithoutCrdRules("every bad grant, as a cluster holds them when its CRDs lag behind Keyward")
class ToolGrantBadInputTest {

  @RegisterExtension
  final OperatorHarness kw = new OperatorHarness().configure(s -> s.withGrantLimit(64));

  static final String VALUE = "lin_api_0123456789abcdefABCDEF0123456789";

  record Case(String name, String reason, Consumer<ToolGrantSpec> spec) {}

  static Consumer<ToolGrantSpec> with(ToolGrantSpec.Entry... entries) {
    return s -> s.setTools(new ArrayList<>(List.of(entries)));
  }

  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("no-tools", "MissingTools", s -> s.setTools(null)));
    cases.add(
        new Case(
            "too-many",
            "TooManyTools",
            s ->
                s.setTools(
                    IntStream.range(0, 129)
                        .mapToObj(i -> entry("tool_" + i, "arg", null))
                        .collect(Collectors.toCollection(ArrayList::new)))));
    cases.add(new Case("wildcard", "InvalidTool", with(entry("agno__linear__*", "api_key", null))));
    cases.add(new Case("bare-star", "InvalidTool", with(entry("*", "api_key", null))));
    cases.add(new Case("tool-list", "InvalidTool", with(entry("github,jira", "token", null))));
    cases.add(new Case("tool-space", "InvalidTool", with(entry("github jira", "token", null))));
    cases.add(new Case("tool-empty", "InvalidTool", with(entry("", "token", null))));
    cases.add(new Case("tool-bad-chars", "InvalidTool", with(entry("tool$(x)", "token", null))));
    cases.add(new Case("arg-blank", "InvalidArg", with(entry("agno__x", "  ", null))));
    cases.add(new Case("arg-missing", "InvalidArg", with(entry("agno__x", null, null))));
    cases.add(new Case("arg-long", "InvalidArg", with(entry("agno__x", "a".repeat(1025), null))));
    cases.add(new Case("env-dash", "InvalidEnv", with(entry("agno__x", "token", "MY-TOKEN"))));
    cases.add(new Case("env-digit", "InvalidEnv", with(entry("agno__x", "token", "1TOKEN"))));
    cases.add(
        new Case("env-derived-long", "InvalidEnv", with(entry("t".repeat(250), "token", null))));
    cases.add(
        new Case(
            "env-twice",
            "DuplicateEnv",
            with(entry("agno__a", "token", "TOKEN"), entry("agno__b", "token", "TOKEN"))));
    cases.add(
        new Case(
            "env-twice-derived",
            "DuplicateEnv",
            with(entry("agno__a", "token", "AGNO__A_TOKEN"), entry("agno__a", "token", null))));
    cases.add(
        new Case("pin-blank", "InvalidToolSecret", with(pinned("agno__a", "token", null, " "))));
    cases.add(
        new Case(
            "secret-is-index",
            "InvalidSecret",
            s -> {
              with(entry("agno__linear__x", "api_key", null)).accept(s);
              s.setSecret(new ToolGrantSpec.GrantSecret("keyward-tools"));
            }));
    cases.add(
        new Case(
            "secret-bad-name",
            "InvalidSecret",
            s -> {
              with(entry("agno__linear__x", "api_key", null)).accept(s);
              s.setSecret(new ToolGrantSpec.GrantSecret("Bad_Name"));
            }));
    cases.add(
        new Case(
            "secret-of-a-toolsecret",
            "InvalidSecret",
            s -> {
              with(entry("agno__linear__x", "api_key", null)).accept(s);
              s.setSecret(new ToolGrantSpec.GrantSecret("linear"));
            }));
    cases.add(
        new Case(
            "display-empty",
            "InvalidDisplayName",
            s -> {
              with(entry("agno__linear__x", "api_key", null)).accept(s);
              s.setDisplayName("");
            }));
    cases.add(
        new Case(
            "restart-pod",
            "InvalidRolloutTarget",
            s -> {
              with(entry("agno__linear__x", "api_key", null)).accept(s);
              s.setRolloutRestartTargets(List.of(new RolloutTarget("Pod", "agent")));
            }));
    cases.add(
        new Case(
            "too-large",
            "PayloadTooLarge",
            with(entry("agno__linear__x", "api_key", "A_LONG_ENOUGH_NAME_TO_PASS_THE_LIMIT"))));
    cases.add(
        new Case(
            "conflict", "SecretConflict", with(entry("agno__linear__x", "api_key", "LINEAR"))));
    return cases;
  }

  @Test
  void everyBadGrantGetsItsOwnReasonAWarningAndNoRetryStorm() throws Exception {
    kw.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(kw.seal(VALUE, "linear"));
              s.setTool("agno__linear__*");
            }));
    kw.awaitToolSecret(
        "linear", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    kw.admin()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("conflict-tools")
                .withNamespace(kw.namespace())
                .endMetadata()
                .addToData("someone", "ZWxzZQ==")
                .build())
        .create();
    List<Case> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(15);
    for (Case c : cases) {
      kw.create(toolGrant(c.name(), c.spec()));
    }
    for (Case c : cases) {
      kw.awaitToolGrant(
          c.name(), g -> g.getStatus() != null && "Failed".equals(g.getStatus().getPhase()));
    }
    Map<String, Integer> settled = new LinkedHashMap<>();
    for (Case c : cases) {
      settled.put(c.name(), kw.toolGrantReconcileCount(c.name()));
    }
    Thread.sleep(1500); // a window in which a retry loop would show

    SoftAssertions soft = new SoftAssertions();
    for (Case c : cases) {
      ToolGrant g = kw.toolGrant(c.name());
      Condition ready = Conditions.find(g.getStatus().getConditions(), Conditions.READY);
      soft.assertThat(ready.getStatus()).as(c.name()).isEqualTo("False");
      soft.assertThat(ready.getReason()).as(c.name()).isEqualTo(c.reason());
      soft.assertThat(ready.getMessage()).as(c.name()).isNotBlank().doesNotContain(VALUE);
      soft.assertThat(kw.events(c.name()))
          .as("%s: one Warning Event with the reason", c.name())
          .filteredOn(e -> "Warning".equals(e.getType()) && c.reason().equals(e.getReason()))
          .hasSize(1);
      Secret own = kw.secret(g.secretName());
      soft.assertThat(own == null || !ManagedSecrets.isControlledBy(own, g))
          .as("%s: no Secret of its own", c.name())
          .isTrue();
      soft.assertThat(kw.toolGrantReconcileCount(c.name()) - settled.get(c.name()))
          .as("%s: reconciles after it failed", c.name())
          .isLessThanOrEqualTo(1);
      soft.assertThat(Serialization.asJson(g)).as(c.name()).doesNotContain(VALUE);
    }
    soft.assertAll();
    assertThat(ManagedSecrets.decodedData(kw.secret("conflict-tools")))
        .containsExactly(Map.entry("someone", "else"));
  }

  @Test
  void fixingTheSpecRecovers() {
    kw.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(kw.seal(VALUE, "linear"));
              s.setTool("agno__linear__*");
            }));
    kw.create(toolGrant("fix-me", with(entry("agno__linear__x", "api_key", "BAD-ENV"))));
    kw.awaitToolGrant(
        "fix-me", g -> g.getStatus() != null && "Failed".equals(g.getStatus().getPhase()));
    kw.editToolGrant(
        "fix-me",
        g -> {
          g.getSpec().getTools().get(0).setEnv("LINEAR");
          return g;
        });
    kw.awaitToolGrant(
        "fix-me", g -> g.getStatus() != null && "Ready".equals(g.getStatus().getPhase()));
    waiting()
        .until(
            () -> kw.secret("fix-me-tools"),
            s -> s != null && VALUE.equals(ManagedSecrets.decodedData(s).get("LINEAR")));
  }
}
