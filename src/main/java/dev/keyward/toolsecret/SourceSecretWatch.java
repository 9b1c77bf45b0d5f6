package dev.keyward.toolsecret;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the Secrets that {@code spec.valueFrom} points at. They are not Keyward's, carry no
 * Keyward label and can be any Secret, so they are watched without a cache: each change is mapped
 * to the ToolSecrets naming that Secret and then forgotten. Memory therefore does not grow with the
 * number of Secrets in the cluster, which an informer over all Secrets would.
 */
final class SourceSecretWatch extends SimpleInboundEventSource<ToolSecret> {

  static final String BY_SOURCE = "valueFromSecret";
  private static final Logger log = LoggerFactory.getLogger(SourceSecretWatch.class);
  private static final String ALL = "";

  private final KubernetesClient client;
  private final Set<String> namespaces;
  private final IndexerResourceCache<ToolSecret> primaries;
  private final Map<String, Watch> watches = new ConcurrentHashMap<>();

  /**
   * @param namespaces the watched namespaces; empty means all
   */
  SourceSecretWatch(
      KubernetesClient client, Set<String> namespaces, IndexerResourceCache<ToolSecret> primaries) {
    super("toolsecret-sources");
    this.client = client;
    this.namespaces = namespaces;
    this.primaries = primaries;
  }

  /** The index key of the Secret a ToolSecret reads its value from, if any. */
  static List<String> sourceKeys(ToolSecret toolSecret) {
    var spec = toolSecret.getSpec();
    if (spec == null || spec.getValueFrom() == null) {
      return List.of();
    }
    var ref = spec.getValueFrom().getSecretKeyRef();
    return ref == null || ref.getName() == null
        ? List.of()
        : List.of(key(toolSecret.getMetadata().getNamespace(), ref.getName()));
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  public void start() {
    super.start();
    if (namespaces.isEmpty()) {
      open(ALL);
    } else {
      namespaces.forEach(this::open);
    }
  }

  @Override
  public void stop() {
    super.stop();
    watches.values().forEach(Watch::close);
    watches.clear();
  }

  private void open(String namespace) {
    var secrets =
        namespace.equals(ALL)
            ? client.secrets().inAnyNamespace()
            : client.secrets().inNamespace(namespace);
    watches.put(namespace, secrets.watch(new SourceWatcher(namespace)));
  }

  private final class SourceWatcher implements Watcher<Secret> {
    private final String namespace;

    SourceWatcher(String namespace) {
      this.namespace = namespace;
    }

    @Override
    public void eventReceived(Action action, Secret secret) {
      var labels = secret.getMetadata().getLabels();
      if (labels != null
          && (labels.containsKey(ToolValueSecret.LABEL)
              || labels.containsKey(ToolIndexSecret.LABEL))) {
        return;
      }
      for (ToolSecret t :
          primaries.byIndex(
              BY_SOURCE,
              key(secret.getMetadata().getNamespace(), secret.getMetadata().getName()))) {
        propagateEvent(ResourceID.fromResource(t));
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      if (!isRunning()) {
        return;
      }
      // The watch ended (for example its resourceVersion became too old): open a new one and
      // re-read every source, since changes in between were not seen.
      log.info("Watch on source Secrets ended ({}); watching again", cause.getMessage());
      open(namespace);
      primaries
          .list(t -> !sourceKeys(t).isEmpty())
          .map(ResourceID::fromResource)
          .forEach(SourceSecretWatch.this::propagateEvent);
    }
  }
}
