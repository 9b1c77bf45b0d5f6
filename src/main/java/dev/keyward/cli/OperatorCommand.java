package dev.keyward.cli;

import dev.keyward.admission.GrantReview;
import dev.keyward.admission.ScopeGrants;
import dev.keyward.admission.WebhookServer;
import dev.keyward.common.Durations;
import dev.keyward.runtime.ClientRateLimit;
import dev.keyward.runtime.KeywardClients;
import dev.keyward.runtime.KeywardOperator;
import dev.keyward.runtime.OperatorSettings;
import dev.keyward.toolsecret.NamespaceQuota;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code keyward operator}: runs the controllers against the current cluster until SIGTERM. */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description =
        "Run the operator against the cluster of the current kubeconfig (KUBECONFIG or"
            + " ~/.kube/config) or, in a pod, the in-cluster configuration.")
public class OperatorCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(OperatorCommand.class);

  @Option(
      names = "--watch-namespaces",
      split = ",",
      defaultValue = "${env:KEYWARD_WATCH_NAMESPACES}",
      description =
          "Namespaces to watch, comma-separated (env KEYWARD_WATCH_NAMESPACES). Default: all.")
  Set<String> watchNamespaces;

  @Option(
      names = "--concurrency",
      defaultValue = "${env:KEYWARD_CONCURRENCY:-10}",
      description =
          "Reconciles running at once (env KEYWARD_CONCURRENCY). Default: ${DEFAULT-VALUE}.")
  int concurrency;

  @Option(
      names = "--namespace",
      defaultValue = "${env:KEYWARD_NAMESPACE:-${env:POD_NAMESPACE:-keyward-system}}",
      description =
          "The operator's own namespace, where the sealing keys live (env KEYWARD_NAMESPACE, then"
              + " POD_NAMESPACE). Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(
      names = "--sealing-key-rotation",
      defaultValue = "${env:KEYWARD_SEALING_KEY_ROTATION:-30d}",
      description =
          "How often a new primary sealing key is added; older keys keep opening values (env"
              + " KEYWARD_SEALING_KEY_ROTATION). Default: ${DEFAULT-VALUE}.")
  String sealingKeyRotation;

  @Option(
      names = "--namespace-quota",
      defaultValue = "${env:KEYWARD_NAMESPACE_QUOTA:-512Ki}",
      description =
          "Limit on the total size of tool values per namespace, like 512Ki, 1Mi or bytes (env"
              + " KEYWARD_NAMESPACE_QUOTA). Default: ${DEFAULT-VALUE}.")
  String namespaceQuota;

  @Option(
      names = "--tool-index-name",
      defaultValue = "${env:KEYWARD_TOOL_INDEX_NAME:-keyward-tools}",
      description =
          "Name of the tool index Secret Keyward keeps in each namespace (env"
              + " KEYWARD_TOOL_INDEX_NAME). Default: ${DEFAULT-VALUE}.")
  String toolIndexName;

  @Option(
      names = "--tool-index-values",
      negatable = true,
      defaultValue = "${env:KEYWARD_TOOL_INDEX_VALUES:-true}",
      fallbackValue = "true",
      description =
          "Whether the tool index Secret carries every value next to index.json; false leaves it"
              + " index.json only, and pods get their values from ToolGrants (env"
              + " KEYWARD_TOOL_INDEX_VALUES). Default: ${DEFAULT-VALUE}.")
  boolean toolIndexValues;

  @Option(
      names = "--http-port",
      defaultValue = "${env:KEYWARD_HTTP_PORT:-8080}",
      description =
          "Port for /healthz, /readyz, /metrics and /v1/sealing-public-keys (env"
              + " KEYWARD_HTTP_PORT). Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(
      names = "--leader-election",
      negatable = true,
      defaultValue = "${env:KEYWARD_LEADER_ELECTION:-false}",
      fallbackValue = "true",
      description =
          "Only the holder of Lease keyward-leader in the operator namespace reconciles, so several"
              + " replicas can run (env KEYWARD_LEADER_ELECTION). Default: ${DEFAULT-VALUE}.")
  boolean leaderElection;

  @Option(
      names = "--client-qps",
      defaultValue = "${env:KEYWARD_CLIENT_QPS:-50}",
      description =
          "Requests per second the API client sends at most (env KEYWARD_CLIENT_QPS). Default:"
              + " ${DEFAULT-VALUE}.")
  int clientQps;

  @Option(
      names = "--client-burst",
      defaultValue = "${env:KEYWARD_CLIENT_BURST:-100}",
      description =
          "Requests the API client may send at once above --client-qps (env"
              + " KEYWARD_CLIENT_BURST). Default: ${DEFAULT-VALUE}.")
  int clientBurst;

  @Option(
      names = "--webhook-port",
      defaultValue = "${env:KEYWARD_WEBHOOK_PORT:-9443}",
      description =
          "HTTPS port of the admission webhooks: /mutate records keyward.dev/created-by,"
              + " /validate-scopes checks scopes (--scope-authorization) (env"
              + " KEYWARD_WEBHOOK_PORT). Default: ${DEFAULT-VALUE}.")
  int webhookPort;

  @Option(
      names = "--webhook-cert-dir",
      defaultValue = "${env:KEYWARD_WEBHOOK_CERT_DIR}",
      description =
          "Directory with the webhook's serving certificate, tls.crt and tls.key, read again when"
              + " they change (env KEYWARD_WEBHOOK_CERT_DIR). Without it the webhook is off.")
  Path webhookCertDir;

  @Option(
      names = "--scope-authorization",
      negatable = true,
      defaultValue = "${env:KEYWARD_SCOPE_AUTHORIZATION:-false}",
      fallbackValue = "true",
      description =
          "Serve the validating webhook on /validate-scopes: an ApiKey may only gain a scope its"
              + " author may grant (RBAC verb grant on scopes.keyward.dev, asked with a"
              + " SubjectAccessReview); needs --webhook-cert-dir (env"
              + " KEYWARD_SCOPE_AUTHORIZATION). Default: ${DEFAULT-VALUE}.")
  boolean scopeAuthorization;

  @Override
  public Integer call() throws Exception {
    // Local mistakes first, each one line, before any request.
    var rotation = Durations.parse("--sealing-key-rotation", sealingKeyRotation);
    var quota = NamespaceQuota.parseSize(namespaceQuota);
    if (scopeAuthorization && webhookCertDir == null) {
      throw new IllegalArgumentException(
          "--scope-authorization is served by the admission webhook: give --webhook-cert-dir too");
    }
    WebhookServer webhook = null;
    KubernetesClient reviews = null;
    if (webhookCertDir != null) {
      ScopeGrants scopes = null;
      if (scopeAuthorization) {
        reviews =
            KeywardClients.builder(
                    GrantReview.config(ClusterAccess.checkedConfig(), ScopeGrants.DEFAULT_BUDGET))
                .build();
        scopes = ScopeGrants.withThreads(GrantReview.of(reviews), 4);
      }
      try {
        webhook = WebhookServer.start(webhookPort, webhookCertDir, scopes);
      } catch (IOException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
    WebhookServer started = webhook;
    // Fail in seconds, with one line, when there is no cluster to run against; once running, the
    // operator's own client retries as usual.
    try (KubernetesClient probe = ClusterAccess.client()) {
      probe.getKubernetesVersion();
    } catch (RuntimeException e) {
      if (started != null) {
        started.close();
      }
      throw e;
    }
    KubernetesClient client =
        KeywardClients.builder(ClusterAccess.checkedConfig())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "keyward-rate-limit", new ClientRateLimit(clientQps, clientBurst)))
            .build();
    var settings =
        OperatorSettings.of(client, Clock.systemUTC())
            .withOperatorNamespace(namespace)
            .withWatchedNamespaces(watchNamespaces == null ? Set.of() : watchNamespaces)
            .withConcurrency(concurrency)
            .withSealingKeyRotation(rotation)
            .withNamespaceQuota(quota)
            .withToolIndexName(toolIndexName)
            .withToolIndexValues(toolIndexValues)
            .withLeaderElection(leaderElection)
            .withHttpPort(httpPort)
            .withOwnerChecks(
                scopeAuthorization
                    ? dev.keyward.verifier.AccessChecks.DEFAULT_OWNER_CHECK_TTL
                    : null);
    CountDownLatch stopped = new CountDownLatch(1);
    try (KeywardOperator operator = new KeywardOperator(settings)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    log.info("Stopping Keyward");
                    operator.close();
                    if (started != null) {
                      started.close();
                    }
                    stopped.countDown();
                  },
                  "keyward-shutdown"));
      operator.start();
      log.info(
          "Keyward started, watching {}",
          settings.watchedNamespaces().isEmpty() ? "all namespaces" : settings.watchedNamespaces());
      stopped.await();
    } finally {
      client.close();
      if (reviews != null) {
        reviews.close();
      }
    }
    return 0;
  }
}
