package dev.keyward.dev;

import dev.keyward.admission.GrantReview;
import dev.keyward.admission.ScopeGrants;
import dev.keyward.apikey.ApiKey;
import dev.keyward.console.Console;
import dev.keyward.runtime.Crds;
import dev.keyward.runtime.KeywardOperator;
import dev.keyward.runtime.OperatorSettings;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.verifier.Verifier;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyward dev}: Keyward without a cluster. A throwaway kube-apiserver and etcd, the CRDs,
 * the chart's admission webhooks (served on 127.0.0.1, {@link DevWebhooks}), the operator and the
 * verifier in this process (usage written at a 1m granularity, so Last Used moves while you try
 * it), a kubeconfig for kubectl, and a table of what Keyward manages.
 */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Try Keyward without a cluster: start a local API server (kube-api-test), install the CRDs,"
          + " run the operator, write a kubeconfig, and show ApiKeys, ToolSecrets and ToolGrants until"
          + " Ctrl-C.",
      "Then, in another terminal: export KUBECONFIG=.keyward-dev/kubeconfig; kubectl apply -f"
          + " examples/apikey-try-rotation.yaml"
    })
public class DevCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = ".keyward-dev",
      description = "Where the kubeconfig is written. Default: ${DEFAULT-VALUE}.")
  Path dir;

  @Option(
      names = "--apply",
      description =
          "Apply every .yaml file in this folder and its subfolders once started (documents"
              + " of kinds the local API server does not serve are skipped).")
  Path apply;

  @Option(
      names = "--offline",
      description = "Never download the API server binaries; fail at once when they are missing.")
  boolean offline;

  @Option(
      names = "--http-port",
      defaultValue = "8080",
      description = "Port for /metrics, /readyz and the public keys. Default: ${DEFAULT-VALUE}.")
  int httpPort;

  @Option(
      names = "--verifier-port",
      defaultValue = "8081",
      description =
          "Port of the verifier running beside the operator (/v1/verify, /v1/keys/verify)."
              + " Default: ${DEFAULT-VALUE}.")
  int verifierPort;

  @Option(
      names = "--console-port",
      defaultValue = "8090",
      description =
          "Port of the web console (keyward console) on 127.0.0.1. Default: ${DEFAULT-VALUE}.")
  int consolePort;

  @Option(
      names = "--webhook-port",
      defaultValue = "0",
      description =
          "Port of the admission webhooks (created-by, scopes) on 127.0.0.1, which the local API"
              + " server calls over TLS with a certificate dev makes; 0 picks a free port."
              + " Default: ${DEFAULT-VALUE}.")
  int webhookPort;

  @Option(
      names = "--refresh",
      defaultValue = "2s",
      hidden = true,
      description = "How often the table is printed; 0s prints it once and exits (for tests).")
  String refresh;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (apply != null) {
      ApplyFolder.check(apply);
    }
    KubeAPIServer server = LocalApiServer.start(offline);
    try {
      String kubeconfig = server.getKubeConfigYaml();
      Files.createDirectories(dir);
      Path kubeconfigFile = dir.resolve("kubeconfig");
      Files.writeString(kubeconfigFile, kubeconfig);
      try (KubernetesClient client =
          new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build()) {
        Crds.install(client, true, Duration.ofSeconds(60));
        StatusGuardPolicy.install(client);
        client
            .namespaces()
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(OperatorSettings.DEFAULT_OPERATOR_NAMESPACE)
                    .endMetadata()
                    .build())
            .createOr(existing -> existing.update());
        try (KubernetesClient reviews =
                new KubernetesClientBuilder()
                    .withConfig(
                        GrantReview.config(
                            Config.fromKubeconfig(kubeconfig), ScopeGrants.DEFAULT_BUDGET))
                    .build();
            DevWebhooks webhooks =
                DevWebhooks.start(
                    dir.resolve("webhook"),
                    webhookPort,
                    ScopeGrants.withThreads(GrantReview.of(reviews), 2),
                    OperatorSettings.DEFAULT_OPERATOR_NAMESPACE);
            KeywardOperator operator =
                new KeywardOperator(
                    OperatorSettings.of(client, Clock.systemUTC()).withHttpPort(httpPort));
            Verifier verifier =
                new Verifier(
                    Verifier.Settings.of(client, Clock.systemUTC())
                        .withHttpPort(verifierPort)
                        .withUsageGranularity(Duration.ofMinutes(1)));
            Console console =
                new Console(
                    new KubernetesClientBuilder()
                        .withConfig(Config.fromKubeconfig(kubeconfig))
                        .build(),
                    null,
                    "127.0.0.1",
                    consolePort,
                    Clock.systemUTC(),
                    Duration.ofSeconds(30))) {
          // Before anything is applied: every object gets its creator, as in a cluster.
          webhooks.install(client, Duration.ofSeconds(30));
          operator.start();
          verifier.start();
          out.printf(
              "Keyward is running on a local API server.%n  export KUBECONFIG=%s%n"
                  + "  webhook: https://127.0.0.1:%d (records who creates each object)%n"
                  + "  metrics: http://localhost:%d/metrics%n"
                  + "  verifier: curl -H \"Authorization: Bearer $KEY\""
                  + " http://localhost:%d/v1/verify%n"
                  + "  console: %s%n",
              kubeconfigFile.toAbsolutePath(),
              webhooks.port(),
              operator.httpPort(),
              verifier.httpPort(),
              console.url());
          out.flush();
          if (apply != null) {
            ApplyFolder.apply(client, apply, out);
          }
          watch(client, out);
        }
      }
    } finally {
      server.stop();
    }
    return 0;
  }

  private void watch(KubernetesClient client, PrintWriter out) throws InterruptedException {
    Duration every =
        dev.keyward.common.Durations.parse("--refresh", refresh.equals("0s") ? "1s" : refresh);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "keyward-dev-stop"));
    do {
      out.print(
          Table.render(
              client.resources(ApiKey.class).inAnyNamespace().list().getItems(),
              client.resources(ToolSecret.class).inAnyNamespace().list().getItems(),
              client
                  .resources(dev.keyward.toolgrant.ToolGrant.class)
                  .inAnyNamespace()
                  .list()
                  .getItems()));
      out.flush();
    } while (!refresh.equals("0s") && !stop.await(every.toMillis(), TimeUnit.MILLISECONDS));
  }
}
