package dev.keyward.apikey;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

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
 * The ApiKey CRD's OpenAPI constraints and CEL rules, evaluated as the API server evaluates them:
 * which bad manifests {@code kubectl apply} now refuses, with which rule, and that every shape the
 * examples use still passes.
 */
class ApiKeyCrdRulesTest {

  static final CrdSchema CRD = CrdSchema.generated("apikeys.keyward.dev-v1.yml");

  /**
   * For each case of {@link ApiKeyBadInputTest}: what the API server refuses it with (path and the
   * rule's reason or OpenAPI keyword); empty when only the operator can tell (docs/validation.md).
   */
  static final Map<String, Set<String>> BAD_INPUT =
      Map.ofEntries(
          entry("bad-type", Set.of("spec.type InvalidType")),
          entry("empty-display", Set.of("spec.displayName minLength")),
          entry("long-display", Set.of("spec.displayName maxLength")),
          entry("bad-lifetime", Set.of("spec.expiresAfter InvalidDuration")),
          entry("zero-lifetime", Set.of("spec.expiresAfter InvalidDuration")),
          entry("bad-overlap", Set.of("spec.rotation.overlap InvalidDuration")),
          entry("overlap-too-long", Set.of("spec InvalidRotation")),
          entry("bad-prefix", Set.of("spec.format.prefix InvalidKeyFormat")),
          entry("short-key", Set.of("spec.format.length minimum")),
          entry("bad-secret-name", Set.of("spec.secret.name InvalidSecret")),
          entry("bad-secret-key", Set.of("spec.secret.key InvalidSecret")),
          entry(
              "bad-rollout-kind",
              Set.of("spec.rolloutRestartTargets[0].kind InvalidRolloutTarget")),
          entry("rollout-no-name", Set.of("spec.rolloutRestartTargets[0].name required")),
          entry("bad-unused-for", Set.of("spec.revokeWhenUnusedFor InvalidDuration")),
          entry("zero-rate-limit", Set.of("spec.rateLimit.requests minimum")),
          entry("bad-rate-period", Set.of("spec.rateLimit.per InvalidRateLimit")),
          entry("taken", Set.of()));

  record Extra(String name, Consumer<ApiKeySpec> spec, Set<String> refused) {}

  /** Shapes outside the operator's bad-input table: the usage fields, edges of each rule. */
  static final List<Extra> EXTRA =
      List.of(
          new Extra("combined-duration", s -> s.setExpiresAfter("1h30m"), Set.of()),
          new Extra(
              "overlap-exactly-half",
              s -> {
                s.setExpiresAfter("40s");
                s.setRotation(rotation(true, "20s"));
              },
              Set.of()),
          new Extra(
              "overlap-in-other-units",
              s -> {
                s.setExpiresAfter("1h");
                s.setRotation(rotation(true, "31m"));
              },
              Set.of("spec InvalidRotation")),
          new Extra(
              "overlap-of-days",
              s -> {
                s.setExpiresAfter("90d");
                s.setRotation(rotation(true, "7d"));
              },
              Set.of()),
          new Extra(
              "overlap-of-a-never-expiring-key",
              s -> {
                s.setExpiresAfter("never");
                s.setRotation(rotation(true, "7d"));
              },
              Set.of()),
          new Extra(
              // Two-part durations are left to the operator, which refuses this one.
              "overlap-in-two-parts",
              s -> {
                s.setExpiresAfter("2h");
                s.setRotation(rotation(true, "1h30m"));
              },
              Set.of()),
          new Extra(
              "huge-durations-do-not-overflow",
              s -> {
                s.setExpiresAfter("999999999d");
                s.setRotation(rotation(true, "999999999d"));
              },
              Set.of("spec InvalidRotation")),
          new Extra("never", s -> s.setExpiresAfter("never"), Set.of()),
          new Extra(
              "never-is-no-overlap",
              s -> {
                s.setExpiresAfter("90d");
                s.setRotation(rotation(true, "never"));
              },
              Set.of("spec.rotation.overlap InvalidDuration")),
          new Extra(
              "zero-overlap",
              s -> {
                s.setExpiresAfter("90d");
                s.setRotation(rotation(true, "0h0m"));
              },
              Set.of("spec.rotation.overlap InvalidDuration")),
          new Extra(
              "spaces",
              s -> s.setExpiresAfter("90 d"),
              Set.of("spec.expiresAfter InvalidDuration")),
          new Extra(
              "long-format",
              s -> s.setFormat(ApiKeyBadInputTest.format("kw_", 129)),
              Set.of("spec.format.length maximum")),
          new Extra(
              "edges-of-format",
              s -> s.setFormat(ApiKeyBadInputTest.format("a".repeat(16), 22)),
              Set.of()),
          new Extra(
              "long-prefix",
              s -> s.setFormat(ApiKeyBadInputTest.format("a".repeat(17), null)),
              Set.of("spec.format.prefix InvalidKeyFormat")),
          new Extra(
              "dotted-secret-name",
              s -> s.setSecret(ApiKeyBadInputTest.secret("team.agent-key", "api.key_1")),
              Set.of()),
          new Extra("unused-for", s -> s.setRevokeWhenUnusedFor("30d"), Set.of()),
          new Extra("unused-for-never", s -> s.setRevokeWhenUnusedFor("never"), Set.of()),
          new Extra(
              "unused-for-words",
              s -> s.setRevokeWhenUnusedFor("a month"),
              Set.of("spec.revokeWhenUnusedFor InvalidDuration")),
          new Extra(
              "unused-for-zero",
              s -> s.setRevokeWhenUnusedFor("0d"),
              Set.of("spec.revokeWhenUnusedFor InvalidDuration")),
          new Extra("rate-limit", s -> s.setRateLimit(new RateLimit(100, "1m")), Set.of()),
          new Extra(
              "rate-limit-zero",
              s -> s.setRateLimit(new RateLimit(0, "1m")),
              Set.of("spec.rateLimit.requests minimum")),
          new Extra(
              "rate-limit-no-period",
              s -> s.setRateLimit(new RateLimit(10, null)),
              Set.of("spec.rateLimit.per required")),
          new Extra(
              "rate-limit-no-requests",
              s -> s.setRateLimit(new RateLimit(null, "1m")),
              Set.of("spec.rateLimit.requests required")),
          new Extra(
              "rate-limit-bad-period",
              s -> s.setRateLimit(new RateLimit(10, "minute")),
              Set.of("spec.rateLimit.per InvalidRateLimit")),
          new Extra(
              "rate-limit-zero-period",
              s -> s.setRateLimit(new RateLimit(10, "0s")),
              Set.of("spec.rateLimit.per InvalidRateLimit")),
          new Extra(
              "too-many-rollout-targets",
              s ->
                  s.setRolloutRestartTargets(
                      java.util.Collections.nCopies(33, new RolloutTarget("Deployment", "x"))),
              Set.of("spec.rolloutRestartTargets maxItems")),
          new Extra(
              "every-rollout-kind",
              s ->
                  s.setRolloutRestartTargets(
                      List.of(
                          new RolloutTarget("Deployment", "a"),
                          new RolloutTarget("StatefulSet", "b"),
                          new RolloutTarget("DaemonSet", "c"))),
              Set.of()));

  static Set<String> refusals(ApiKey key) {
    return CRD.validate(key).stream().map(Violation::brief).collect(Collectors.toSet());
  }

  @Test
  void theApiServerRefusesTheBadInputsItCanTellAndNamesTheOperatorsReason() {
    List<ApiKeyBadInputTest.Case> cases = ApiKeyBadInputTest.cases();
    assertThat(cases.stream().map(ApiKeyBadInputTest.Case::name))
        .as("every operator bad-input case is classified here and in docs/validation.md")
        .containsExactlyInAnyOrderElementsOf(BAD_INPUT.keySet());
    SoftAssertions soft = new SoftAssertions();
    for (ApiKeyBadInputTest.Case c : cases) {
      List<Violation> violations = CRD.validate(apiKey(c.name(), c.spec()));
      soft.assertThat(violations.stream().map(Violation::brief).collect(Collectors.toSet()))
          .as(c.name())
          .isEqualTo(BAD_INPUT.get(c.name()));
      for (Violation v : violations) {
        if (v.rule().contains(": ")) {
          soft.assertThat(v.rule())
              .as("%s: the rule's message starts with the operator's reason", c.name())
              .startsWith(c.reason() + ": ");
        }
      }
    }
    soft.assertAll();
    assertThat(BAD_INPUT.values().stream().filter(r -> !r.isEmpty()).count()).isEqualTo(16);
  }

  @Test
  void edgesOfEachRule() {
    SoftAssertions soft = new SoftAssertions();
    for (Extra e : EXTRA) {
      soft.assertThat(refusals(apiKey(e.name(), e.spec()))).as(e.name()).isEqualTo(e.refused());
    }
    soft.assertAll();
  }

  @Test
  void everyExampleIsAccepted() {
    List<ApiKey> examples = CrdSchema.examples("ApiKey", ApiKey.class);
    assertThat(examples).hasSizeGreaterThanOrEqualTo(5);
    for (ApiKey example : examples) {
      assertThat(CRD.validate(example)).as(example.getMetadata().getName()).isEmpty();
    }
  }

  @Test
  void everyCelRuleCompilesAndRefusesSomethingInTheTables() {
    Set<String> fired = new HashSet<>();
    for (ApiKeyBadInputTest.Case c : ApiKeyBadInputTest.cases()) {
      CRD.validate(apiKey(c.name(), c.spec())).forEach(v -> fired.add(v.rule()));
    }
    for (Extra e : EXTRA) {
      CRD.validate(apiKey(e.name(), e.spec())).forEach(v -> fired.add(v.rule()));
    }
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
