package dev.keyward.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders and lints {@code helm/keyward} with helm-java (a bundled native Helm, no network) and
 * checks the objects a cluster would get: restricted pod security, the operator's configuration,
 * least-privilege RBAC and the optional monitoring objects.
 */
class HelmChartTest {

  static final Path CHART = Path.of("helm", "keyward");
  static final String NAMESPACE = "keyward-system";

  /** The non-default configuration: two replicas, two watched namespaces, monitoring on. */
  static final Map<String, Object> CUSTOM =
      Map.of(
          "replicaCount", 2,
          "watchNamespaces", List.of("team-a", "team-b"),
          "image", Map.of("tag", "1.2.3-test"),
          "serviceMonitor", Map.of("enabled", true),
          "prometheusRule", Map.of("enabled", true),
          "grafana", Map.of("dashboard", Map.of("enabled", true)));

  static final Map<String, Set<String>> WATCH_RULES =
      Map.ofEntries(
          Map.entry("keyward.dev/apikeys", Set.of("get", "list", "watch", "patch", "update")),
          Map.entry("keyward.dev/toolsecrets", Set.of("get", "list", "watch", "patch", "update")),
          Map.entry("keyward.dev/toolgrants", Set.of("get", "list", "watch")),
          Map.entry("keyward.dev/apikeys/status", Set.of("get", "patch", "update")),
          Map.entry("keyward.dev/toolsecrets/status", Set.of("get", "patch", "update")),
          Map.entry("keyward.dev/toolgrants/status", Set.of("get", "patch", "update")),
          Map.entry(
              "/secrets", Set.of("get", "list", "watch", "create", "update", "patch", "delete")),
          Map.entry("/events", Set.of("create", "patch")),
          Map.entry("events.k8s.io/events", Set.of("create", "patch")),
          Map.entry("apps/deployments", Set.of("get", "patch")),
          Map.entry("apps/statefulsets", Set.of("get", "patch")),
          Map.entry("apps/daemonsets", Set.of("get", "patch")));

  static final Set<String> CONFIGMAP_VERBS =
      Set.of("get", "list", "watch", "create", "update", "patch");
  static final Set<String> LEASE_VERBS = Set.of("get", "create", "update");

  static Rendered defaults;
  static Rendered custom;

  @TempDir static Path tmp;

  @BeforeAll
  static void render() throws IOException {
    defaults = Rendered.of(template(Map.of()));
    custom = Rendered.of(template(CUSTOM));
  }

  // --- lint and schema

  @Test
  void lintsCleanWithDefaultValues() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
  }

  @Test
  void lintsCleanWithNonDefaultValues() throws IOException {
    LintResult result = new Helm(chartWithValues(CUSTOM)).lint().strict().call();
    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
  }

  @Test
  void schemaRefusesZeroReplicas() throws IOException {
    assertThatThrownBy(() -> template(Map.of("replicaCount", 0)))
        .hasMessageContaining("replicaCount");
    LintResult lint = new Helm(chartWithValues(Map.of("replicaCount", 0))).lint().call();
    assertThat(lint.isFailed()).isTrue();
    assertThat(String.join("\n", lint.getMessages())).contains("replicaCount");
  }

  @Test
  void schemaRefusesUnknownTopLevelKey() throws IOException {
    assertThatThrownBy(() -> template(Map.of("replicas", 2))).hasMessageContaining("replicas");
    LintResult lint = new Helm(chartWithValues(Map.of("replicas", 2))).lint().call();
    assertThat(lint.isFailed()).isTrue();
  }

  @Test
  void schemaRefusesWrongTypes() {
    assertThatThrownBy(() -> template(Map.of("watchNamespaces", "team-a")))
        .hasMessageContaining("watchNamespaces");
    assertThatThrownBy(() -> template(Map.of("http", Map.of("port", "eighty"))))
        .hasMessageContaining("port");
    assertThatThrownBy(() -> template(Map.of("toolIndexName", "Tools_Index")))
        .hasMessageContaining("toolIndexName");
  }

  // --- Deployment

  @Test
  void podRunsWithRestrictedSecurity() {
    PodSpec pod = defaults.one(Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    var security = container(defaults).getSecurityContext();
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getRunAsUser()).isEqualTo(65532L);
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
  }

  @Test
  void tmpIsAWritableEmptyDirBecauseTheRootFilesystemIsReadOnly() {
    PodSpec pod = defaults.one(Deployment.class).getSpec().getTemplate().getSpec();
    var mount = container(defaults).getVolumeMounts().get(0);
    assertThat(mount.getMountPath()).isEqualTo("/tmp");
    assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals("tmp"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getName()).isEqualTo(mount.getName());
              assertThat(v.getEmptyDir()).isNotNull();
            });
  }

  @Test
  void runsTheOperatorSubcommandWithProbesOnTheHttpPort() {
    Deployment deployment = defaults.one(Deployment.class);
    assertThat(deployment.getMetadata().getName()).isEqualTo("keyward");
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    Container c = container(defaults);
    assertThat(c.getCommand()).isNullOrEmpty();
    assertThat(c.getArgs()).containsExactly("operator");
    assertThat(c.getPorts())
        .filteredOn(p -> !p.getName().equals("webhook"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(8080);
            });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(defaults.one(ServiceAccount.class).getMetadata().getName());
  }

  @Test
  void theOperatorBenchmarkRunsTheOperatorWithTheJitSettingItShipsWith() throws IOException {
    String pom = Files.readString(Path.of("pom.xml"));
    String open = "<keyward.bench.operatorJvmArgs>";
    String benchFlags =
        pom.substring(
            pom.indexOf(open) + open.length(), pom.indexOf("</keyward.bench.operatorJvmArgs>"));
    assertThat(env(defaults).get("JAVA_TOOL_OPTIONS")).contains(benchFlags.strip());
  }

  @Test
  void defaultEnvironmentConfiguresTwoOperatorsWithLeaderElectionWatchingAllNamespaces() {
    assertThat(env(defaults))
        .containsExactly(
            entry("KEYWARD_NAMESPACE", "fieldRef:metadata.namespace"),
            entry("KEYWARD_WATCH_NAMESPACES", ""),
            entry("KEYWARD_HTTP_PORT", "8080"),
            entry("KEYWARD_LEADER_ELECTION", "true"),
            entry("KEYWARD_CONCURRENCY", "10"),
            entry("KEYWARD_CLIENT_QPS", "50"),
            entry("KEYWARD_CLIENT_BURST", "100"),
            entry("KEYWARD_SEALING_KEY_ROTATION", "30d"),
            entry("KEYWARD_NAMESPACE_QUOTA", "512Ki"),
            entry("KEYWARD_TOOL_INDEX_NAME", "keyward-tools"),
            entry("KEYWARD_TOOL_INDEX_VALUES", "true"),
            entry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75 -XX:TieredStopAtLevel=1"),
            entry("KEYWARD_WEBHOOK_PORT", "9443"),
            entry("KEYWARD_WEBHOOK_CERT_DIR", "/etc/keyward/webhook-tls"),
            entry("KEYWARD_SCOPE_AUTHORIZATION", "true"));
    assertThat(defaults.one(Deployment.class).getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void twoReplicasTurnLeaderElectionOnAndListTheWatchedNamespaces() {
    assertThat(env(custom))
        .containsEntry("KEYWARD_LEADER_ELECTION", "true")
        .containsEntry("KEYWARD_WATCH_NAMESPACES", "team-a,team-b");
    assertThat(custom.one(Deployment.class).getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void oneReplicaRunsWithoutLeaderElectionUnlessAskedFor() throws IOException {
    var single = Rendered.of(template(Map.of("replicaCount", 1)));
    assertThat(env(single)).containsEntry("KEYWARD_LEADER_ELECTION", "false");
    assertThat(single.one(Deployment.class).getSpec().getReplicas()).isEqualTo(1);
    assertThat(rules(single.one(Role.class).getRules()))
        .as("no Lease with one replica")
        .isEqualTo(Map.of("/configmaps", CONFIGMAP_VERBS));
    var rendered =
        Rendered.of(template(Map.of("replicaCount", 1, "leaderElection", Map.of("enabled", true))));
    assertThat(env(rendered)).containsEntry("KEYWARD_LEADER_ELECTION", "true");
    assertThat(rules(rendered.named(Role.class, "keyward-self").getRules()))
        .containsEntry("coordination.k8s.io/leases", LEASE_VERBS);
  }

  @Test
  void valuesReachTheEnvironment() throws IOException {
    var rendered =
        Rendered.of(
            template(
                Map.of(
                    "http",
                    Map.of("port", 9090),
                    "concurrency",
                    4,
                    "client",
                    Map.of("qps", 20, "burst", 40),
                    "sealing",
                    Map.of("keyRotation", "7d"),
                    "namespaceQuota",
                    "256Ki",
                    "toolIndexName",
                    "team-tools",
                    "toolIndexValues",
                    false,
                    "javaToolOptions",
                    "-Xmx300m")));
    assertThat(env(rendered))
        .containsEntry("KEYWARD_HTTP_PORT", "9090")
        .containsEntry("KEYWARD_CONCURRENCY", "4")
        .containsEntry("KEYWARD_CLIENT_QPS", "20")
        .containsEntry("KEYWARD_CLIENT_BURST", "40")
        .containsEntry("KEYWARD_SEALING_KEY_ROTATION", "7d")
        .containsEntry("KEYWARD_NAMESPACE_QUOTA", "256Ki")
        .containsEntry("KEYWARD_TOOL_INDEX_NAME", "team-tools")
        .containsEntry("KEYWARD_TOOL_INDEX_VALUES", "false")
        .containsEntry("JAVA_TOOL_OPTIONS", "-Xmx300m");
    assertThat(container(rendered).getPorts().get(0).getContainerPort()).isEqualTo(9090);
    assertThat(
            rendered.named(Service.class, "keyward-metrics").getSpec().getPorts().get(0).getPort())
        .isEqualTo(9090);
  }

  @Test
  void imageTagDefaultsToTheAppVersionAndCanBeSet() {
    assertThat(container(defaults).getImage()).isEqualTo("ghcr.io/keyward/keyward:0.1.0");
    assertThat(container(custom).getImage()).isEqualTo("ghcr.io/keyward/keyward:1.2.3-test");
    assertThat(container(defaults).getImagePullPolicy()).isEqualTo("IfNotPresent");
  }

  @Test
  void resourcesHaveDefaults() {
    var resources = container(defaults).getResources();
    assertThat(resources.getRequests().get("cpu").toString()).isEqualTo("100m");
    assertThat(resources.getRequests().get("memory").toString()).isEqualTo("256Mi");
    assertThat(resources.getLimits().get("memory").toString()).isEqualTo("512Mi");
  }

  @Test
  void schedulingAndPodAnnotationsPassThrough() throws IOException {
    var rendered =
        Rendered.of(
            template(
                Map.of(
                    "nodeSelector", Map.of("kubernetes.io/os", "linux"),
                    "tolerations",
                        List.of(
                            Map.of(
                                "key", "dedicated", "operator", "Exists", "effect", "NoSchedule")),
                    "affinity",
                        Map.of(
                            "podAntiAffinity",
                            Map.of(
                                "preferredDuringSchedulingIgnoredDuringExecution",
                                List.of(
                                    Map.of(
                                        "weight",
                                        1,
                                        "podAffinityTerm",
                                        Map.of("topologyKey", "kubernetes.io/hostname"))))),
                    "podAnnotations", Map.of("example.com/team", "platform"))));
    var template = rendered.one(Deployment.class).getSpec().getTemplate();
    assertThat(template.getSpec().getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(template.getSpec().getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(template.getSpec().getAffinity().getPodAntiAffinity()).isNotNull();
    assertThat(template.getMetadata().getAnnotations())
        .containsEntry("example.com/team", "platform");
  }

  @Test
  void anExistingServiceAccountCanBeUsed() throws IOException {
    var rendered =
        Rendered.of(template(Map.of("serviceAccount", Map.of("create", false, "name", "mine"))));
    assertThat(rendered.all(ServiceAccount.class)).isEmpty();
    assertThat(rendered.one(Deployment.class).getSpec().getTemplate().getSpec())
        .extracting(PodSpec::getServiceAccountName)
        .isEqualTo("mine");
    assertThat(rendered.all(ClusterRoleBinding.class))
        .hasSize(2)
        .allSatisfy(
            b ->
                assertThat(b.getSubjects())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getName()).isEqualTo("mine")));
  }

  // --- RBAC

  @Test
  void noRbacRuleUsesWildcards() {
    for (Rendered rendered : List.of(defaults, custom)) {
      List<PolicyRule> all = new ArrayList<>();
      rendered.all(Role.class).forEach(r -> all.addAll(r.getRules()));
      rendered.all(ClusterRole.class).forEach(r -> all.addAll(r.getRules()));
      assertThat(all).isNotEmpty();
      for (PolicyRule rule : all) {
        assertThat(rule.getVerbs()).doesNotContain("*").isNotEmpty();
        assertThat(rule.getResources()).doesNotContain("*").isNotEmpty();
        assertThat(rule.getApiGroups()).doesNotContain("*").isNotEmpty();
        assertThat(rule.getResourceNames()).isNullOrEmpty();
        assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
      }
    }
  }

  @Test
  void watchingAllNamespacesUsesAClusterRoleWithExactlyTheVerbsKeywardNeeds() {
    assertThat(rules(defaults.named(ClusterRole.class, "keyward").getRules()))
        .isEqualTo(WATCH_RULES);
    ClusterRoleBinding binding = defaults.named(ClusterRoleBinding.class, "keyward");
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo("keyward");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("keyward");
              assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
            });

    // Its own namespace: ConfigMaps for the public sealing keys, the Lease of two replicas.
    Role self = defaults.one(Role.class);
    assertThat(self.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(rules(self.getRules()))
        .isEqualTo(
            Map.of("/configmaps", CONFIGMAP_VERBS, "coordination.k8s.io/leases", LEASE_VERBS));
    assertBound(defaults, self);
  }

  @Test
  void watchedNamespacesGetARoleAndRoleBindingEachAndNoClusterRole() {
    // Only the cluster-scoped parts of scope authorization: reviews and the grant of every scope.
    assertThat(custom.all(ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("keyward-scope-reviews", "keyward-grant-all-scopes");
    assertThat(custom.all(ClusterRoleBinding.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("keyward-scope-reviews");

    Map<String, Role> roles =
        custom.all(Role.class).stream()
            .filter(r -> r.getMetadata().getName().equals("keyward"))
            .collect(Collectors.toMap(r -> r.getMetadata().getNamespace(), Function.identity()));
    assertThat(roles).containsOnlyKeys("team-a", "team-b");
    roles.values().forEach(r -> assertThat(rules(r.getRules())).isEqualTo(WATCH_RULES));
    roles.values().forEach(r -> assertBound(custom, r));

    // Its own namespace: the sealing keyset Secret, the public keys ConfigMap, the Lease.
    Role self = custom.named(Role.class, "keyward-self");
    assertThat(self.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(rules(self.getRules()))
        .isEqualTo(
            Map.of(
                "/secrets", WATCH_RULES.get("/secrets"),
                "/configmaps", CONFIGMAP_VERBS,
                "coordination.k8s.io/leases", LEASE_VERBS));
    assertBound(custom, self);
    assertThat(custom.all(Role.class)).hasSize(3);
    assertThat(custom.all(RoleBinding.class)).hasSize(3);
  }

  // --- availability and monitoring

  @Test
  void podDisruptionBudgetOnlyWithMoreThanOneReplica() throws IOException {
    assertThat(Rendered.of(template(Map.of("replicaCount", 1))).all(PodDisruptionBudget.class))
        .isEmpty();
    for (Rendered rendered : List.of(defaults, custom)) {
      PodDisruptionBudget pdb = rendered.one(PodDisruptionBudget.class);
      assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
      assertThat(pdb.getSpec().getSelector().getMatchLabels())
          .isEqualTo(rendered.one(Deployment.class).getSpec().getSelector().getMatchLabels());
    }
  }

  @Test
  void metricsServiceSelectsTheOperatorPods() {
    Service service = defaults.named(Service.class, "keyward-metrics");
    assertThat(service.getMetadata().getName()).isEqualTo("keyward-metrics");
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getPort()).isEqualTo(8080);
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            });
    assertThat(defaults.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(service.getSpec().getSelector());
  }

  @Test
  void serviceMonitorAndPrometheusRuleOnlyWhenEnabled() {
    assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
    assertThat(defaults.ofKind("PrometheusRule")).isEmpty();

    GenericKubernetesResource monitor = single(custom.ofKind("ServiceMonitor"));
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
    assertThat(endpoints)
        .singleElement()
        .satisfies(
            e -> assertThat(e).containsEntry("port", "http").containsEntry("path", "/metrics"));
    Map<String, Object> selector = monitor.get("spec", "selector", "matchLabels");
    assertThat(selector)
        .isEqualTo(
            custom
                .named(Service.class, "keyward-metrics")
                .getMetadata()
                .getLabels()
                .entrySet()
                .stream()
                .filter(e -> selector.containsKey(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    assertThat(selector).isNotEmpty();

    GenericKubernetesResource rule = single(custom.ofKind("PrometheusRule"));
    List<Map<String, Object>> groups = rule.get("spec", "groups");
    @SuppressWarnings("unchecked")
    Map<String, String> exprByAlert =
        groups.stream()
            .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
            .collect(Collectors.toMap(r -> (String) r.get("alert"), r -> (String) r.get("expr")));
    assertThat(exprByAlert)
        .hasEntrySatisfying(
            "KeywardApiKeyExpiringSoon",
            e -> assertThat(e).contains("keyward_api_key_expiration_timestamp_seconds"))
        .containsEntry(
            "KeywardApiKeyRotationOverdue",
            "(time() - keyward_api_key_rotation_timestamp_seconds) > 600")
        .containsEntry("KeywardUnsealFailures", "increase(keyward_unseal_failures_total[15m]) > 0")
        .hasEntrySatisfying(
            "KeywardReconcileErrors",
            e -> assertThat(e).contains("operator_sdk_reconciliations_failed_total"));
  }

  @Test
  void crdsShipWithTheChart() {
    // `helm show crds` prints the chart's CRD files one after another without a separator.
    String shown =
        new Helm(CHART)
            .show()
            .crds()
            .call()
            .replace(
                "# Generated by Fabric8 CRDGenerator", "---\n# Generated by Fabric8 CRDGenerator");
    Rendered crds = Rendered.of(shown);
    assertThat(crds.ofKind("CustomResourceDefinition"))
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "apikeys.keyward.dev", "toolsecrets.keyward.dev", "toolgrants.keyward.dev");
  }

  // --- admission webhook

  static MutatingWebhookConfiguration webhookConfiguration(Rendered rendered) {
    return rendered.one(MutatingWebhookConfiguration.class);
  }

  static X509Certificate x509(String base64Pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(base64Pem)));
  }

  @Test
  void webhookRecordsCreatorsOfKeywardObjectsOutsideSystemNamespaces() {
    MutatingWebhook webhook = webhookConfiguration(defaults).getWebhooks().get(0);
    assertThat(webhook.getName()).isEqualTo("created-by.keyward.dev");
    assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(webhook.getSideEffects()).isEqualTo("None");
    assertThat(webhook.getFailurePolicy()).isEqualTo("Fail");
    assertThat(webhook.getTimeoutSeconds()).isEqualTo(5);
    assertThat(webhook.getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("keyward.dev");
              assertThat(r.getResources()).containsExactly("apikeys", "toolsecrets", "toolgrants");
              assertThat(r.getOperations()).containsExactly("CREATE", "UPDATE");
            });
    assertThat(webhook.getNamespaceSelector().getMatchExpressions())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
              assertThat(e.getOperator()).isEqualTo("NotIn");
              assertThat(e.getValues()).containsExactlyInAnyOrder("kube-system", NAMESPACE);
            });
    var service = webhook.getClientConfig().getService();
    assertThat(service.getName()).isEqualTo("keyward-webhook");
    assertThat(service.getNamespace()).isEqualTo(NAMESPACE);
    assertThat(service.getPath()).isEqualTo("/mutate");
    assertThat(service.getPort()).isEqualTo(443);

    Service rendered = defaults.named(Service.class, "keyward-webhook");
    assertThat(rendered.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("webhook"));
    assertThat(defaults.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(rendered.getSpec().getSelector());
    assertThat(container(defaults).getPorts())
        .filteredOn(p -> p.getName().equals("webhook"))
        .singleElement()
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(9443));
    PodSpec pod = defaults.one(Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals("webhook-tls"))
        .singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("keyward-webhook-tls"));
    assertThat(container(defaults).getVolumeMounts())
        .filteredOn(m -> m.getName().equals("webhook-tls"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo(env(defaults).get("KEYWARD_WEBHOOK_CERT_DIR"));
              assertThat(m.getReadOnly()).isTrue();
            });
  }

  @Test
  void withoutCertManagerTheChartIssuesTheCertificateAndSetsTheCaBundle() throws Exception {
    MutatingWebhookConfiguration config = webhookConfiguration(defaults);
    assertThat(config.getMetadata().getAnnotations()).isNullOrEmpty();
    X509Certificate ca = x509(config.getWebhooks().get(0).getClientConfig().getCaBundle());
    Secret tls = defaults.named(Secret.class, "keyward-webhook-tls");
    assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(tls.getData()).containsKeys("tls.crt", "tls.key", "ca.crt");
    assertThat(tls.getData().get("ca.crt"))
        .isEqualTo(config.getWebhooks().get(0).getClientConfig().getCaBundle());
    X509Certificate serving = x509(tls.getData().get("tls.crt"));
    serving.verify(ca.getPublicKey()); // signed by the CA the API server is told to trust
    assertThat(serving.getSubjectAlternativeNames())
        .extracting(san -> String.valueOf(san.get(1)))
        .contains("keyward-webhook.keyward-system.svc");
    assertThat(new String(Base64.getDecoder().decode(tls.getData().get("tls.key"))))
        .contains("PRIVATE KEY");
    assertThat(defaults.ofKind("Certificate")).isEmpty();
  }

  @Test
  void withCertManagerACertificateIsRequestedAndTheCaInjected() throws IOException {
    Rendered rendered =
        Rendered.of(
            template(
                Map.of(
                    "webhook",
                    Map.of(
                        "certManager",
                        Map.of("enabled", true),
                        "excludeNamespaces",
                        List.of("legacy")))));
    MutatingWebhookConfiguration config = webhookConfiguration(rendered);
    assertThat(config.getMetadata().getAnnotations())
        .containsEntry("cert-manager.io/inject-ca-from", NAMESPACE + "/keyward-webhook");
    assertThat(config.getWebhooks().get(0).getClientConfig().getCaBundle()).isNull();
    assertThat(
            config
                .getWebhooks()
                .get(0)
                .getNamespaceSelector()
                .getMatchExpressions()
                .get(0)
                .getValues())
        .containsExactlyInAnyOrder("kube-system", NAMESPACE, "legacy");
    assertThat(rendered.all(Secret.class)).isEmpty();

    GenericKubernetesResource certificate = single(rendered.ofKind("Certificate"));
    assertThat(certificate.getApiVersion()).isEqualTo("cert-manager.io/v1");
    assertThat(certificate.getMetadata().getName()).isEqualTo("keyward-webhook");
    assertThat((String) certificate.get("spec", "secretName")).isEqualTo("keyward-webhook-tls");
    assertThat((List<String>) certificate.get("spec", "dnsNames"))
        .contains("keyward-webhook.keyward-system.svc");
    assertThat((String) certificate.get("spec", "issuerRef", "name"))
        .isEqualTo("keyward-webhook-selfsigned");
    GenericKubernetesResource issuer = single(rendered.ofKind("Issuer"));
    assertThat(issuer.getMetadata().getName()).isEqualTo("keyward-webhook-selfsigned");
    assertThat((Map<String, Object>) issuer.get("spec", "selfSigned")).isNotNull();

    LintResult lint =
        new Helm(chartWithValues(Map.of("webhook", Map.of("certManager", Map.of("enabled", true)))))
            .lint()
            .strict()
            .call();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
  }

  @Test
  void withCertManagerAnExistingIssuerCanSign() throws IOException {
    Rendered rendered =
        Rendered.of(
            template(
                Map.of(
                    "webhook",
                    Map.of(
                        "certManager",
                        Map.of(
                            "enabled",
                            true,
                            "issuerRef",
                            Map.of("name", "corp-ca", "kind", "ClusterIssuer"))))));
    assertThat(rendered.ofKind("Issuer")).isEmpty();
    GenericKubernetesResource certificate = single(rendered.ofKind("Certificate"));
    assertThat((Map<String, Object>) certificate.get("spec", "issuerRef"))
        .containsEntry("name", "corp-ca")
        .containsEntry("kind", "ClusterIssuer");
  }

  @Test
  void webhookCanBeTurnedOff() throws IOException {
    Rendered rendered = Rendered.of(template(Map.of("webhook", Map.of("enabled", false))));
    assertThat(rendered.all(MutatingWebhookConfiguration.class)).isEmpty();
    assertThat(rendered.all(Service.class))
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("keyward-metrics");
    assertThat(rendered.all(Secret.class)).isEmpty();
    assertThat(env(rendered))
        .doesNotContainKeys("KEYWARD_WEBHOOK_PORT", "KEYWARD_WEBHOOK_CERT_DIR");
    assertThat(container(rendered).getPorts()).extracting(p -> p.getName()).containsExactly("http");
  }

  @Test
  void scopeAuthorizationIsOnWithAValidatingWebhookThatFailsClosed() {
    assertThat(env(defaults)).containsEntry("KEYWARD_SCOPE_AUTHORIZATION", "true");
    ValidatingWebhookConfiguration config = defaults.one(ValidatingWebhookConfiguration.class);
    ValidatingWebhook webhook = config.getWebhooks().get(0);
    assertThat(config.getWebhooks()).hasSize(1);
    assertThat(webhook.getName()).isEqualTo("scopes.keyward.dev");
    assertThat(webhook.getFailurePolicy()).isEqualTo("Fail");
    assertThat(webhook.getSideEffects()).isEqualTo("None");
    assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(webhook.getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("keyward.dev");
              assertThat(r.getResources()).containsExactly("apikeys");
              assertThat(r.getOperations()).containsExactly("CREATE", "UPDATE");
            });
    var service = webhook.getClientConfig().getService();
    assertThat(service.getName()).isEqualTo("keyward-webhook");
    assertThat(service.getPath()).isEqualTo("/validate-scopes");
    assertThat(service.getPort()).isEqualTo(443);
    // The same server and certificate as created-by.
    assertThat(webhook.getClientConfig().getCaBundle())
        .isNotEmpty()
        .isEqualTo(
            webhookConfiguration(defaults).getWebhooks().get(0).getClientConfig().getCaBundle());
    assertThat(webhook.getNamespaceSelector())
        .isEqualTo(webhookConfiguration(defaults).getWebhooks().get(0).getNamespaceSelector());
  }

  @Test
  void theOperatorMayAskSubjectAccessReviewsAndNothingMoreClusterWide() {
    ClusterRole reviews = defaults.named(ClusterRole.class, "keyward-scope-reviews");
    assertThat(rules(reviews.getRules()))
        .isEqualTo(Map.of("authorization.k8s.io/subjectaccessreviews", Set.of("create")));
    ClusterRoleBinding binding = defaults.named(ClusterRoleBinding.class, "keyward-scope-reviews");
    assertThat(binding.getRoleRef().getName()).isEqualTo("keyward-scope-reviews");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("keyward");
              assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
            });
  }

  @Test
  void everyScopeIsGrantedToNamespaceAdminsAndEditorsThroughAggregation() {
    ClusterRole all = defaults.named(ClusterRole.class, "keyward-grant-all-scopes");
    assertThat(all.getMetadata().getLabels())
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
        .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view");
    assertThat(all.getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("keyward.dev");
              assertThat(r.getResources()).containsExactly("scopes");
              assertThat(r.getVerbs()).containsExactly("grant");
              // No resource names: every scope, as RBAC reads a rule without them.
              assertThat(r.getResourceNames()).isNullOrEmpty();
            });
    // Nothing binds it directly: it reaches people only through admin and edit.
    assertThat(defaults.all(ClusterRoleBinding.class))
        .noneMatch(b -> b.getRoleRef().getName().equals("keyward-grant-all-scopes"));
    assertThat(defaults.all(RoleBinding.class))
        .noneMatch(b -> b.getRoleRef().getName().equals("keyward-grant-all-scopes"));
  }

  @Test
  void scopeAuthorizationCanBeTurnedOffOrLeftToNarrowerRoles() throws IOException {
    Rendered off = Rendered.of(template(Map.of("scopeAuthorization", Map.of("enabled", false))));
    assertThat(off.all(ValidatingWebhookConfiguration.class)).isEmpty();
    assertThat(off.all(MutatingWebhookConfiguration.class)).hasSize(1);
    assertThat(env(off)).containsEntry("KEYWARD_SCOPE_AUTHORIZATION", "false");
    assertThat(off.all(ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactly("keyward");

    Rendered narrow =
        Rendered.of(
            template(Map.of("scopeAuthorization", Map.of("grantAllToAdminAndEdit", false))));
    assertThat(narrow.all(ValidatingWebhookConfiguration.class)).hasSize(1);
    assertThat(narrow.all(ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("keyward", "keyward-scope-reviews");

    // Without the webhook there is nothing to serve the check.
    Rendered noWebhook = Rendered.of(template(Map.of("webhook", Map.of("enabled", false))));
    assertThat(noWebhook.all(ValidatingWebhookConfiguration.class)).isEmpty();
    assertThat(noWebhook.all(ClusterRole.class)).hasSize(1);
  }

  @Test
  void theRolesTheDocsShowGrantExactlyTheScopesTheySay() throws IOException {
    List<HasMetadata> shown = docsYaml();
    Role narrow =
        shown.stream()
            .filter(
                o -> o instanceof Role && o.getMetadata().getName().equals("grant-orders-scopes"))
            .map(Role.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(narrow.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(narrow.getRules())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("keyward.dev");
              assertThat(r.getResources()).containsExactly("scopes");
              assertThat(r.getVerbs()).containsExactly("grant");
              assertThat(r.getResourceNames()).containsExactly("orders:read", "orders:write");
            });
    Map<String, RoleBinding> bindings =
        shown.stream()
            .filter(o -> o instanceof RoleBinding)
            .map(RoleBinding.class::cast)
            .collect(Collectors.toMap(b -> b.getMetadata().getName(), Function.identity()));
    assertThat(bindings).containsOnlyKeys("orders-team-grants", "argocd-grants", "flux-grants");
    bindings
        .values()
        .forEach(
            b -> assertThat(b.getRoleRef().getName()).isEqualTo(narrow.getMetadata().getName()));
    bindings.values().forEach(b -> assertThat(b.getRoleRef().getKind()).isEqualTo("Role"));
    bindings.values().forEach(b -> assertThat(b.getMetadata().getNamespace()).isEqualTo("shop"));
    assertThat(bindings.get("orders-team-grants").getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("Group");
              assertThat(s.getName()).isEqualTo("team-orders");
            });
    // The controllers that apply the manifests are the ApiKeys' authors.
    assertThat(bindings.get("argocd-grants").getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("argocd-application-controller");
              assertThat(s.getNamespace()).isEqualTo("argocd");
            });
    assertThat(bindings.get("flux-grants").getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("kustomize-controller");
              assertThat(s.getNamespace()).isEqualTo("flux-system");
            });
  }

  /** Every object in the ```yaml blocks of docs/scopes.md. */
  static List<HasMetadata> docsYaml() throws IOException {
    String doc = Files.readString(Path.of("docs", "scopes.md"));
    List<HasMetadata> objects = new ArrayList<>();
    var blocks = java.util.regex.Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(doc);
    while (blocks.find()) {
      objects.addAll(Rendered.parse(blocks.group(1)));
    }
    return objects;
  }

  @Test
  void schemaRefusesAnUnknownFailurePolicy() {
    assertThatThrownBy(() -> template(Map.of("webhook", Map.of("failurePolicy", "Retry"))))
        .hasMessageContaining("failurePolicy");
  }

  // --- helpers

  static String template(Map<String, Object> values) throws IOException {
    var command = new Helm(CHART).template().withName("keyward").withNamespace(NAMESPACE);
    if (!values.isEmpty()) {
      Path file = Files.createTempFile(tmp, "values", ".yaml");
      Files.writeString(file, Serialization.asYaml(values));
      command.withValuesFile(file);
    }
    return command.call();
  }

  /** A copy of the chart whose values.yaml is the default one merged with {@code overrides}. */
  static Path chartWithValues(Map<String, Object> overrides) throws IOException {
    Path copy = Files.createTempDirectory(tmp, "chart");
    try (Stream<Path> files = Files.walk(CHART)) {
      for (Path source : files.toList()) {
        Path target = copy.resolve(CHART.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
    Map<String, Object> values =
        Serialization.unmarshal(Files.readString(CHART.resolve("values.yaml")), Map.class);
    Files.writeString(copy.resolve("values.yaml"), Serialization.asYaml(merge(values, overrides)));
    return copy;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> overrides) {
    Map<String, Object> merged = new LinkedHashMap<>(base);
    overrides.forEach(
        (k, v) -> {
          if (v instanceof Map && merged.get(k) instanceof Map) {
            merged.put(k, merge((Map<String, Object>) merged.get(k), (Map<String, Object>) v));
          } else {
            merged.put(k, v);
          }
        });
    return merged;
  }

  static Container container(Rendered rendered) {
    return rendered.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("keyward"))
        .findFirst()
        .orElseThrow();
  }

  /** Env as name → value, in order; a fieldRef shows as {@code fieldRef:<path>}. */
  static Map<String, String> env(Rendered rendered) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar e : container(rendered).getEnv()) {
      env.put(
          e.getName(),
          e.getValueFrom() != null
              ? "fieldRef:" + e.getValueFrom().getFieldRef().getFieldPath()
              : e.getValue() == null ? "" : e.getValue());
    }
    return env;
  }

  /** Rules as "apiGroup/resource" → verbs, failing on a resource granted twice. */
  static Map<String, Set<String>> rules(List<PolicyRule> rules) {
    Map<String, Set<String>> byResource = new TreeMap<>();
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          Set<String> previous =
              byResource.put(group + "/" + resource, new TreeSet<>(rule.getVerbs()));
          assertThat(previous).as("%s/%s granted twice", group, resource).isNull();
        }
      }
    }
    return byResource;
  }

  static void assertBound(Rendered rendered, Role role) {
    assertThat(rendered.all(RoleBinding.class))
        .filteredOn(
            b ->
                b.getMetadata().getNamespace().equals(role.getMetadata().getNamespace())
                    && b.getRoleRef().getKind().equals("Role")
                    && b.getRoleRef().getName().equals(role.getMetadata().getName()))
        .singleElement()
        .satisfies(
            b ->
                assertThat(b.getSubjects())
                    .singleElement()
                    .satisfies(
                        s -> {
                          assertThat(s.getKind()).isEqualTo("ServiceAccount");
                          assertThat(s.getName()).isEqualTo("keyward");
                          assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
                        }));
  }

  static GenericKubernetesResource single(List<HasMetadata> objects) {
    assertThat(objects).hasSize(1);
    return (GenericKubernetesResource) objects.get(0);
  }

  /** The objects of one {@code helm template} run. */
  record Rendered(List<HasMetadata> objects) {

    /** The operator's objects; the verifier's are checked in {@link HelmVerifierChartTest}. */
    static Rendered of(String yaml) {
      return new Rendered(parse(yaml).stream().filter(o -> !isVerifier(o)).toList());
    }

    /** The verifier's objects: those labelled {@code app.kubernetes.io/component: verifier}. */
    static Rendered verifierOf(String yaml) {
      return new Rendered(parse(yaml).stream().filter(Rendered::isVerifier).toList());
    }

    static boolean isVerifier(HasMetadata o) {
      return o.getMetadata().getLabels() != null
          && "verifier".equals(o.getMetadata().getLabels().get("app.kubernetes.io/component"));
    }

    static List<HasMetadata> parse(String yaml) {
      List<HasMetadata> objects = new ArrayList<>();
      for (String doc : yaml.split("(?m)^---\\s*$")) {
        boolean empty =
            Arrays.stream(doc.split("\n"))
                .map(String::strip)
                .allMatch(line -> line.isEmpty() || line.startsWith("#"));
        if (!empty) {
          objects.add(Serialization.unmarshal(doc));
        }
      }
      return objects;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
      List<T> all = all(type);
      assertThat(all).as("rendered %s objects", type.getSimpleName()).hasSize(1);
      return all.get(0);
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
      List<T> all = all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).toList();
      assertThat(all).as("rendered %s %s", type.getSimpleName(), name).hasSize(1);
      return all.get(0);
    }

    List<HasMetadata> ofKind(String kind) {
      return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
    }
  }
}
