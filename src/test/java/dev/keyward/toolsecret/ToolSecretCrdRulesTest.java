package dev.keyward.toolsecret;

import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static dev.keyward.testing.TestToolSecrets.valueFrom;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.sealing.PublicKeys;
import dev.keyward.sealing.SealingKeys;
import dev.keyward.secrets.SecretTarget;
import dev.keyward.testing.CrdSchema;
import dev.keyward.testing.CrdSchema.Violation;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The ToolSecret CRD's OpenAPI constraints and CEL rules, evaluated as the API server evaluates
 * them: which bad manifests {@code kubectl apply} now refuses, with which rule, and that every
 * shape the examples use still passes.
 */
class ToolSecretCrdRulesTest {

  static final CrdSchema CRD = CrdSchema.generated("toolsecrets.keyward.dev-v1.yml");
  static final String NS = "agents";
  static final PublicKeys KEYS = SealingKeys.generate().publicKeys();

  /**
   * For each case of {@link ToolSecretBadInputTest}: what the API server refuses it with (path and
   * the rule's reason or OpenAPI keyword; an empty path is a rule on the whole object); empty when
   * only the operator can tell, because it needs the sealing keys or another object.
   */
  static final Map<String, Set<String>> BAD_INPUT =
      Map.ofEntries(
          entry(
              "not-base64",
              Set.of("spec.encryptedValue NotBase64", "spec.encryptedValue Truncated")),
          entry("truncated", Set.of("spec.encryptedValue Truncated")),
          entry("tampered", Set.of()),
          entry("unsupported", Set.of("spec.encryptedValue UnsupportedFormat")),
          entry("other-name", Set.of()),
          entry("other-namespace", Set.of()),
          entry("unknown-key", Set.of()),
          entry("too-short", Set.of()),
          entry("too-long", Set.of()),
          entry("both", Set.of("spec AmbiguousValue")),
          entry("neither", Set.of("spec MissingValue")),
          entry("value-from-no-key", Set.of("spec.valueFrom.secretKeyRef.key required")),
          entry("tool-list", Set.of("spec.tool InvalidTool")),
          entry("tool-bare-star", Set.of("spec.tool InvalidTool")),
          entry("tool-embedded-star", Set.of("spec.tool InvalidTool")),
          entry("tool-empty", Set.of("spec.tool minLength")),
          entry("tool-arg-empty", Set.of("spec.toolArg minLength")),
          entry("tool-arg-long", Set.of("spec.toolArg maxLength")),
          entry("default-no-tool", Set.of("spec InvalidTool")),
          entry("bad-expiry", Set.of("spec.expiresAt InvalidExpiresAt")),
          entry("empty-display", Set.of("spec.displayName minLength")),
          entry("bad-secret-name", Set.of("spec.secret.name InvalidSecret")),
          entry("index-name", Set.of(" InvalidSecret")),
          entry("index.json", Set.of(" InvalidName")),
          entry("tool-bad-chars", Set.of("spec.tool InvalidTool")),
          entry("reads-itself", Set.of(" InvalidSecret")));

  record Extra(String name, Consumer<ToolSecretSpec> spec, Set<String> refused) {}

  static Consumer<ToolSecretSpec> sealed(String name, Consumer<ToolSecretSpec> more) {
    return s -> {
      s.setEncryptedValue(KEYS.seal(ToolSecretBadInputTest.VALUE, NS, name));
      more.accept(s);
    };
  }

  static SecretTarget target(String name) {
    SecretTarget t = new SecretTarget();
    t.setName(name);
    return t;
  }

  /** Shapes outside the operator's bad-input table: edges of each rule. */
  static final List<Extra> EXTRA =
      List.of(
          new Extra("plain", sealed("plain", s -> {}), Set.of()),
          new Extra(
              "wildcard",
              sealed(
                  "wildcard",
                  s -> {
                    s.setTool("mcp:github/issues.*");
                    s.setToolArg("token");
                    s.setDefaultForTool(true);
                  }),
              Set.of()),
          new Extra(
              "not-default", sealed("not-default", s -> s.setDefaultForTool(false)), Set.of()),
          new Extra(
              "arg-no-tool",
              sealed("arg-no-tool", s -> s.setToolArg("token")),
              Set.of("spec InvalidTool")),
          new Extra(
              "tool-with-space",
              sealed("tool-with-space", s -> s.setTool("github jira")),
              Set.of("spec.tool InvalidTool")),
          new Extra(
              "offset-expiry",
              sealed("offset-expiry", s -> s.setExpiresAt("2027-06-01T02:00:00.5+02:00")),
              Set.of()),
          new Extra(
              "date-only-expiry",
              sealed("date-only-expiry", s -> s.setExpiresAt("2027-06-01")),
              Set.of("spec.expiresAt InvalidExpiresAt")),
          new Extra(
              "value-from", s -> s.setValueFrom(valueFrom("github-plain", "token")), Set.of()),
          new Extra(
              "value-from-own-secret-elsewhere",
              s -> {
                s.setValueFrom(valueFrom("value-from-own-secret-elsewhere", "token"));
                s.setSecret(target("resolved"));
              },
              Set.of()),
          new Extra(
              "value-from-into-its-source",
              s -> {
                s.setValueFrom(valueFrom("plain", "token"));
                s.setSecret(target("plain"));
              },
              Set.of(" InvalidSecret")),
          new Extra(
              "value-from-nothing",
              s -> s.setValueFrom(new ToolSecretSpec.ValueFrom()),
              Set.of("spec.valueFrom.secretKeyRef required")),
          new Extra(
              "bad-secret-key",
              sealed(
                  "bad-secret-key",
                  s -> {
                    s.setSecret(target("fine"));
                    s.getSecret().setKey("no/slash");
                  }),
              Set.of("spec.secret.key InvalidSecret")),
          new Extra(
              "too-big",
              s -> s.setEncryptedValue("A".repeat(8193)),
              Set.of("spec.encryptedValue maxLength", "spec.encryptedValue UnsupportedFormat")));

  static Set<String> refusals(String name, Consumer<ToolSecretSpec> spec) {
    return CRD.validate(toolSecret(name, spec)).stream()
        .map(Violation::brief)
        .collect(Collectors.toSet());
  }

  @Test
  void theApiServerRefusesTheBadInputsItCanTellAndNamesTheOperatorsReason() {
    List<ToolSecretBadInputTest.Case> cases = ToolSecretBadInputTest.cases(NS, KEYS);
    assertThat(cases.stream().map(ToolSecretBadInputTest.Case::name))
        .as("every operator bad-input case is classified here and in docs/validation.md")
        .containsExactlyInAnyOrderElementsOf(BAD_INPUT.keySet());
    SoftAssertions soft = new SoftAssertions();
    for (ToolSecretBadInputTest.Case c : cases) {
      List<Violation> violations = CRD.validate(toolSecret(c.name(), c.spec()));
      soft.assertThat(violations.stream().map(Violation::brief).collect(Collectors.toSet()))
          .as(c.name())
          .isEqualTo(BAD_INPUT.get(c.name()));
      if (violations.stream().anyMatch(v -> v.rule().contains(": "))) {
        soft.assertThat(violations.stream().map(Violation::rule))
            .as("%s: one refusal names the operator's reason %s", c.name(), c.reason())
            .anyMatch(r -> r.startsWith(c.reason() + ": "));
      }
    }
    soft.assertAll();
    assertThat(BAD_INPUT.values().stream().filter(r -> !r.isEmpty()).count()).isEqualTo(20);
  }

  @Test
  void edgesOfEachRule() {
    SoftAssertions soft = new SoftAssertions();
    for (Extra e : EXTRA) {
      soft.assertThat(refusals(e.name(), e.spec())).as(e.name()).isEqualTo(e.refused());
    }
    soft.assertAll();
  }

  @Test
  void everyExampleIsAccepted() {
    List<ToolSecret> examples = CrdSchema.examples("ToolSecret", ToolSecret.class);
    assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
    for (ToolSecret example : examples) {
      assertThat(CRD.validate(example)).as(example.getMetadata().getName()).isEmpty();
    }
  }

  @Test
  void everyCelRuleCompilesAndRefusesSomethingInTheTables() {
    Set<String> fired = new HashSet<>();
    for (ToolSecretBadInputTest.Case c : ToolSecretBadInputTest.cases(NS, KEYS)) {
      CRD.validate(toolSecret(c.name(), c.spec())).forEach(v -> fired.add(v.rule()));
    }
    for (Extra e : EXTRA) {
      CRD.validate(toolSecret(e.name(), e.spec())).forEach(v -> fired.add(v.rule()));
    }
    ToolSecret noSpec = toolSecret("no-spec", s -> {});
    noSpec.setSpec(null);
    CRD.validate(noSpec).forEach(v -> fired.add(v.rule()));
    List<CrdSchema.Rule> rules = CRD.rules();
    assertThat(rules).hasSizeGreaterThanOrEqualTo(12);
    for (CrdSchema.Rule rule : rules) {
      assertThat(CRD.compile(rule.expression())).isNotNull();
      assertThat(rule.message()).as(rule.expression()).matches("[A-Z][A-Za-z0-9]+: .+");
      assertThat(fired)
          .as("a case refused by %s at %s", rule.message(), rule.path())
          .contains(rule.message());
    }
  }
}
