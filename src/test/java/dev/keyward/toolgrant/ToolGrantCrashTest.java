package dev.keyward.toolgrant;

import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestToolGrants.entry;
import static dev.keyward.testing.TestToolGrants.toolGrant;
import static dev.keyward.testing.TestToolGrants.tools;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.RolloutRestarts;
import dev.keyward.apikey.RolloutTarget;
import dev.keyward.secrets.Fingerprints;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills the operator before each write of a grant's first delivery, of a re-seal (the ToolSecret's
 * writes and the grant's, interleaved as they come) and of a revocation, starts a fresh operator,
 * and checks that the grant's Secret, its status and its workload agree: the current value
 * delivered, the Deployment restarted for it exactly once, and a revoked value never back.
 */
class ToolGrantCrashTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static final String FIRST = "lin_api_0123456789abcdefABCDEF";
  static final String SECOND = "lin_api_fedcba9876543210FEDCBA";
  static final String RECORD =
      RolloutRestarts.recordAnnotation(ToolGrantReconciler.RESTART_RECORD_PREFIX, "agent");

  private static Predicate<RequestLog.Request> nthWrite(int n) {
    AtomicInteger seen = new AtomicInteger();
    return r -> r.isObjectWrite() && seen.getAndIncrement() == n;
  }

  private void linear(String value) {
    kw.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(kw.seal(value, "linear"));
              s.setTool("agno__linear__*");
            }));
    kw.awaitToolSecret(
        "linear",
        t ->
            t.getStatus() != null
                && Fingerprints.fingerprint(value).equals(t.getStatus().getFingerprint()));
  }

  private ToolGrant grant() {
    return toolGrant(
        "agent",
        s -> {
          tools(entry("agno__linear__list_issues", "api_key", "LINEAR_API_KEY")).accept(s);
          s.setRolloutRestartTargets(List.of(new RolloutTarget("Deployment", "agent")));
        });
  }

  private void deployment() {
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
                        .endContainer()
                        .endSpec()
                        .build())
                .endSpec()
                .build())
        .create();
  }

  private String record() {
    Deployment d =
        kw.admin().apps().deployments().inNamespace(kw.namespace()).withName("agent").get();
    Map<String, String> a = d.getSpec().getTemplate().getMetadata().getAnnotations();
    return a == null ? null : a.get(RECORD);
  }

  private boolean delivers(String value) {
    ToolGrant g = kw.toolGrant("agent");
    Secret s = kw.secret("agent-tools");
    return g != null
        && g.getStatus() != null
        && "Ready".equals(g.getStatus().getPhase())
        && g.getStatus().getResolved() != null
        && Fingerprints.fingerprint(value)
            .equals(g.getStatus().getResolved().get(0).getFingerprint())
        && s != null
        && value.equals(ManagedSecrets.decodedData(s).get("LINEAR_API_KEY"));
  }

  private String version() {
    return kw.secret("agent-tools")
        .getMetadata()
        .getAnnotations()
        .get(ToolGrantReconciler.VALUES_VERSION);
  }

  @ParameterizedTest(name = "killed before write {0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void firstDeliverySurvivesACrashAtAnyWrite(int write) throws Exception {
    linear(FIRST);
    kw.crashAt(nthWrite(write), () -> kw.create(grant()), () -> delivers(FIRST));
    kw.start();
    waiting().until(() -> delivers(FIRST));
  }

  @ParameterizedTest(name = "killed before write {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
  void aResealSurvivesACrashAtAnyWriteAndRestartsOnce(int write) throws Exception {
    deployment();
    linear(FIRST);
    kw.create(grant());
    waiting().until(() -> delivers(FIRST));
    waiting().pollDelay(Duration.ofMillis(300)).until(() -> true);
    long before = Long.parseLong(version());

    kw.crashAt(
        nthWrite(write),
        () ->
            kw.editToolSecret(
                "linear",
                t -> {
                  t.getSpec().setEncryptedValue(kw.seal(SECOND, "linear"));
                  return t;
                }),
        () -> delivers(SECOND) && String.valueOf(before + 1).equals(record()));
    kw.start();
    waiting().until(() -> delivers(SECOND));
    waiting().until(() -> String.valueOf(before + 1).equals(record()));
    assertThat(version()).isEqualTo(String.valueOf(before + 1));
    kw.resync();
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(record()).isEqualTo(String.valueOf(before + 1));
    assertThat(kw.requests().requests())
        .as("the fresh operator restarts nothing twice")
        .filteredOn(r -> "PATCH".equals(r.method()) && r.path().contains("/apis/apps/"))
        .hasSizeLessThanOrEqualTo(1);
  }

  @ParameterizedTest(name = "killed before write {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
  void aRevocationSurvivesACrashAtAnyWriteAndTheValueNeverComesBack(int write) throws Exception {
    linear(FIRST);
    kw.create(grant());
    waiting().until(() -> delivers(FIRST));

    kw.crashAt(
        nthWrite(write),
        () ->
            kw.editToolSecret(
                "linear",
                t -> {
                  t.getSpec().setRevoked(true);
                  return t;
                }),
        () -> {
          Secret s = kw.secret("agent-tools");
          ToolGrant g = kw.toolGrant("agent");
          return s != null
              && ManagedSecrets.decodedData(s).isEmpty()
              && "Incomplete".equals(g.getStatus().getPhase());
        });
    kw.start();
    waiting().until(() -> ManagedSecrets.decodedData(kw.secret("agent-tools")).isEmpty());
    kw.awaitToolGrant(
        "agent", g -> g.getStatus() != null && "Incomplete".equals(g.getStatus().getPhase()));
    for (int i = 0; i < 3; i++) {
      kw.resync();
      waiting().pollDelay(Duration.ofMillis(200)).until(() -> true);
      assertThat(ManagedSecrets.decodedData(kw.secret("agent-tools"))).doesNotContainValue(FIRST);
    }
  }
}
