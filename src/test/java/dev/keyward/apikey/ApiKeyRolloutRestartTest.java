package dev.keyward.apikey;

import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.common.Conditions;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import dev.keyward.testing.WithoutCrdRules;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Workloads that read the key from env vars are restarted once per new key version. */
class ApiKeyRolloutRestartTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static final String VERSION = RolloutRestarts.versionAnnotation("agent-key");

  static PodTemplateSpec template() {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Map.of("app", "agent"))
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("agent")
        .withImage("busybox")
        .endContainer()
        .endSpec()
        .build();
  }

  @BeforeEach
  void workloads() {
    String ns = kw.namespace();
    kw.admin()
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("agent")
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(Map.of("app", "agent"))
                .endSelector()
                .withTemplate(template())
                .endSpec()
                .build())
        .create();
    kw.admin()
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName("agent-db")
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withServiceName("agent-db")
                .withNewSelector()
                .withMatchLabels(Map.of("app", "agent"))
                .endSelector()
                .withTemplate(template())
                .endSpec()
                .build())
        .create();
    kw.admin()
        .resource(
            new DaemonSetBuilder()
                .withNewMetadata()
                .withName("agent-node")
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(Map.of("app", "agent"))
                .endSelector()
                .withTemplate(template())
                .endSpec()
                .build())
        .create();
  }

  private void createKey() {
    kw.create(
        apiKey(
            "agent-key",
            s -> {
              // Minutes, moved by tick(): real time passing on a busy machine must not bring
              // the next rotation (and its restarts) into the test.
              s.setExpiresAfter("40m");
              s.setRotation(rotation(true, "20m"));
              s.setRolloutRestartTargets(
                  List.of(
                      new RolloutTarget("Deployment", "agent"),
                      new RolloutTarget("StatefulSet", "agent-db"),
                      new RolloutTarget("DaemonSet", "agent-node"),
                      new RolloutTarget("Deployment", "ghost")));
            }));
  }

  private List<HasMetadata> targets() {
    String ns = kw.namespace();
    return List.of(
        kw.admin().apps().deployments().inNamespace(ns).withName("agent").get(),
        kw.admin().apps().statefulSets().inNamespace(ns).withName("agent-db").get(),
        kw.admin().apps().daemonSets().inNamespace(ns).withName("agent-node").get());
  }

  private static Map<String, String> podAnnotations(HasMetadata workload) {
    PodTemplateSpec t;
    if (workload instanceof io.fabric8.kubernetes.api.model.apps.Deployment d) {
      t = d.getSpec().getTemplate();
    } else if (workload instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet st) {
      t = st.getSpec().getTemplate();
    } else {
      t = ((io.fabric8.kubernetes.api.model.apps.DaemonSet) workload).getSpec().getTemplate();
    }
    return t.getMetadata().getAnnotations() == null ? Map.of() : t.getMetadata().getAnnotations();
  }

  private long workloadPatches() {
    return kw.requests().requests().stream()
        .filter(r -> "PATCH".equals(r.method()) && r.path().contains("/apis/apps/"))
        .count();
  }

  private void awaitVersion(int version) {
    kw.awaitApiKey(
        "agent-key",
        k ->
            Integer.valueOf(version)
                .equals(k.getStatus() == null ? null : k.getStatus().getKeyVersion()));
    waiting()
        .until(
            () ->
                targets().stream()
                    .allMatch(w -> String.valueOf(version).equals(podAnnotations(w).get(VERSION))));
  }

  @Test
  void eachRotationRestartsEveryTargetOnceAndAMissingOneOnlyWarns() {
    createKey();
    kw.awaitApiKey(
        "agent-key", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    assertThat(targets()).allSatisfy(w -> assertThat(podAnnotations(w)).doesNotContainKey(VERSION));

    kw.tick(Duration.ofMinutes(21));
    awaitVersion(2);
    assertThat(targets())
        .allSatisfy(w -> assertThat(podAnnotations(w)).containsKey(RolloutRestarts.RESTARTED_AT));
    assertThat(kw.eventReasons("agent-key")).contains("RolloutRestarted", "RolloutTargetNotFound");
    ApiKey key = kw.apiKey("agent-key");
    assertThat(key.getStatus().getPhase()).isEqualTo("Active");
    assertThat(Conditions.find(key.getStatus().getConditions(), Conditions.READY).getStatus())
        .isEqualTo("True");
    waiting().until(() -> workloadPatches() == 3);

    for (int i = 0; i < 3; i++) {
      kw.resync();
    }
    kw.restart();
    kw.resync();
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(workloadPatches()).as("no restart again for version 2").isZero();
    assertThat(kw.events("agent-key"))
        .filteredOn(e -> "RolloutTargetNotFound".equals(e.getReason()))
        .hasSizeLessThanOrEqualTo(2);

    kw.edit(
        "agent-key",
        k -> {
          k.getMetadata().setAnnotations(Map.of(ApiKey.ROTATE_ANNOTATION, "now"));
          return k;
        });
    awaitVersion(3);
    waiting().until(() -> workloadPatches() == 3);
  }

  @Test
  void aCrashBetweenTheSecretWriteAndTheRestartStillRestartsOnce() throws Exception {
    createKey();
    kw.awaitApiKey(
        "agent-key", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    kw.killAt(
        (RequestLog.Request r) -> "PATCH".equals(r.method()) && r.path().contains("/apis/apps/"),
        () -> kw.tick(Duration.ofMinutes(21)));
    assertThat(targets()).allSatisfy(w -> assertThat(podAnnotations(w)).doesNotContainKey(VERSION));

    kw.start();
    kw.resync();
    awaitVersion(2);
    waiting().until(() -> workloadPatches() == 3);
    kw.resync();
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(workloadPatches()).isEqualTo(3);
  }

  @Test
  @WithoutCrdRules("a rollout target kind the CRD's rules refuse, stored before them")
  void anUnknownKindIsASpecProblem() {
    kw.create(
        apiKey(
            "bad-target",
            s -> s.setRolloutRestartTargets(List.of(new RolloutTarget("CronJob", "x")))));
    ApiKey key =
        kw.awaitApiKey(
            "bad-target", k -> k.getStatus() != null && "Failed".equals(k.getStatus().getPhase()));
    assertThat(Conditions.find(key.getStatus().getConditions(), Conditions.READY).getReason())
        .isEqualTo("InvalidRolloutTarget");
  }
}
