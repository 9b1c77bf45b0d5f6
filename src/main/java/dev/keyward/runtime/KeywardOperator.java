package dev.keyward.runtime;

import dev.keyward.apikey.ApiKeyObserver;
import dev.keyward.apikey.ApiKeyReconciler;
import dev.keyward.common.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * The operator's wiring, shared by {@code keyward operator}, {@code keyward dev} and the tests, so
 * that what is tested is what runs.
 */
public final class KeywardOperator implements AutoCloseable {

  /** What the wiring needs from the outside. An empty namespace set means all namespaces. */
  public record Settings(
      KubernetesClient client,
      Clock clock,
      Set<String> watchedNamespaces,
      int concurrency,
      ApiKeyObserver apiKeyObserver) {
    public static Settings of(KubernetesClient client, Clock clock) {
      return new Settings(client, clock, Set.of(), 10, ApiKeyObserver.NONE);
    }
  }

  private final Operator operator;
  private final ApiKeyReconciler apiKeys;

  public KeywardOperator(Settings settings) {
    this.operator =
        new Operator(
            o ->
                o.withKubernetesClient(settings.client())
                    .withUseSSAToPatchPrimaryResource(false)
                    .withConcurrentReconciliationThreads(settings.concurrency())
                    .withReconciliationTerminationTimeout(Duration.ofSeconds(5))
                    .withCloseClientOnStop(false));
    EventRecorder events = new EventRecorder(settings.client(), settings.clock());
    this.apiKeys = new ApiKeyReconciler(settings.clock(), events, settings.apiKeyObserver());
    operator.register(
        apiKeys,
        c -> {
          if (settings.watchedNamespaces().isEmpty()) {
            c.watchingAllNamespaces();
          } else {
            c.settingNamespaces(settings.watchedNamespaces());
          }
        });
  }

  public void start() {
    operator.start();
  }

  /** Re-evaluates every resource now; used after the clock jumped. */
  public void resyncAll() {
    apiKeys.resyncAll();
  }

  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.stop();
  }
}
