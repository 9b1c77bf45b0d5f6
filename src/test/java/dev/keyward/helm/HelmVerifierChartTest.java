package dev.keyward.helm;

import static dev.keyward.helm.HelmChartTest.NAMESPACE;
import static dev.keyward.helm.HelmChartTest.rules;
import static dev.keyward.helm.HelmChartTest.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.keyward.helm.HelmChartTest.Rendered;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's verifier: its own Deployment of {@code keyward verifier} with restricted pods and
 * probes, a PodDisruptionBudget, the {@code keyward-verifier} Service, a ServiceAccount whose RBAC
 * reads ApiKeys and patches their status and nothing else, and monitoring when it is on.
 */
class HelmVerifierChartTest {

  /** Exactly what the verifier may do, and nothing about Secrets. */
  static final Map<String, Set<String>> VERIFIER_RULES =
      Map.of(
          "keyward.dev/apikeys", Set.of("get", "list", "watch"),
          "keyward.dev/apikeys/status", Set.of("patch"));

  static Rendered defaults;
  static Rendered custom;
  static Rendered operatorDefaults;

  @TempDir static Path tmp;

  @BeforeAll
  static void render() throws IOException {
    HelmChartTest.tmp = tmp; // where template() writes its values files
    String rendered = template(Map.of());
    defaults = Rendered.verifierOf(rendered);
    operatorDefaults = Rendered.of(rendered);
    custom = Rendered.verifierOf(template(HelmChartTest.CUSTOM));
  }

  static Container container(Rendered rendered) {
    return rendered.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("verifier"))
        .findFirst()
        .orElseThrow();
  }

  static Map<String, String> env(Rendered rendered) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar e : container(rendered).getEnv()) {
      env.put(e.getName(), e.getValue() == null ? "" : e.getValue());
    }
    return env;
  }

  @Test
  void enabledByDefaultWithTwoReplicasRunningTheVerifierSubcommand() {
    Deployment deployment = defaults.one(Deployment.class);
    assertThat(deployment.getMetadata().getName()).isEqualTo("keyward-verifier");
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    Container c = container(defaults);
    assertThat(c.getArgs()).containsExactly("verifier");
    assertThat(c.getImage()).isEqualTo(HelmChartTest.container(operatorDefaults).getImage());
    assertThat(env(defaults))
        .containsExactly(
            entry("KEYWARD_WATCH_NAMESPACES", ""),
            entry("KEYWARD_HTTP_PORT", "8081"),
            entry("KEYWARD_USAGE_GRANULARITY", "1h"),
            entry("KEYWARD_RATE_LIMIT_REPLICAS_OF", "keyward-verifier"),
            entry("POD_NAMESPACE", ""), // from the pod's metadata.namespace
            entry("KEYWARD_RATE_LIMIT_ON_STORE_ERROR", "local"),
            entry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75"));
    assertThat(env(custom)).containsEntry("KEYWARD_WATCH_NAMESPACES", "team-a,team-b");
  }

  @Test
  void probesAskHealthzAndReadyzOnPort8081() {
    Container c = container(defaults);
    assertThat(c.getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(8081);
            });
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
  }

  @Test
  void podRunsWithTheSameRestrictedSecurityAsTheOperator() {
    PodSpec pod = defaults.one(Deployment.class).getSpec().getTemplate().getSpec();
    PodSpec operatorPod = operatorDefaults.one(Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext()).isEqualTo(operatorPod.getSecurityContext());
    assertThat(container(defaults).getSecurityContext())
        .isEqualTo(HelmChartTest.container(operatorDefaults).getSecurityContext());
    var security = container(defaults).getSecurityContext();
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getVolumes())
        .singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
  }

  @Test
  void serviceKeywardVerifierSelectsOnlyVerifierPodsAndTheOperatorsSelectorsMissThem() {
    Service service = defaults.one(Service.class);
    assertThat(service.getMetadata().getName()).isEqualTo("keyward-verifier");
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getPort()).isEqualTo(8081);
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            });
    Map<String, String> verifierPods =
        defaults.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
    Map<String, String> operatorPods =
        operatorDefaults.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
    assertThat(selects(service.getSpec().getSelector(), verifierPods)).isTrue();
    assertThat(selects(service.getSpec().getSelector(), operatorPods)).isFalse();
    // The operator's Services (metrics, webhook) and Deployment must not pick up verifier pods.
    assertThat(operatorDefaults.all(Service.class))
        .isNotEmpty()
        .allSatisfy(
            s ->
                assertThat(selects(s.getSpec().getSelector(), verifierPods))
                    .as("Service %s", s.getMetadata().getName())
                    .isFalse());
    assertThat(
            selects(
                operatorDefaults.one(Deployment.class).getSpec().getSelector().getMatchLabels(),
                verifierPods))
        .isFalse();
  }

  /** True when a label selector matches a pod with {@code labels}. */
  static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  @Test
  void podDisruptionBudgetKeepsOneVerifierUp() throws IOException {
    PodDisruptionBudget pdb = defaults.one(PodDisruptionBudget.class);
    assertThat(pdb.getMetadata().getName()).isEqualTo("keyward-verifier");
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(defaults.one(Deployment.class).getSpec().getSelector().getMatchLabels());
    // One replica: a PDB with minAvailable 1 would block every node drain.
    Rendered single = Rendered.verifierOf(template(Map.of("verifier", Map.of("replicaCount", 1))));
    assertThat(single.all(PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void ownServiceAccountReadsApiKeysAndPatchesStatusOnly() {
    ServiceAccount sa = defaults.one(ServiceAccount.class);
    assertThat(sa.getMetadata().getName()).isEqualTo("keyward-verifier");
    assertThat(defaults.one(Deployment.class).getSpec().getTemplate().getSpec())
        .extracting(PodSpec::getServiceAccountName)
        .isEqualTo("keyward-verifier");

    ClusterRole role = defaults.one(ClusterRole.class);
    assertThat(rules(role.getRules())).isEqualTo(VERIFIER_RULES);
    ClusterRoleBinding binding = defaults.one(ClusterRoleBinding.class);
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(HelmVerifierChartTest::isVerifierSa);
  }

  @Test
  void watchedNamespacesGetARoleEachAndNoClusterWideAccess() {
    assertThat(custom.all(ClusterRole.class)).isEmpty();
    assertThat(custom.all(ClusterRoleBinding.class)).isEmpty();
    List<Role> roles =
        custom.all(Role.class).stream()
            .filter(r -> !r.getMetadata().getName().equals("keyward-verifier-replicas"))
            .toList();
    assertThat(roles)
        .extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");
    roles.forEach(r -> assertThat(rules(r.getRules())).isEqualTo(VERIFIER_RULES));
    List<RoleBinding> bindings =
        custom.all(RoleBinding.class).stream()
            .filter(r -> !r.getMetadata().getName().equals("keyward-verifier-replicas"))
            .toList();
    assertThat(bindings).hasSize(2);
    bindings.forEach(
        b -> {
          assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
          assertThat(b.getRoleRef().getName()).isEqualTo("keyward-verifier");
          assertThat(b.getSubjects())
              .singleElement()
              .satisfies(HelmVerifierChartTest::isVerifierSa);
        });
  }

  @Test
  void readsOnlyTheEndpointSlicesOfItsOwnNamespaceToCountReadyReplicas() {
    for (Rendered rendered : List.of(defaults, custom)) {
      Role role =
          rendered.all(Role.class).stream()
              .filter(r -> r.getMetadata().getName().equals("keyward-verifier-replicas"))
              .findFirst()
              .orElseThrow();
      assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
      assertThat(rules(role.getRules()))
          .isEqualTo(Map.of("discovery.k8s.io/endpointslices", Set.of("get", "list", "watch")));
      RoleBinding binding =
          rendered.all(RoleBinding.class).stream()
              .filter(r -> r.getMetadata().getName().equals("keyward-verifier-replicas"))
              .findFirst()
              .orElseThrow();
      assertThat(binding.getRoleRef().getName()).isEqualTo("keyward-verifier-replicas");
      assertThat(binding.getSubjects())
          .singleElement()
          .satisfies(HelmVerifierChartTest::isVerifierSa);
    }
    // Without a store, the limit is divided among the ready endpoints of the verifier's Service.
    assertThat(env(defaults))
        .containsEntry(
            "KEYWARD_RATE_LIMIT_REPLICAS_OF", defaults.one(Service.class).getMetadata().getName())
        .containsEntry("KEYWARD_RATE_LIMIT_ON_STORE_ERROR", "local")
        .doesNotContainKeys("KEYWARD_RATE_LIMIT_STORE", "KEYWARD_RATE_LIMIT_STORE_PASSWORD_FILE");
    assertThat(container(defaults).getEnv())
        .filteredOn(e -> e.getName().equals("POD_NAMESPACE"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                    .isEqualTo("metadata.namespace"));
  }

  @Test
  void aRateLimitStoreIsPassedByUrlWithItsPasswordMountedAsAFile() throws IOException {
    Rendered rendered =
        Rendered.verifierOf(
            template(
                Map.of(
                    "verifier",
                    Map.of(
                        "rateLimitStore",
                        Map.of(
                            "url", "rediss://valkey.cache.svc:6380/1",
                            "existingSecret", "valkey-auth",
                            "existingSecretKey", "valkey-password",
                            "onStoreError", "deny")))));
    assertThat(env(rendered))
        .containsEntry("KEYWARD_RATE_LIMIT_STORE", "rediss://valkey.cache.svc:6380/1")
        .containsEntry("KEYWARD_RATE_LIMIT_ON_STORE_ERROR", "deny")
        .containsEntry(
            "KEYWARD_RATE_LIMIT_STORE_PASSWORD_FILE", "/etc/keyward/rate-limit-store/password")
        .doesNotContainKey("KEYWARD_RATE_LIMIT_STORE_PASSWORD");
    PodSpec pod = rendered.one(Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals("rate-limit-store"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getSecret().getSecretName()).isEqualTo("valkey-auth");
              assertThat(v.getSecret().getItems())
                  .singleElement()
                  .satisfies(
                      i -> {
                        assertThat(i.getKey()).isEqualTo("valkey-password");
                        assertThat(i.getPath()).isEqualTo("password");
                      });
            });
    assertThat(container(rendered).getVolumeMounts())
        .filteredOn(m -> m.getName().equals("rate-limit-store"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/etc/keyward/rate-limit-store");
              assertThat(m.getReadOnly()).isTrue();
            });
    // No Redis is bundled: the chart renders no StatefulSet or other workload for it.
    assertThat(rendered.objects())
        .noneMatch(o -> o.getMetadata().getName().toLowerCase().matches(".*(redis|valkey).*"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDocumentedValkeyExampleRenders() throws IOException {
    String doc = java.nio.file.Files.readString(Path.of("docs/verifier.md"));
    int marker = doc.indexOf("HelmVerifierChartTest.theDocumentedValkeyExampleRenders");
    assertThat(marker).as("the example's marker in docs/verifier.md").isPositive();
    int start = doc.indexOf("```yaml\n", marker) + "```yaml\n".length();
    String yaml = doc.substring(start, doc.indexOf("```", start));
    Map<String, Object> values =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(yaml, Map.class);
    Rendered rendered = Rendered.verifierOf(template(values));
    assertThat(env(rendered))
        .containsEntry(
            "KEYWARD_RATE_LIMIT_STORE", "redis://valkey-primary.cache.svc.cluster.local:6379/0")
        .containsEntry(
            "KEYWARD_RATE_LIMIT_STORE_PASSWORD_FILE", "/etc/keyward/rate-limit-store/password");
    assertThat(rendered.one(Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("keyward-valkey"));
    LintResult lint = new Helm(HelmChartTest.chartWithValues(values)).lint().strict().call();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
  }

  @Test
  void schemaRefusesAStoreUrlWithAPasswordOrAnotherSchemeAndUnknownModes() {
    assertThatThrownBy(
            () ->
                template(
                    Map.of(
                        "verifier",
                        Map.of("rateLimitStore", Map.of("url", "redis://:hunter2@valkey:6379")))))
        .hasMessageContaining("url");
    assertThatThrownBy(
            () ->
                template(
                    Map.of(
                        "verifier", Map.of("rateLimitStore", Map.of("url", "http://valkey:6379")))))
        .hasMessageContaining("url");
    assertThatThrownBy(
            () ->
                template(
                    Map.of("verifier", Map.of("rateLimitStore", Map.of("onStoreError", "maybe")))))
        .hasMessageContaining("onStoreError");
  }

  static void isVerifierSa(Subject s) {
    assertThat(s.getKind()).isEqualTo("ServiceAccount");
    assertThat(s.getName()).isEqualTo("keyward-verifier");
    assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
  }

  @Test
  void serviceMonitorScrapesTheVerifierWhenMonitoringIsOn() {
    assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
    List<HasMetadata> monitors = custom.ofKind("ServiceMonitor");
    assertThat(monitors).hasSize(1);
    GenericKubernetesResource monitor = (GenericKubernetesResource) monitors.get(0);
    Map<String, Object> selector = monitor.get("spec", "selector", "matchLabels");
    assertThat(custom.one(Service.class).getMetadata().getLabels())
        .containsAllEntriesOf((Map<String, String>) (Map<?, ?>) selector);
    List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
    assertThat(endpoints)
        .singleElement()
        .satisfies(
            e -> assertThat(e).containsEntry("port", "http").containsEntry("path", "/metrics"));
  }

  @Test
  void valuesReachTheVerifier() throws IOException {
    Rendered rendered =
        Rendered.verifierOf(
            template(
                Map.of(
                    "verifier",
                    Map.of(
                        "replicaCount", 3,
                        "http", Map.of("port", 9091),
                        "usageGranularity", "15m",
                        "serviceAccount", Map.of("create", false, "name", "shared"),
                        "resources", Map.of("limits", Map.of("memory", "1Gi"))))));
    assertThat(rendered.one(Deployment.class).getSpec().getReplicas()).isEqualTo(3);
    assertThat(env(rendered))
        .containsEntry("KEYWARD_HTTP_PORT", "9091")
        .containsEntry("KEYWARD_USAGE_GRANULARITY", "15m");
    assertThat(container(rendered).getPorts().get(0).getContainerPort()).isEqualTo(9091);
    assertThat(rendered.one(Service.class).getSpec().getPorts().get(0).getPort()).isEqualTo(9091);
    assertThat(container(rendered).getResources().getLimits().get("memory").toString())
        .isEqualTo("1Gi");
    assertThat(rendered.all(ServiceAccount.class)).isEmpty();
    assertThat(rendered.one(Deployment.class).getSpec().getTemplate().getSpec())
        .extracting(PodSpec::getServiceAccountName)
        .isEqualTo("shared");
  }

  @Test
  void disablingTheVerifierRemovesEveryVerifierObject() throws IOException {
    String rendered = template(Map.of("verifier", Map.of("enabled", false)));
    assertThat(Rendered.verifierOf(rendered).objects()).isEmpty();
    assertThat(rendered).doesNotContain("keyward-verifier");
    LintResult lint =
        new Helm(HelmChartTest.chartWithValues(Map.of("verifier", Map.of("enabled", false))))
            .lint()
            .strict()
            .call();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
  }

  @Test
  void schemaRefusesABadGranularityZeroReplicasAndUnknownKeys() {
    assertThatThrownBy(() -> template(Map.of("verifier", Map.of("usageGranularity", "an hour"))))
        .hasMessageContaining("usageGranularity");
    assertThatThrownBy(() -> template(Map.of("verifier", Map.of("replicaCount", 0))))
        .hasMessageContaining("replicaCount");
    assertThatThrownBy(() -> template(Map.of("verifier", Map.of("replicas", 2))))
        .hasMessageContaining("replicas");
  }

  @Test
  void unusedKeyAlertCoversKeysUsedLongAgoAndKeysNeverUsed() throws IOException {
    GenericKubernetesResource rule =
        (GenericKubernetesResource)
            Rendered.of(template(HelmChartTest.CUSTOM)).ofKind("PrometheusRule").get(0);
    List<Map<String, Object>> groups = rule.get("spec", "groups");
    @SuppressWarnings("unchecked")
    Map<String, Object> unused =
        groups.stream()
            .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
            .filter(r -> "KeywardApiKeyUnused".equals(r.get("alert")))
            .findFirst()
            .orElseThrow();
    String expr = ((String) unused.get("expr")).replaceAll("\\s+", " ");
    assertThat(expr)
        .contains("(time() - keyward_api_key_last_used_timestamp_seconds) > 90*24*3600")
        .contains("(time() - keyward_api_key_created_timestamp_seconds) > 90*24*3600")
        .contains("unless on (namespace, name) keyward_api_key_last_used_timestamp_seconds");
  }
}
