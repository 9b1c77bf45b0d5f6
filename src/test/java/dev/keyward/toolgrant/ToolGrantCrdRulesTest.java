package dev.keyward.toolgrant;

import static dev.keyward.testing.TestToolGrants.entry;
import static dev.keyward.testing.TestToolGrants.pinned;
import static dev.keyward.testing.TestToolGrants.toolGrant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.RolloutTarget;
import dev.keyward.testing.CrdSchema;
import dev.keyward.testing.CrdSchema.Violation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The ToolGrant CRD's OpenAPI constraints and CEL rules, evaluated as the API server evaluates
 * them: which bad grants {@code kubectl apply} refuses, with which reason, and that the shapes the
 * examples use pass.
 */
class ToolGrantCrdRulesTest {

  static final CrdSchema CRD = CrdSchema.generated("toolgrants.keyward.dev-v1.yml");

  record Case(String name, Consumer<ToolGrantSpec> spec, Set<String> refused) {}

  static Consumer<ToolGrantSpec> with(ToolGrantSpec.Entry... entries) {
    return s -> s.setTools(new ArrayList<>(List.of(entries)));
  }

  static final List<Case> CASES =
      List.of(
          new Case(
              "fine",
              with(
                  entry("agno__linear__list_issues", "api_key", "LINEAR_API_KEY"),
                  entry("mcp:github/search.code", "token", null),
                  pinned("agno__jira__search", "api_key", "JIRA_API_KEY", "jira-research")),
              Set.of()),
          new Case("no-tools", s -> s.setTools(null), Set.of("spec.tools required")),
          new Case("empty-tools", with(), Set.of()),
          new Case(
              "too-many",
              s ->
                  s.setTools(
                      IntStream.range(0, 129)
                          .mapToObj(i -> entry("tool_" + i, "arg", "ENV_" + i))
                          .collect(Collectors.toCollection(ArrayList::new))),
              Set.of("spec.tools maxItems", "spec.tools TooManyTools")),
          new Case(
              "exactly-128",
              s ->
                  s.setTools(
                      IntStream.range(0, 128)
                          .mapToObj(i -> entry("tool_" + i, "arg", "ENV_" + i))
                          .collect(Collectors.toCollection(ArrayList::new))),
              Set.of()),
          new Case(
              "duplicate-env",
              with(entry("a", "token", "TOKEN"), entry("b", "token", "TOKEN")),
              Set.of("spec.tools DuplicateEnv")),
          new Case(
              "same-tool-other-env",
              with(entry("a", "token", "A_TOKEN"), entry("a", "token", "B_TOKEN")),
              Set.of()),
          new Case(
              "env-starts-with-digit",
              with(entry("a", "token", "1TOKEN")),
              Set.of("spec.tools[0].env InvalidEnv")),
          new Case(
              "env-with-dash",
              with(entry("a", "token", "MY-TOKEN")),
              Set.of("spec.tools[0].env InvalidEnv")),
          new Case(
              "env-empty",
              with(entry("a", "token", "")),
              Set.of("spec.tools[0].env minLength", "spec.tools[0].env InvalidEnv")),
          new Case(
              "wildcard-tool",
              with(entry("agno__linear__*", "api_key", null)),
              Set.of("spec.tools[0].tool InvalidTool")),
          new Case(
              "tool-with-space",
              with(entry("github jira", "token", null)),
              Set.of("spec.tools[0].tool InvalidTool")),
          new Case(
              "tool-empty", with(entry("", "token", null)), Set.of("spec.tools[0].tool minLength")),
          new Case(
              "no-tool", with(entry(null, "token", null)), Set.of("spec.tools[0].tool required")),
          new Case("no-arg", with(entry("a", null, null)), Set.of("spec.tools[0].arg required")),
          new Case(
              "arg-empty",
              with(entry("a", "", null)),
              Set.of("spec.tools[0].arg minLength", "spec.tools[0].arg InvalidArg")),
          new Case(
              "arg-blank", with(entry("a", "  ", null)), Set.of("spec.tools[0].arg InvalidArg")),
          new Case(
              "pin-empty",
              with(pinned("a", "token", null, "")),
              Set.of("spec.tools[0].toolSecret minLength")),
          new Case(
              "secret-is-index",
              s -> {
                with(entry("a", "token", null)).accept(s);
                s.setSecret(new ToolGrantSpec.GrantSecret("keyward-tools"));
              },
              Set.of(" InvalidSecret")),
          new Case(
              "secret-bad-name",
              s -> {
                with(entry("a", "token", null)).accept(s);
                s.setSecret(new ToolGrantSpec.GrantSecret("Agent_Tools"));
              },
              Set.of("spec.secret.name InvalidSecret")),
          new Case(
              "restart-bad-kind",
              s -> {
                with(entry("a", "token", null)).accept(s);
                s.setRolloutRestartTargets(List.of(new RolloutTarget("Pod", "agent")));
              },
              Set.of("spec.rolloutRestartTargets[0].kind InvalidRolloutTarget")),
          new Case(
              "display-empty", s -> s.setDisplayName(""), Set.of("spec.displayName minLength")));

  static Set<String> refusals(String name, Consumer<ToolGrantSpec> spec) {
    return CRD.validate(toolGrant(name, spec)).stream()
        .map(Violation::brief)
        .collect(Collectors.toSet());
  }

  @Test
  void theApiServerRefusesBadGrantsWithTheirReason() {
    SoftAssertions soft = new SoftAssertions();
    for (Case c : CASES) {
      soft.assertThat(refusals(c.name(), c.spec())).as(c.name()).isEqualTo(c.refused());
    }
    soft.assertAll();
  }

  @Test
  void theDefaultSecretNameCannotBeTheToolIndex() {
    assertThat(refusals("keyward", with(entry("a", "token", null))))
        .containsExactly(" InvalidSecret");
    assertThat(refusals("keyward-two", with(entry("a", "token", null)))).isEmpty();
    String longest = "a".repeat(248);
    assertThat(refusals(longest, with(entry("a", "token", null))))
        .containsExactly(" InvalidSecret");
    assertThat(refusals("a".repeat(247), with(entry("a", "token", null)))).isEmpty();
  }

  @Test
  void aGrantWithoutSpecIsRefused() {
    ToolGrant noSpec = toolGrant("no-spec", s -> {});
    noSpec.setSpec(null);
    assertThat(CRD.validate(noSpec))
        .extracting(Violation::rule)
        .singleElement()
        .asString()
        .startsWith("MissingTools: ");
  }

  @Test
  void everyExampleIsAccepted() {
    List<ToolGrant> examples = CrdSchema.examples("ToolGrant", ToolGrant.class);
    for (ToolGrant example : examples) {
      assertThat(CRD.validate(example)).as(example.getMetadata().getName()).isEmpty();
    }
  }

  @Test
  void everyCelRuleCompilesStartsWithItsReasonAndRefusesACase() {
    Set<String> fired = new HashSet<>();
    for (Case c : CASES) {
      CRD.validate(toolGrant(c.name(), c.spec())).forEach(v -> fired.add(v.rule()));
    }
    CRD.validate(toolGrant("keyward", with(entry("a", "token", null))))
        .forEach(v -> fired.add(v.rule()));
    CRD.validate(toolGrant("a".repeat(250), with())).forEach(v -> fired.add(v.rule()));
    ToolGrant noSpec = toolGrant("no-spec", s -> {});
    noSpec.setSpec(null);
    CRD.validate(noSpec).forEach(v -> fired.add(v.rule()));
    List<CrdSchema.Rule> rules = CRD.rules();
    assertThat(rules).hasSizeGreaterThanOrEqualTo(10);
    for (CrdSchema.Rule rule : rules) {
      assertThat(CRD.compile(rule.expression())).isNotNull();
      assertThat(rule.message()).as(rule.expression()).matches("[A-Z][A-Za-z0-9]+: .+");
      assertThat(fired)
          .as("a case refused by %s at %s", rule.message(), rule.path())
          .contains(rule.message());
    }
  }
}
