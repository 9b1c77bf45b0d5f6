package dev.keyward.cli;

import dev.keyward.apikey.ApiKeyObserver;
import dev.keyward.runtime.KeywardOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
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
            + " ~/.kube/config) or the in-cluster configuration.")
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

  @Override
  public Integer call() throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().build();
    var settings =
        new KeywardOperator.Settings(
            client,
            Clock.systemUTC(),
            watchNamespaces == null ? Set.of() : watchNamespaces,
            concurrency,
            ApiKeyObserver.NONE);
    CountDownLatch stopped = new CountDownLatch(1);
    try (KeywardOperator operator = new KeywardOperator(settings)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    log.info("Stopping Keyward");
                    operator.close();
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
    }
    return 0;
  }
}
