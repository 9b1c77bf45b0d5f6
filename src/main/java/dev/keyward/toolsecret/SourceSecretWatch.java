package dev.keyward.toolsecret;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.javaoperatorsdk.operator.health.Status;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the Secrets that {@code spec.valueFrom} points at. They are not Keyward's and can be any
 * Secret, so they are watched without a cache: each change is mapped to the ToolSecrets naming that
 * Secret and then forgotten, and memory does not grow with the cluster's Secrets.
 *
 * <p>A namespace is watched only while one of its ToolSecrets uses {@code valueFrom}, and the
 * Secrets Keyward writes for ToolSecrets are left out by label selector. Each watch starts from the
 * resourceVersion of a list, the way every API server serves it (a watch without one asks for
 * initial events, which some servers refuse). A watch that cannot be established is retried with
 * backoff, marks this event source unhealthy (so {@code /readyz} fails on the leader), is reported
 * to the observer (a metric) and to the affected ToolSecrets (a condition).
 */
final class SourceSecretWatch extends SimpleInboundEventSource<ToolSecret> {

  static final String BY_SOURCE = "valueFromSecret";
  static final String BY_NAMESPACE = "valueFromNamespace";

  /** Every Secret except those Keyward writes for ToolSecrets (values and indexes). */
  static final String SELECTOR = "!" + ToolValueSecret.LABEL + ",!" + ToolIndexSecret.LABEL;

  private static final Logger log = LoggerFactory.getLogger(SourceSecretWatch.class);

  private final KubernetesClient client;
  private final HttpClient watchHttp;
  private final IndexerResourceCache<ToolSecret> primaries;
  private final ToolSecretObserver observer;
  private final Map<String, NamespaceSecretWatch> watches = new ConcurrentHashMap<>();
  private volatile ScheduledExecutorService executor;

  SourceSecretWatch(
      KubernetesClient client,
      IndexerResourceCache<ToolSecret> primaries,
      ToolSecretObserver observer) {
    super("toolsecret-sources");
    this.client = client;
    // The HTTP client would retry a refused watch ten times with backoff before telling anyone.
    this.watchHttp =
        client
            .newClient(
                new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .adapt(KubernetesClient.class)
            .getHttpClient();
    this.primaries = primaries;
    this.observer = observer;
  }

  /** The index key of the Secret a ToolSecret reads its value from, if any. */
  static List<String> sourceKeys(ToolSecret toolSecret) {
    String source = sourceName(toolSecret);
    return source == null
        ? List.of()
        : List.of(key(toolSecret.getMetadata().getNamespace(), source));
  }

  /** The namespace of a ToolSecret that reads its value from a Secret, if it does. */
  static List<String> sourceNamespaces(ToolSecret toolSecret) {
    return sourceName(toolSecret) == null || toolSecret.isMarkedForDeletion()
        ? List.of()
        : List.of(toolSecret.getMetadata().getNamespace());
  }

  private static String sourceName(ToolSecret toolSecret) {
    var spec = toolSecret.getSpec();
    if (spec == null || spec.getValueFrom() == null) {
      return null;
    }
    var ref = spec.getValueFrom().getSecretKeyRef();
    return ref == null ? null : ref.getName();
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  public synchronized void start() {
    super.start();
    executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "keyward-source-watch");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public synchronized void stop() {
    super.stop();
    if (executor != null) {
      executor.shutdownNow();
    }
    watches.values().forEach(NamespaceSecretWatch::close);
    watches.clear();
  }

  /**
   * Opens the namespace's watch when one of its ToolSecrets uses {@code valueFrom} and none is
   * open, and closes it when none does any more. Cheap; called at each reconcile.
   */
  void follow(String namespace) {
    NamespaceSecretWatch opened = null;
    synchronized (this) {
      if (!isRunning()) {
        return;
      }
      NamespaceSecretWatch current = watches.get(namespace);
      boolean wanted = !primaries.byIndex(BY_NAMESPACE, namespace).isEmpty();
      if (!wanted && current != null) {
        // An index is briefly empty while the cache replaces an object: ask the cache itself.
        wanted =
            primaries.list(namespace, t -> !sourceNamespaces(t).isEmpty()).findAny().isPresent();
      }
      if (wanted && current == null) {
        opened = new NamespaceSecretWatch(namespace, client, watchHttp, executor, owner);
        watches.put(namespace, opened);
      } else if (!wanted && current != null) {
        watches.remove(namespace);
        current.close();
        observer.sourceWatch(namespace, null, false);
        log.info(
            "No ToolSecret in namespace {} uses valueFrom; stopped watching Secrets", namespace);
      }
    }
    if (opened != null) {
      // Before the caller reads its source, so no change falls between the read and the watch.
      opened.openFirst();
    }
  }

  /** Why the namespace's Secrets cannot be watched now, or empty when they are (or need not be). */
  Optional<String> problem(String namespace) {
    NamespaceSecretWatch watch = watches.get(namespace);
    return watch == null ? Optional.empty() : Optional.ofNullable(watch.problem());
  }

  @Override
  public Status getStatus() {
    return watches.values().stream().anyMatch(w -> w.problem() != null)
        ? Status.UNHEALTHY
        : Status.HEALTHY;
  }

  private final NamespaceSecretWatch.Owner owner =
      new NamespaceSecretWatch.Owner() {
        @Override
        public void changed(String namespace, String name) {
          primaries.byIndex(BY_SOURCE, key(namespace, name)).stream()
              .map(ResourceID::fromResource)
              .forEach(SourceSecretWatch.this::propagateEvent);
        }

        @Override
        public void state(String namespace, String problem) {
          observer.sourceWatch(namespace, problem, true);
        }

        @Override
        public void reread(String namespace) {
          primaries.byIndex(BY_NAMESPACE, namespace).stream()
              .map(ResourceID::fromResource)
              .forEach(SourceSecretWatch.this::propagateEvent);
        }

        @Override
        public boolean running() {
          return isRunning();
        }
      };

  /** How often a valueFrom source is re-read while its namespace's Secrets cannot be watched. */
  static final Duration SOURCE_REREAD = Duration.ofMinutes(1);

  private Optional<String> problemFor(ToolSecret toolSecret) {
    return sourceKeys(toolSecret).isEmpty()
        ? Optional.empty()
        : problem(toolSecret.getMetadata().getNamespace());
  }

  /** The status, with {@code SourceWatched=False} while the ToolSecret's source is unwatched. */
  ToolSecretStatus annotate(ToolSecret toolSecret, ToolSecretStatus status, Instant now) {
    return problemFor(toolSecret)
        .map(p -> ToolSecretStatuses.sourceUnwatched(toolSecret, status, p, SOURCE_REREAD, now))
        .orElse(status);
  }

  /** When to look again: no later than {@link #SOURCE_REREAD} while the source is unwatched. */
  Duration recheck(ToolSecret toolSecret, Duration recheck) {
    return problemFor(toolSecret).isPresent()
            && (recheck == null || recheck.compareTo(SOURCE_REREAD) > 0)
        ? SOURCE_REREAD
        : recheck;
  }
}
