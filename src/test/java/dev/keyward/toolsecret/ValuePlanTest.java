package dev.keyward.toolsecret;

import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static dev.keyward.testing.TestToolSecrets.valueFrom;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.common.Conditions;
import dev.keyward.common.SpecProblem;
import dev.keyward.common.StatusReporter;
import dev.keyward.sealing.UnsealFailure;
import dev.keyward.secrets.Fingerprints;
import dev.keyward.toolsecret.ValuePlan.Target;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every reason a ToolSecret's value is served, withdrawn or refused, without an API server. */
class ValuePlanTest {

  static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");
  static final String VALUE = "lin_api_0123456789abcdefABCDEF";
  static final long QUOTA = 512 * 1024;
  static final String INDEX = ToolIndexSecret.DEFAULT_NAME;

  static ToolSecret sealed(String name, Consumer<ToolSecretSpec> more) {
    ToolSecret t =
        toolSecret(
            name,
            s -> {
              s.setEncryptedValue("sealed-bytes");
              s.setTool("linear");
              more.accept(s);
            });
    t.getMetadata().setNamespace("agents");
    t.getMetadata().setGeneration(1L);
    t.getMetadata().setCreationTimestamp("2026-05-01T00:00:00Z");
    return t;
  }

  static ToolSecret sealed(Consumer<ToolSecretSpec> more) {
    return sealed("linear", more);
  }

  static ValuePlan decide(ToolSecret t, ValuePlan.Observed observed, ValuePlan.Opened opened) {
    return decide(t, observed, opened, List.of(), QUOTA);
  }

  static ValuePlan decide(
      ToolSecret t,
      ValuePlan.Observed observed,
      ValuePlan.Opened opened,
      List<NamespaceQuota.Candidate> others,
      long quota) {
    return ValuePlan.decide(
        t, ToolSecretPolicy.from(t, INDEX), observed, opened, others, quota, T0);
  }

  static ValuePlan.Observed holding(String value) {
    return new ValuePlan.Observed(
        null,
        new ToolValueSecret.State(
            value, Fingerprints.fingerprint(value), "1", "2026-05-01T00:00:00Z", null));
  }

  static ValuePlan.Settled settle(ToolSecret t, ValuePlan plan, ValuePlan.IndexOutcome index) {
    ToolValueSecret.State after =
        plan.target() == Target.HOLD
            ? new ToolValueSecret.State(
                plan.value(),
                Fingerprints.fingerprint(plan.value()),
                plan.keyId(),
                T0.toString(),
                null)
            : ToolValueSecret.State.NONE;
    return plan.settle(t, after, ToolValueSecret.State.NONE, index, INDEX, T0);
  }

  static ValuePlan.IndexOutcome index(ToolBinding... bindings) {
    return new ValuePlan.IndexOutcome(ToolIndex.of(List.of(bindings)), null);
  }

  static Condition ready(ValuePlan.Settled settled) {
    return Conditions.find(settled.status().getConditions(), Conditions.READY);
  }

  @Test
  void anOpenedValueIsHeldAnnouncedOnceAndActive() {
    ToolSecret t = sealed(s -> {});
    ValuePlan plan = decide(t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.value(VALUE, "7"));

    assertThat(plan.target()).isEqualTo(Target.HOLD);
    assertThat(plan.value()).isEqualTo(VALUE);
    assertThat(plan.announcement().reason()).isEqualTo("ValueWritten");
    assertThat(plan.announcement().message()).contains("sealing key 7").doesNotContain(VALUE);
    ValuePlan.Settled settled = settle(t, plan, index());
    assertThat(settled.status().getPhase()).isEqualTo("Active");
    assertThat(ready(settled).getReason()).isEqualTo("ValueActive");
    assertThat(settled.warning()).isNull();
    assertThat(settled.recheck()).isNull();
  }

  @Test
  void anUnchangedValueIsNotAnnouncedAgainAndAChangedOneIsAnUpdate() {
    ToolSecret t = sealed(s -> {});
    assertThat(decide(t, holding(VALUE), ValuePlan.Opened.value(VALUE, "7")).announcement())
        .isNull();
    ValuePlan changed =
        decide(t, holding("lin_api_other-value-0000"), ValuePlan.Opened.value(VALUE, "7"));
    assertThat(changed.announcement().reason()).isEqualTo("ValueUpdated");
  }

  @Test
  void aValueFromSecretIsAnnouncedWithItsSource() {
    ToolSecret t =
        sealed(
            s -> {
              s.setEncryptedValue(null);
              s.setValueFrom(valueFrom("jira-source", "token"));
            });
    ValuePlan plan = decide(t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.value(VALUE, null));
    assertThat(plan.announcement().message()).endsWith("from Secret jira-source");
  }

  @Test
  void aBadSpecLeavesTheSecretAloneAndNamesItsReason() {
    ToolSecret t = sealed(s -> s.setValueFrom(valueFrom("x", "y")));
    ValuePlan plan = decide(t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.NOT_OPENED);

    assertThat(plan.target()).isEqualTo(Target.UNTOUCHED);
    ValuePlan.Settled settled = settle(t, plan, index());
    assertThat(settled.status().getPhase()).isEqualTo("Failed");
    assertThat(ready(settled).getReason()).isEqualTo("AmbiguousValue");
    assertThat(settled.warning().reason()).isEqualTo("AmbiguousValue");
    assertThat(settled.status().getSecretName()).isEqualTo("linear");
  }

  @Test
  void everySpecReasonOfThePolicyReachesTheStatus() {
    record Case(String reason, Consumer<ToolSecretSpec> spec) {}
    List<Case> cases =
        List.of(
            new Case("MissingValue", s -> s.setEncryptedValue(null)),
            new Case(
                "InvalidValueFrom",
                s -> {
                  s.setEncryptedValue(null);
                  s.setValueFrom(valueFrom("", "token"));
                }),
            new Case("InvalidTool", s -> s.setTool("a*b")),
            new Case("InvalidToolArg", s -> s.setToolArg("")),
            new Case("InvalidExpiresAt", s -> s.setExpiresAt("next week")),
            new Case("InvalidDisplayName", s -> s.setDisplayName("")),
            new Case(
                "InvalidSecret",
                s -> {
                  var target = new dev.keyward.secrets.SecretTarget();
                  target.setName(INDEX);
                  s.setSecret(target);
                }));
    for (Case c : cases) {
      ToolSecret t = sealed(c.spec());
      ValuePlan.Settled settled =
          settle(t, decide(t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.NOT_OPENED), index());
      assertThat(ready(settled).getReason()).as(c.reason()).isEqualTo(c.reason());
      assertThat(settled.status().getPhase()).as(c.reason()).isEqualTo("Failed");
    }
    ToolSecret badName = sealed(ToolIndexSecret.INDEX_KEY, s -> {});
    assertThat(
            ready(
                    settle(
                        badName,
                        decide(badName, ValuePlan.Observed.NOTHING, ValuePlan.Opened.NOT_OPENED),
                        index()))
                .getReason())
        .isEqualTo("InvalidName");
  }

  @Test
  void aForeignSecretIsNeverWrittenAndLookedAtAgainLater() {
    ToolSecret t = sealed(s -> {});
    ValuePlan.Observed foreign =
        new ValuePlan.Observed("Secret linear is not ours", ToolValueSecret.State.NONE);
    assertThat(ValuePlan.needsValue(ToolSecretPolicy.from(t, INDEX), foreign, T0)).isFalse();
    ValuePlan plan = decide(t, foreign, ValuePlan.Opened.NOT_OPENED);

    assertThat(plan.target()).isEqualTo(Target.UNTOUCHED);
    ValuePlan.Settled settled = settle(t, plan, index());
    assertThat(ready(settled).getReason()).isEqualTo("SecretConflict");
    assertThat(settled.recheck()).isEqualTo(StatusReporter.CONFLICT_RECHECK);
  }

  @Test
  void revokingWithdrawsTheValueWithoutOpeningItAndSaysSoOnce() {
    ToolSecret t = sealed(s -> s.setRevoked(true));
    assertThat(ValuePlan.needsValue(ToolSecretPolicy.from(t, INDEX), holding(VALUE), T0)).isFalse();
    ValuePlan plan = decide(t, holding(VALUE), ValuePlan.Opened.NOT_OPENED);

    assertThat(plan.target()).isEqualTo(Target.EMPTY);
    assertThat(plan.marker()).isEqualTo(ToolValueSecret.REVOKED_AT);
    ValuePlan.Settled settled =
        plan.settle(t, ToolValueSecret.State.NONE, holding(VALUE).before(), index(), INDEX, T0);
    assertThat(settled.status().getPhase()).isEqualTo("Revoked");
    assertThat(settled.announcement().reason()).isEqualTo("Revoked");

    t.setStatus(settled.status());
    ValuePlan.Settled again =
        plan.settle(t, ToolValueSecret.State.NONE, ToolValueSecret.State.NONE, index(), INDEX, T0);
    assertThat(again.announcement()).as("already withdrawn and reported").isNull();
  }

  @Test
  void anExpiresAtThatHasPassedWithdrawsTheValueAndOneAheadIsWhenToLookAgain() {
    ToolSecret past = sealed(s -> s.setExpiresAt("2026-05-31T23:59:59Z"));
    ValuePlan expired = decide(past, holding(VALUE), ValuePlan.Opened.NOT_OPENED);
    assertThat(expired.marker()).isEqualTo(ToolValueSecret.EXPIRED_AT);
    ValuePlan.Settled settled = settle(past, expired, index());
    assertThat(settled.status().getPhase()).isEqualTo("Expired");
    assertThat(ready(settled).getReason()).isEqualTo("Expired");

    ToolSecret atNow = sealed(s -> s.setExpiresAt(T0.toString()));
    assertThat(decide(atNow, holding(VALUE), ValuePlan.Opened.NOT_OPENED).target())
        .as("expired at the instant itself")
        .isEqualTo(Target.EMPTY);

    ToolSecret future = sealed(s -> s.setExpiresAt("2026-06-01T00:00:10.2Z"));
    ValuePlan live = decide(future, holding(VALUE), ValuePlan.Opened.value(VALUE, "7"));
    assertThat(settle(future, live, index()).recheck()).isEqualTo(Duration.ofSeconds(11));
  }

  @ParameterizedTest
  @EnumSource(UnsealFailure.class)
  void aValueThatDoesNotOpenIsTakenAwayWithItsReason(UnsealFailure failure) {
    ToolSecret t = sealed(s -> {});
    ValuePlan plan =
        decide(
            t,
            holding(VALUE),
            ValuePlan.Opened.problem(new SpecProblem(failure.reason(), "did not open"), failure));

    assertThat(plan.target()).isEqualTo(Target.EMPTY);
    assertThat(plan.marker()).isNull();
    assertThat(plan.failure()).isEqualTo(failure);
    assertThat(ready(settle(t, plan, index())).getReason()).isEqualTo(failure.reason());
  }

  @Test
  void aMissingSourceSecretOrKeyIsAReasonThatRecoversByItself() {
    ToolSecret t = sealed(s -> {});
    for (String reason : List.of("SourceSecretNotFound", "SourceKeyNotFound")) {
      ValuePlan plan =
          decide(
              t,
              ValuePlan.Observed.NOTHING,
              ValuePlan.Opened.problem(new SpecProblem(reason, "not yet"), null));
      assertThat(plan.failure()).isNull();
      assertThat(ready(settle(t, plan, index())).getReason()).isEqualTo(reason);
    }
  }

  @Test
  void aValueOutsideFourTo1024CharactersIsRefused() {
    ToolSecret t = sealed(s -> {});
    assertThat(decide(t, holding(VALUE), ValuePlan.Opened.value("abc", "7")).problem().reason())
        .isEqualTo("ValueTooShort");
    assertThat(
            decide(t, holding(VALUE), ValuePlan.Opened.value("x".repeat(1025), "7"))
                .problem()
                .reason())
        .isEqualTo("ValueTooLong");
    assertThat(decide(t, holding(VALUE), ValuePlan.Opened.value("abcd", "7")).target())
        .isEqualTo(Target.HOLD);
  }

  @Test
  void aValuePassingTheQuotaIsRefusedWhileOneAlreadyServedKeepsItsPlace() {
    ToolSecret t = sealed(s -> {});
    List<NamespaceQuota.Candidate> others =
        List.of(new NamespaceQuota.Candidate("older", 20, true, T0.minusSeconds(60)));
    long quota = 20 + VALUE.length() - 1;

    ValuePlan refused =
        decide(t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.value(VALUE, "7"), others, quota);
    assertThat(refused.target()).isEqualTo(Target.EMPTY);
    assertThat(refused.problem().reason()).isEqualTo("PayloadTooLarge");
    assertThat(refused.problem().message()).contains("namespace agents").doesNotContain(VALUE);

    ValuePlan fits =
        decide(
            t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.value(VALUE, "7"), others, quota + 1);
    assertThat(fits.target()).isEqualTo(Target.HOLD);
  }

  @Test
  void aForeignIndexSecretFailsTheToolSecretAndIsLookedAtAgainLater() {
    ToolSecret t = sealed(s -> {});
    ValuePlan plan = decide(t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.value(VALUE, "7"));
    ValuePlan.Settled settled =
        settle(t, plan, new ValuePlan.IndexOutcome(ToolIndex.of(List.of()), "not our index"));

    assertThat(ready(settled).getReason()).isEqualTo("IndexConflict");
    assertThat(settled.status().getPhase()).isEqualTo("Failed");
    assertThat(settled.recheck()).isEqualTo(StatusReporter.CONFLICT_RECHECK);
  }

  @Test
  void theNewerOfTwoDefaultsStaysActiveButReportsTheConflict() {
    ToolSecret t = sealed("newer", s -> s.setDefaultForTool(true));
    ValuePlan plan = decide(t, ValuePlan.Observed.NOTHING, ValuePlan.Opened.value(VALUE, "7"));
    ValuePlan.IndexOutcome index =
        index(
            new ToolBinding("older", "linear", null, true, T0.minusSeconds(3600), "sha256:a", 10),
            new ToolBinding("newer", "linear", null, true, T0, "sha256:b", 10));

    ValuePlan.Settled settled = settle(t, plan, index);
    assertThat(settled.status().getPhase()).isEqualTo("Active");
    assertThat(ready(settled).getReason()).isEqualTo("DefaultConflict");
    assertThat(settled.warning().reason()).isEqualTo("DefaultConflict");
  }
}
