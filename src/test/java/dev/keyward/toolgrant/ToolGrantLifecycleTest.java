package dev.keyward.toolgrant;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestToolGrants.entry;
import static dev.keyward.testing.TestToolGrants.pinned;
import static dev.keyward.testing.TestToolGrants.toolGrant;
import static dev.keyward.testing.TestToolGrants.tools;
import static dev.keyward.testing.TestToolSecrets.plainSecret;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static dev.keyward.testing.TestToolSecrets.valueFrom;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.RolloutRestarts;
import dev.keyward.apikey.RolloutTarget;
import dev.keyward.common.Conditions;
import dev.keyward.secrets.Fingerprints;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A ToolGrant on a running operator: resolve, follow every ToolSecret change, restart once. */
class ToolGrantLifecycleTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static final String LINEAR = "lin_api_0123456789abcdefABCDEF";
  static final String LINEAR_2 = "lin_api_fedcba9876543210FEDCBA";
  static final String GITHUB = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
  static final String JIRA = "jira_0123456789abcdefghij";

  static final String RECORD =
      RolloutRestarts.recordAnnotation(ToolGrantReconciler.RESTART_RECORD_PREFIX, "agent");

  ToolGrant phase(String name, String phase) {
    return kw.awaitToolGrant(
        name, g -> g.getStatus() != null && phase.equals(g.getStatus().getPhase()));
  }

  Secret secretHolding(String name, Predicate<Map<String, String>> data) {
    return waiting()
        .until(
            () -> kw.secret(name),
            s -> s != null && data.test(dev.keyward.secrets.ManagedSecrets.decodedData(s)));
  }

  void sealedLinear(String value) {
    kw.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(kw.seal(value, "linear"));
              s.setTool("agno__linear__*");
              s.setToolArg("api_key");
            }));
  }

  void plainGithub() {
    kw.admin().resource(plainSecret(kw.namespace(), "github-plain", "token", GITHUB)).create();
    kw.create(
        toolSecret(
            "github",
            s -> {
              s.setValueFrom(valueFrom("github-plain", "token"));
              s.setTool("agno__github__search_code");
              s.setToolArg("token");
            }));
  }

  ToolGrant agent(List<RolloutTarget> targets) {
    return kw.create(
        toolGrant(
            "agent",
            s -> {
              tools(
                      entry("agno__linear__list_issues", "api_key", "LINEAR_API_KEY"),
                      entry("agno__github__search_code", "token", "GITHUB_TOKEN"))
                  .accept(s);
              s.setDisplayName("Research agent");
              s.setRolloutRestartTargets(targets);
            }));
  }

  @Test
  void incompleteBecomesReadyWhenTheMissingToolSecretIsApplied() {
    sealedLinear(LINEAR);
    agent(null);

    ToolGrant incomplete =
        kw.awaitToolGrant(
            "agent",
            g ->
                g.getStatus() != null
                    && "Incomplete".equals(g.getStatus().getPhase())
                    && "1/2".equals(g.getStatus().getTools()));
    assertThat(incomplete.getStatus().getMissingEnv()).isEqualTo("GITHUB_TOKEN");
    assertThat(incomplete.getStatus().getMissing())
        .singleElement()
        .satisfies(
            m ->
                assertThat(m.getFix())
                    .contains(
                        "keyward seal --namespace "
                            + kw.namespace()
                            + " --name github-token --tool agno__github__search_code --tool-arg"
                            + " token"));
    Secret partial = secretHolding("agent-tools", d -> d.containsKey("LINEAR_API_KEY"));
    assertThat(value(partial, "LINEAR_API_KEY")).isEqualTo(LINEAR);
    assertThat(partial.getData()).containsOnlyKeys("LINEAR_API_KEY");
    assertThat(partial.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "keyward")
        .containsEntry(ToolGrantReconciler.LABEL, "agent");
    assertThat(partial.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getKind()).isEqualTo("ToolGrant");
              assertThat(r.getUid()).isEqualTo(incomplete.getMetadata().getUid());
              assertThat(r.getController()).isTrue();
            });

    plainGithub();
    ToolGrant ready = phase("agent", "Ready");
    assertThat(ready.getStatus().getTools()).isEqualTo("2/2");
    assertThat(ready.getStatus().getMissing()).isNull();
    assertThat(ready.getStatus().getSecretName()).isEqualTo("agent-tools");
    assertThat(ready.getStatus().getObservedGeneration())
        .isEqualTo(ready.getMetadata().getGeneration());
    assertThat(Conditions.find(ready.getStatus().getConditions(), Conditions.READY).getStatus())
        .isEqualTo("True");
    assertThat(ready.getStatus().getResolved())
        .extracting(ToolGrantStatus.Resolved::getToolSecret, ToolGrantStatus.Resolved::getMatch)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("linear", "wildcard"),
            org.assertj.core.groups.Tuple.tuple("github", "exact"));
    assertThat(ready.getStatus().getResolved().get(1).getFingerprint())
        .isEqualTo(Fingerprints.fingerprint(GITHUB));
    Secret full = secretHolding("agent-tools", d -> d.size() == 2);
    assertThat(value(full, "GITHUB_TOKEN")).isEqualTo(GITHUB);
    assertThat(Serialization.asJson(ready)).doesNotContain(LINEAR, GITHUB);
    // The Event follows the status that records the change.
    waiting()
        .untilAsserted(
            () ->
                assertThat(kw.events("agent"))
                    .filteredOn(e -> "ValuesChanged".equals(e.getReason()))
                    .extracting(e -> e.getMessage())
                    .contains(
                        "Secret agent-tools: added LINEAR_API_KEY (linear)",
                        "Secret agent-tools: added GITHUB_TOKEN (github)"));
  }

  @Test
  void aValueFromChangeReachesTheGrant() {
    plainGithub();
    agent(null);
    secretHolding("agent-tools", d -> GITHUB.equals(d.get("GITHUB_TOKEN")));
    String next = "ghp_zyxwvutsrqponmlkjihgfedcba9876543210";
    kw.admin()
        .secrets()
        .inNamespace(kw.namespace())
        .withName("github-plain")
        .edit(
            s -> {
              s.getData()
                  .put(
                      "token",
                      java.util.Base64.getEncoder()
                          .encodeToString(next.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
              return s;
            });
    secretHolding("agent-tools", d -> next.equals(d.get("GITHUB_TOKEN")));
  }

  void deployment() {
    kw.admin()
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("agent")
                .withNamespace(kw.namespace())
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(Map.of("app", "agent"))
                .endSelector()
                .withTemplate(
                    new PodTemplateSpecBuilder()
                        .withNewMetadata()
                        .withLabels(Map.of("app", "agent"))
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("agent")
                        .withImage("busybox")
                        .addNewEnvFrom()
                        .withNewSecretRef()
                        .withName("agent-tools")
                        .endSecretRef()
                        .endEnvFrom()
                        .endContainer()
                        .endSpec()
                        .build())
                .endSpec()
                .build())
        .create();
  }

  String restartRecord() {
    Deployment d =
        kw.admin().apps().deployments().inNamespace(kw.namespace()).withName("agent").get();
    Map<String, String> a = d.getSpec().getTemplate().getMetadata().getAnnotations();
    return a == null ? null : a.get(RECORD);
  }

  long deploymentPatches() {
    return kw.requests().requests().stream()
        .filter(r -> "PATCH".equals(r.method()) && r.path().contains("/apis/apps/"))
        .count();
  }

  void reseal(String value) {
    kw.editToolSecret(
        "linear",
        t -> {
          t.getSpec().setEncryptedValue(kw.seal(value, "linear"));
          return t;
        });
  }

  /** The grant delivers {@code linear} and its restarts have settled: the record it left. */
  long settled(String linear, int size) {
    secretHolding("agent-tools", d -> d.size() == size && linear.equals(d.get("LINEAR_API_KEY")));
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    String version =
        kw.secret("agent-tools")
            .getMetadata()
            .getAnnotations()
            .get(ToolGrantReconciler.VALUES_VERSION);
    waiting().until(() -> Long.parseLong(version) < 2 || version.equals(restartRecord()));
    return Long.parseLong(version);
  }

  @Test
  void aResealUpdatesTheSecretAndRestartsTheDeploymentExactlyOnce() {
    deployment();
    sealedLinear(LINEAR);
    plainGithub();
    agent(List.of(new RolloutTarget("Deployment", "agent")));
    phase("agent", "Ready");
    long version = settled(LINEAR, 2);
    long patchesBefore = deploymentPatches();
    int eventsBefore = restartEvents();

    reseal(LINEAR_2);
    secretHolding("agent-tools", d -> LINEAR_2.equals(d.get("LINEAR_API_KEY")));
    waiting().until(() -> String.valueOf(version + 1).equals(restartRecord()));
    for (int i = 0; i < 3; i++) {
      kw.resync();
    }
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(deploymentPatches() - patchesBefore).as("one restart for the re-seal").isEqualTo(1);
    kw.restart();
    kw.resync();
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(deploymentPatches()).as("none after the operator restarted").isZero();
    assertThat(restartRecord()).isEqualTo(String.valueOf(version + 1));
    assertThat(restartEvents() - eventsBefore).isEqualTo(1);
    assertThat(kw.events("agent"))
        .filteredOn(e -> "ValuesChanged".equals(e.getReason()))
        .extracting(e -> e.getMessage())
        .as("one Event for the re-seal, also after the operator restarted")
        .containsOnlyOnce("Secret agent-tools: changed LINEAR_API_KEY (linear)")
        .allSatisfy(m -> assertThat(m).doesNotContain(LINEAR, LINEAR_2));
  }

  int restartEvents() {
    return (int)
        kw.events("agent").stream().filter(e -> "RolloutRestarted".equals(e.getReason())).count();
  }

  @Test
  void anOperatorKilledBetweenTheSecretWriteAndTheRestartRestartsOnceAfterwards() throws Exception {
    deployment();
    sealedLinear(LINEAR);
    agent(List.of(new RolloutTarget("Deployment", "agent")));
    phase("agent", "Incomplete");
    long version = settled(LINEAR, 1);
    kw.killAt(
        (RequestLog.Request r) -> "PATCH".equals(r.method()) && r.path().contains("/apis/apps/"),
        () -> reseal(LINEAR_2));
    assertThat(restartRecord()).isEqualTo(version < 2 ? null : String.valueOf(version));
    assertThat(value(kw.secret("agent-tools"), "LINEAR_API_KEY")).isEqualTo(LINEAR_2);

    kw.start();
    waiting().until(() -> String.valueOf(version + 1).equals(restartRecord()));
    kw.resync();
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(deploymentPatches()).isEqualTo(1);
  }

  @Test
  void aRevokedToolSecretLeavesEveryGrantsSecret() {
    sealedLinear(LINEAR);
    agent(null);
    kw.create(toolGrant("other", tools(entry("agno__linear__create_issue", "api_key", "LINEAR"))));
    secretHolding("agent-tools", d -> d.containsKey("LINEAR_API_KEY"));
    secretHolding("other-tools", d -> d.containsKey("LINEAR"));

    kw.editToolSecret(
        "linear",
        t -> {
          t.getSpec().setRevoked(true);
          return t;
        });
    secretHolding("agent-tools", Map::isEmpty);
    secretHolding("other-tools", Map::isEmpty);
    ToolGrant other = phase("other", "Incomplete");
    assertThat(other.getStatus().getMissing().get(0).getFix())
        .contains("ToolSecret linear binds tool agno__linear__create_issue")
        .contains("it is revoked");
    waiting()
        .untilAsserted(
            () ->
                assertThat(kw.events("other"))
                    .filteredOn(e -> "ValuesChanged".equals(e.getReason()))
                    .extracting(e -> e.getMessage())
                    .contains("Secret other-tools: removed LINEAR"));
  }

  @Test
  void aFailedGrantWritesNothingNewButStillLosesARevokedValue() {
    sealedLinear(LINEAR);
    String env = "AGNO__LINEAR__X_API_KEY";
    kw.create(toolGrant("agent", tools(entry("agno__linear__x", "api_key", env))));
    secretHolding("agent-tools", d -> LINEAR.equals(d.get(env)));
    // A second entry whose derived env is the first one's: DuplicateEnv, which only the operator
    // can see (CEL does not derive env names).
    kw.editToolGrant(
        "agent",
        g -> {
          g.getSpec().getTools().add(entry("agno__linear__x", "api_key", null));
          return g;
        });
    phase("agent", "Failed");
    waiting().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(dev.keyward.secrets.ManagedSecrets.decodedData(kw.secret("agent-tools")))
        .as("nothing new is written for a Failed grant")
        .containsOnlyKeys(env);

    kw.editToolSecret(
        "linear",
        t -> {
          t.getSpec().setRevoked(true);
          return t;
        });
    secretHolding("agent-tools", Map::isEmpty);
    assertThat(kw.toolGrant("agent").getStatus().getPhase()).isEqualTo("Failed");
  }

  @Test
  void aDeletedToolSecretLeavesTheGrantAndABetterMatchTakesOver() {
    kw.create(
        toolSecret(
            "linear-all",
            s -> {
              s.setEncryptedValue(kw.seal(LINEAR, "linear-all"));
              s.setTool("agno__*");
            }));
    kw.create(toolGrant("agent", tools(entry("agno__linear__list_issues", "api_key", "KEY"))));
    secretHolding("agent-tools", d -> LINEAR.equals(d.get("KEY")));

    kw.create(
        toolSecret(
            "linear-exact",
            s -> {
              s.setEncryptedValue(kw.seal(LINEAR_2, "linear-exact"));
              s.setTool("agno__linear__list_issues");
            }));
    secretHolding("agent-tools", d -> LINEAR_2.equals(d.get("KEY")));
    ToolGrant g =
        kw.awaitToolGrant(
            "agent",
            x ->
                x.getStatus() != null
                    && x.getStatus().getResolved() != null
                    && "linear-exact".equals(x.getStatus().getResolved().get(0).getToolSecret()));
    assertThat(g.getStatus().getResolved().get(0).getMatch()).isEqualTo("exact");

    kw.toolSecrets().inNamespace(kw.namespace()).withName("linear-exact").delete();
    secretHolding("agent-tools", d -> LINEAR.equals(d.get("KEY")));
    kw.toolSecrets().inNamespace(kw.namespace()).withName("linear-all").delete();
    secretHolding("agent-tools", Map::isEmpty);
    phase("agent", "Incomplete");
  }

  @Test
  void aPinnedEntryTakesItsToolSecretAndSaysWhenItCannot() {
    sealedLinear(LINEAR);
    kw.create(
        toolSecret(
            "linear-team",
            s -> {
              s.setEncryptedValue(kw.seal(LINEAR_2, "linear-team"));
              s.setTool("agno__linear__*");
            }));
    kw.create(
        toolGrant(
            "agent",
            tools(
                pinned("agno__linear__list_issues", "api_key", "LINEAR", "linear-team"),
                pinned("agno__jira__search", "api_key", "JIRA", "linear-team"))));
    secretHolding("agent-tools", d -> LINEAR_2.equals(d.get("LINEAR")));
    ToolGrant g =
        kw.awaitToolGrant(
            "agent", x -> x.getStatus() != null && "1/2".equals(x.getStatus().getTools()));
    assertThat(g.getStatus().getResolved().get(0).getMatch()).isEqualTo("pinned");
    assertThat(g.getStatus().getMissing().get(0).getFix())
        .startsWith(
            "ToolSecret linear-team binds tool agno__linear__* with any argument, not tool");
  }

  @Test
  void aForeignSecretIsNeverOverwritten() {
    sealedLinear(LINEAR);
    kw.admin()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("agent-tools")
                .withNamespace(kw.namespace())
                .endMetadata()
                .addToData("mine", "bWluZQ==")
                .build())
        .create();
    kw.create(toolGrant("agent", tools(entry("agno__linear__x", "api_key", "LINEAR"))));
    ToolGrant g = phase("agent", "Failed");
    assertThat(Conditions.find(g.getStatus().getConditions(), Conditions.READY).getReason())
        .isEqualTo("SecretConflict");
    assertThat(kw.secret("agent-tools").getData()).containsOnlyKeys("mine");
  }

  @Test
  void aDeletedOrEditedGrantSecretIsPutBack() {
    sealedLinear(LINEAR);
    kw.create(toolGrant("agent", tools(entry("agno__linear__x", "api_key", "LINEAR"))));
    secretHolding("agent-tools", d -> LINEAR.equals(d.get("LINEAR")));
    phase("agent", "Ready");
    kw.admin()
        .secrets()
        .inNamespace(kw.namespace())
        .withName("agent-tools")
        .edit(
            s -> {
              s.getData().put("LINEAR", "Zm9v");
              return s;
            });
    secretHolding("agent-tools", d -> LINEAR.equals(d.get("LINEAR")));
    kw.admin().secrets().inNamespace(kw.namespace()).withName("agent-tools").delete();
    secretHolding("agent-tools", d -> LINEAR.equals(d.get("LINEAR")));
    waiting()
        .untilAsserted(
            () ->
                assertThat(kw.events("agent"))
                    .extracting(e -> e.getMessage())
                    .contains(
                        "Secret agent-tools was edited: put back",
                        "Secret agent-tools was missing: written again"));
  }

  @Test
  void steadyStateMakesNoWrites() {
    sealedLinear(LINEAR);
    plainGithub();
    agent(null);
    phase("agent", "Ready");
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    kw.awaitEventsSent();
    int before = kw.requests().writes().size();
    for (int i = 0; i < 5; i++) {
      int seen = kw.toolGrantReconcileCount("agent");
      kw.resync();
      waiting().until(() -> kw.toolGrantReconcileCount("agent") > seen);
    }
    waiting().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(kw.requests().writes().subList(before, kw.requests().writes().size())).isEmpty();
  }

  @Test
  void aToolSecretNotUsedByTheGrantDoesNotWakeIt() {
    sealedLinear(LINEAR);
    kw.create(toolGrant("agent", tools(entry("agno__linear__x", "api_key", "LINEAR"))));
    phase("agent", "Ready");
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    int seen = kw.toolGrantReconcileCount("agent");
    kw.create(
        toolSecret(
            "unrelated",
            s -> {
              s.setEncryptedValue(kw.seal(GITHUB, "unrelated"));
              s.setTool("agno__github__*");
            }));
    kw.awaitToolSecret(
        "unrelated", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(kw.toolGrantReconcileCount("agent")).isEqualTo(seen);
  }
}
