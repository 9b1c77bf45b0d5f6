package dev.keyward.console;

import dev.keyward.cli.ClusterAccess;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keyward console}: serves the local web console until Ctrl-C, acting with the current
 * kubeconfig's identity, and prints the URL with its session token.
 */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = {
      "A local web console for ApiKeys, ToolSecrets and ToolGrants, acting with your kubeconfig's identity"
          + " (RBAC decides what you see and may do). Open the printed URL: it carries the"
          + " session token."
    })
public class ConsoleCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "8090",
      description = "Port to listen on. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--address",
      defaultValue = "127.0.0.1",
      description =
          "Address to listen on. Default: ${DEFAULT-VALUE} (only this machine). Anything else"
              + " lets others on the network reach the login page.")
  String address;

  @Option(
      names = {"-n", "--namespace"},
      description = "Show only this namespace. Default: every namespace your identity may list.")
  String namespace;

  @Option(
      names = "--operator-namespace",
      defaultValue = "${env:KEYWARD_NAMESPACE:-keyward-system}",
      description =
          "Namespace Keyward runs in: \"Add secret\" seals with the public keys in its ConfigMap"
              + " keyward-sealing-public-keys. Default: ${DEFAULT-VALUE}.")
  String operatorNamespace;

  @Override
  public Integer call() throws Exception {
    Config config = ClusterAccess.checkedConfig();
    var client = new KubernetesClientBuilder().withConfig(config).build();
    try (Console console =
        new Console(
            client,
            namespace,
            address,
            port,
            Clock.systemUTC(),
            Duration.ofSeconds(30),
            operatorNamespace)) {
      PrintWriter out = spec.commandLine().getOut();
      out.println("Keyward console: " + console.url());
      out.println("Acting as the current kubeconfig user. Ctrl-C stops it.");
      out.flush();
      new CountDownLatch(1).await();
    }
    return 0;
  }
}
