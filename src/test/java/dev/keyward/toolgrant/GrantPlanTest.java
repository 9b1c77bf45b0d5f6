package dev.keyward.toolgrant;

import static dev.keyward.testing.TestToolGrants.entry;
import static dev.keyward.testing.TestToolGrants.pinned;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.RolloutTarget;
import dev.keyward.toolsecret.ToolBinding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The grant's decision on plain values: every resolution rule, pin and failure. */
class GrantPlanTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String NS = "agents";

  /** A served ToolSecret: name, tool pattern, arg (null = any), default, age in minutes. */
  static GrantPlan.Served served(
      String name, String tool, String arg, boolean dflt, int minutes, String value) {
    return new GrantPlan.Served(
        new ToolBinding(
            name, tool, arg, dflt, T0.plusSeconds(60L * minutes), "sha256:" + name, value.length()),
        value);
  }

  static GrantPlan.Known known(GrantPlan.Served s) {
    ToolBinding b = s.binding();
    return new GrantPlan.Known(b.name(), b.tool(), b.toolArg(), b.name(), null);
  }

  static ToolGrantSpec spec(ToolGrantSpec.Entry... entries) {
    ToolGrantSpec spec = new ToolGrantSpec();
    spec.setTools(new ArrayList<>(Arrays.asList(entries)));
    return spec;
  }

  static GrantPlan plan(
      ToolGrantSpec spec, List<GrantPlan.Known> unusable, GrantPlan.Served... served) {
    List<GrantPlan.Known> all = new ArrayList<>(unusable);
    for (GrantPlan.Served s : served) {
      all.add(known(s));
    }
    return GrantPlan.decide(
        new GrantPlan.Input(
            NS,
            "agent",
            spec,
            "agent-tools",
            "keyward-tools",
            all,
            List.of(served),
            GrantPlan.MAX_SECRET_BYTES));
  }

  static GrantPlan plan(ToolGrantSpec spec, GrantPlan.Served... served) {
    return plan(spec, List.of(), served);
  }

  static ToolGrantStatus.Resolved only(GrantPlan plan) {
    assertThat(plan.problem()).isNull();
    assertThat(plan.resolved()).hasSize(1);
    return plan.resolved().get(0);
  }

  static final ToolGrantSpec LINEAR =
      spec(entry("agno__linear__list_issues", "api_key", "LINEAR_API_KEY"));

  @Test
  void exactToolNameBeatsWildcard() {
    var r =
        only(
            plan(
                LINEAR,
                served("wild", "agno__linear__*", "api_key", false, 0, "wild-value"),
                served("exact", "agno__linear__list_issues", "api_key", false, 5, "exact-value")));
    assertThat(r.getToolSecret()).isEqualTo("exact");
    assertThat(r.getMatch()).isEqualTo("exact");
  }

  @Test
  void longerWildcardBeatsShorterAndSaysWildcard() {
    GrantPlan p =
        plan(
            LINEAR,
            served("short", "agno__*", "api_key", false, 0, "short-value"),
            served("long", "agno__linear__*", "api_key", false, 5, "long-value"));
    assertThat(only(p).getToolSecret()).isEqualTo("long");
    assertThat(only(p).getMatch()).isEqualTo("wildcard");
    assertThat(p.data()).containsExactly(java.util.Map.entry("LINEAR_API_KEY", "long-value"));
  }

  @Test
  void explicitBindingBeatsDefaultAndDefaultIsUsedWhenAlone() {
    var explicit =
        only(
            plan(
                LINEAR,
                served("dflt", "agno__linear__*", "api_key", true, 0, "default-value"),
                served("explicit", "agno__linear__*", "api_key", false, 5, "explicit-value")));
    assertThat(explicit.getToolSecret()).isEqualTo("explicit");
    var alone =
        only(plan(LINEAR, served("dflt", "agno__linear__*", null, true, 0, "default-value")));
    assertThat(alone.getToolSecret()).isEqualTo("dflt");
    assertThat(alone.getMatch()).isEqualTo("default");
  }

  @Test
  void exactArgumentBeatsAnyArgumentAndOtherArgumentsDoNotMatch() {
    var r =
        only(
            plan(
                LINEAR,
                served("any", "agno__linear__list_issues", null, false, 0, "any-value"),
                served("arg", "agno__linear__list_issues", "api_key", false, 5, "arg-value"),
                served("other", "agno__linear__list_issues", "token", false, 0, "other-value")));
    assertThat(r.getToolSecret()).isEqualTo("arg");
    GrantPlan none =
        plan(LINEAR, served("other", "agno__linear__list_issues", "token", false, 0, "v-other"));
    assertThat(none.resolved()).isEmpty();
    assertThat(none.phase()).isEqualTo("Incomplete");
  }

  @Test
  void olderWinsATieAndTheNewerOfTwoDefaultsIsNotUsed() {
    var r =
        only(
            plan(
                LINEAR,
                served("newer", "agno__linear__*", "api_key", false, 9, "newer-value"),
                served("older", "agno__linear__*", "api_key", false, 1, "older-value")));
    assertThat(r.getToolSecret()).isEqualTo("older");
    var d =
        only(
            plan(
                LINEAR,
                served("b-new-default", "agno__linear__*", "api_key", true, 9, "v-new"),
                served("a-old-default", "agno__linear__*", "api_key", true, 1, "v-old")));
    assertThat(d.getToolSecret()).isEqualTo("a-old-default");
  }

  @Test
  void aPinWinsOverEveryRule() {
    ToolGrantSpec spec =
        spec(pinned("agno__linear__list_issues", "api_key", "LINEAR_API_KEY", "team"));
    var r =
        only(
            plan(
                spec,
                served("exact", "agno__linear__list_issues", "api_key", false, 0, "exact-value"),
                served("team", "agno__*", null, false, 5, "team-value")));
    assertThat(r.getToolSecret()).isEqualTo("team");
    assertThat(r.getMatch()).isEqualTo("pinned");
    assertThat(r.getFingerprint()).isEqualTo("sha256:team");
  }

  @Test
  void aPinnedToolSecretThatDoesNotExistSaysHowToCreateIt() {
    ToolGrantSpec spec =
        spec(pinned("agno__jira__search", "api_key", "JIRA_API_KEY", "jira-research"));
    GrantPlan p =
        plan(spec, served("jira", "agno__jira__search", "api_key", false, 0, "jira-value"));
    assertThat(p.phase()).isEqualTo("Incomplete");
    assertThat(p.data()).isEmpty();
    assertThat(p.missing())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getToolSecret()).isEqualTo("jira-research");
              assertThat(m.getFix())
                  .startsWith("ToolSecret jira-research does not exist in namespace agents")
                  .contains(
                      "keyward seal --namespace agents --name jira-research --tool"
                          + " agno__jira__search --tool-arg api_key");
            });
  }

  @Test
  void aPinnedToolSecretForAnotherToolOrArgumentIsNotUsed() {
    ToolGrantSpec spec = spec(pinned("agno__jira__search", "api_key", "JIRA", "linear"));
    GrantPlan tool =
        plan(spec, served("linear", "agno__linear__*", "api_key", false, 0, "lin-value"));
    assertThat(tool.missing().get(0).getFix())
        .startsWith(
            "ToolSecret linear binds tool agno__linear__* with argument api_key, not tool"
                + " agno__jira__search with argument api_key");
    GrantPlan arg = plan(spec, served("linear", "agno__jira__*", "token", false, 0, "lin-value"));
    assertThat(arg.missing().get(0).getFix()).contains("with argument token, not tool");
    GrantPlan none = plan(spec, List.of(new GrantPlan.Known("linear", null, null, "linear", null)));
    assertThat(none.missing().get(0).getFix()).contains("binds no tool");
  }

  @Test
  void aPinnedToolSecretThatIsNotServedSaysWhy() {
    ToolGrantSpec spec = spec(pinned("agno__jira__search", "api_key", "JIRA", "jira"));
    GrantPlan p =
        plan(
            spec,
            List.of(new GrantPlan.Known("jira", "agno__jira__*", null, "jira", "it is revoked")));
    assertThat(p.missing().get(0).getFix())
        .isEqualTo("ToolSecret jira cannot be used: it is revoked");
    assertThat(p.phase()).isEqualTo("Incomplete");
  }

  @Test
  void anUnresolvedEntryGetsTheSealLineAndNamesABlockedCandidate() {
    GrantPlan p = plan(LINEAR);
    assertThat(p.missing().get(0).getFix())
        .isEqualTo(
            "No ToolSecret binds tool agno__linear__list_issues with argument api_key. Add one:"
                + " keyward seal --namespace agents --name linear-api-key --tool"
                + " agno__linear__list_issues --tool-arg api_key | kubectl apply -f -");
    GrantPlan blocked =
        plan(
            LINEAR,
            List.of(
                new GrantPlan.Known(
                    "linear",
                    "agno__linear__*",
                    "api_key",
                    "linear",
                    "it expired at 2026-01-01T00:00:00Z")));
    assertThat(blocked.missing().get(0).getFix())
        .startsWith(
            "ToolSecret linear binds tool agno__linear__list_issues with argument api_key but cannot be used: it expired");
  }

  @Test
  void incompleteDeliversWhatResolvesAndReadyNeedsEveryEntry() {
    ToolGrantSpec spec =
        spec(
            entry("agno__linear__list_issues", "api_key", "LINEAR_API_KEY"),
            entry("agno__github__search_code", "token", "GITHUB_TOKEN"));
    GrantPlan half = plan(spec, served("linear", "agno__linear__*", null, false, 0, "lin-value"));
    assertThat(half.phase()).isEqualTo("Incomplete");
    assertThat(half.data()).containsOnlyKeys("LINEAR_API_KEY");
    ToolGrant grant = grant(spec);
    ToolGrantStatus s = half.status(grant, "agent-tools", null, T0);
    assertThat(s.getTools()).isEqualTo("1/2");
    assertThat(s.getMissingEnv()).isEqualTo("GITHUB_TOKEN");
    assertThat(s.getConditions().get(0).getStatus()).isEqualTo("False");
    assertThat(s.getConditions().get(0).getReason()).isEqualTo("MissingValues");

    GrantPlan full =
        plan(
            spec,
            served("linear", "agno__linear__*", null, false, 0, "lin-value"),
            served("github", "agno__github__*", "token", false, 0, "gh-value"));
    assertThat(full.phase()).isEqualTo("Ready");
    ToolGrantStatus ready = full.status(grant, "agent-tools", "alice", T0);
    assertThat(ready.getTools()).isEqualTo("2/2");
    assertThat(ready.getMissing()).isNull();
    assertThat(ready.getConditions().get(0).getReason()).isEqualTo("Resolved");
    assertThat(ready.getSecretName()).isEqualTo("agent-tools");
    assertThat(ready.toString()).doesNotContain("lin-value", "gh-value");
  }

  @Test
  void theStatusNeverHoldsAValue() {
    GrantPlan p =
        plan(LINEAR, served("linear", "agno__linear__*", null, false, 0, "lin_secret_value"));
    String json =
        io.fabric8.kubernetes.client.utils.Serialization.asJson(
            p.status(grant(LINEAR), "agent-tools", null, T0));
    assertThat(json).doesNotContain("lin_secret_value");
  }

  static ToolGrant grant(ToolGrantSpec spec) {
    ToolGrant g = new ToolGrant();
    g.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("agent")
            .withGeneration(1L)
            .build());
    g.setSpec(spec);
    return g;
  }

  @Test
  void theDefaultEnvComesFromToolAndArgument() {
    assertThat(GrantPlan.defaultEnv("agno__linear__list_issues", "api_key"))
        .isEqualTo("AGNO__LINEAR__LIST_ISSUES_API_KEY");
    assertThat(GrantPlan.defaultEnv("mcp:github/search.code", "token"))
        .isEqualTo("MCP_GITHUB_SEARCH_CODE_TOKEN");
    assertThat(GrantPlan.defaultEnv("1password", "api-key")).isEqualTo("_1PASSWORD_API_KEY");
    var r =
        only(
            plan(
                spec(entry("mcp:github/search.code", "token", null)),
                served("gh", "mcp:github/*", null, false, 0, "gh-value")));
    assertThat(r.getEnv()).isEqualTo("MCP_GITHUB_SEARCH_CODE_TOKEN");
  }

  static String reason(ToolGrantSpec spec) {
    GrantPlan p = plan(spec);
    assertThat(p.phase()).isEqualTo("Failed");
    assertThat(p.data()).isNull();
    return p.problem().reason();
  }

  static String reasonWithSecret(
      ToolGrantSpec spec, String secretName, List<GrantPlan.Known> known) {
    GrantPlan p =
        GrantPlan.decide(
            new GrantPlan.Input(
                NS,
                "agent",
                spec,
                secretName,
                "keyward-tools",
                known,
                List.of(),
                GrantPlan.MAX_SECRET_BYTES));
    return p.problem() == null ? null : p.problem().reason();
  }

  @Test
  void specProblemsFailWithTheirReason() {
    assertThat(reason(null)).isEqualTo("MissingTools");
    ToolGrantSpec noTools = new ToolGrantSpec();
    assertThat(reason(noTools)).isEqualTo("MissingTools");
    assertThat(
            reason(
                spec(
                    IntStream.range(0, 129)
                        .mapToObj(i -> entry("t" + i, "a", null))
                        .toArray(ToolGrantSpec.Entry[]::new))))
        .isEqualTo("TooManyTools");
    assertThat(reason(spec(entry("agno__linear__*", "api_key", null)))).isEqualTo("InvalidTool");
    assertThat(reason(spec(entry("a b", "api_key", null)))).isEqualTo("InvalidTool");
    assertThat(reason(spec(entry(null, "api_key", null)))).isEqualTo("InvalidTool");
    assertThat(reason(spec(entry("a", " ", null)))).isEqualTo("InvalidArg");
    assertThat(reason(spec(entry("a", null, null)))).isEqualTo("InvalidArg");
    assertThat(reason(spec(entry("a", "token", "MY-TOKEN")))).isEqualTo("InvalidEnv");
    assertThat(reason(spec(entry("a".repeat(250), "token", null)))).isEqualTo("InvalidEnv");
    assertThat(reason(spec(entry("a", "token", "T"), entry("b", "token", "T"))))
        .isEqualTo("DuplicateEnv");
    assertThat(reason(spec(entry("a", "token", "A_TOKEN"), entry("a", "token", null))))
        .isEqualTo("DuplicateEnv");
    assertThat(reason(spec(pinned("a", "token", null, " ")))).isEqualTo("InvalidToolSecret");
    ToolGrantSpec display = spec(entry("a", "token", null));
    display.setDisplayName("");
    assertThat(reason(display)).isEqualTo("InvalidDisplayName");
    ToolGrantSpec restart = spec(entry("a", "token", null));
    restart.setRolloutRestartTargets(List.of(new RolloutTarget("Pod", "x")));
    assertThat(reason(restart)).isEqualTo("InvalidRolloutTarget");
    ToolGrantSpec ok = spec(entry("a", "token", null));
    assertThat(reasonWithSecret(ok, "keyward-tools", List.of())).isEqualTo("InvalidSecret");
    assertThat(reasonWithSecret(ok, "Bad_Name", List.of())).isEqualTo("InvalidSecret");
    assertThat(
            reasonWithSecret(
                ok,
                "linear",
                List.of(new GrantPlan.Known("linear-token", "a", null, "linear", null))))
        .isEqualTo("InvalidSecret");
    assertThat(reasonWithSecret(ok, "agent-tools", List.of())).isNull();
  }

  @Test
  void aGrantOverTheSecretLimitWritesNothing() {
    ToolGrantSpec spec = spec(entry("a", "token", "A"), entry("b", "token", "B"));
    List<GrantPlan.Served> served =
        List.of(
            served("a", "a", null, false, 0, "x".repeat(600)),
            served("b", "b", null, false, 0, "y".repeat(600)));
    GrantPlan over =
        GrantPlan.decide(
            new GrantPlan.Input(
                NS,
                "agent",
                spec,
                "agent-tools",
                "keyward-tools",
                served.stream().map(GrantPlanTest::known).toList(),
                served,
                1000));
    assertThat(over.problem().reason()).isEqualTo("PayloadTooLarge");
    assertThat(over.data()).isNull();
    assertThat(over.problem().message()).contains("1202 bytes").doesNotContain("xxxx");
    GrantPlan under =
        GrantPlan.decide(
            new GrantPlan.Input(
                NS,
                "agent",
                spec,
                "agent-tools",
                "keyward-tools",
                served.stream().map(GrantPlanTest::known).toList(),
                served,
                1202));
    assertThat(under.phase()).isEqualTo("Ready");
  }

  @Test
  void anEmptyGrantIsReadyWithNothingToDeliver() {
    GrantPlan p = plan(spec());
    assertThat(p.phase()).isEqualTo("Ready");
    assertThat(p.data()).isEmpty();
  }

  @Test
  void theSealLineQuotesWhatTheShellWouldSplit() {
    assertThat(GrantPlan.sealLine("agents", "x", "tool name", "it's"))
        .isEqualTo(
            "keyward seal --namespace agents --name x --tool 'tool name' --tool-arg 'it'\\''s' | kubectl apply -f -");
  }
}
