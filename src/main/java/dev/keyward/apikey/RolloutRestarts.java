package dev.keyward.apikey;

import dev.keyward.common.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts an ApiKey's {@code rolloutRestartTargets} after a new key version, the way {@code
 * kubectl rollout restart} does: by bumping a pod template annotation.
 *
 * <p>Exactly once per key version, without memory: each workload records in its pod template which
 * version of this ApiKey it was restarted for ({@code keyward.dev/key-version-<apikey>}). A target
 * whose record is older than the current version is patched; one that is current is left alone. A
 * restarted operator, a new leader or a repeated reconcile therefore finds the record and does
 * nothing, and a crash between the Secret write and the restart still restarts on the next
 * reconcile. The first version restarts nothing.
 */
final class RolloutRestarts {

  static final String RESTARTED_AT = "keyward.dev/restarted-at";
  static final String VERSION_PREFIX = "keyward.dev/key-version-";
  private static final Logger log = LoggerFactory.getLogger(RolloutRestarts.class);

  private final EventRecorder events;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  RolloutRestarts(EventRecorder events) {
    this.events = events;
  }

  /** The pod template annotation recording the key version a workload was restarted for. */
  static String versionAnnotation(String apiKeyName) {
    String name =
        VERSION_PREFIX.length() - "keyward.dev/".length() + apiKeyName.length() <= 63
            ? apiKeyName
            : sha256(apiKeyName).substring(0, 16);
    return VERSION_PREFIX + name;
  }

  /** Restarts every target not yet restarted for {@code version}. Never fails the key. */
  void restartFor(KubernetesClient client, ApiKey key, KeyPolicy policy, int version, Instant now) {
    if (version < 2 || policy.rolloutTargets().isEmpty()) {
      return;
    }
    String namespace = key.getMetadata().getNamespace();
    String annotation = versionAnnotation(key.getMetadata().getName());
    List<String> restarted = new ArrayList<>();
    for (RolloutTarget target : policy.rolloutTargets()) {
      HasMetadata workload = get(client, namespace, target);
      if (workload == null) {
        String once =
            key.getMetadata().getUid()
                + "/"
                + version
                + "/"
                + target.getKind()
                + "/"
                + target.getName();
        if (warned.add(once)) {
          events.warning(
              key,
              "RolloutTargetNotFound",
              String.format(
                  "%s %s was not found in namespace %s, so it was not restarted for key version %d",
                  target.getKind(), target.getName(), namespace, version));
        }
        continue;
      }
      PodTemplateSpec template = template(workload);
      Map<String, String> annotations =
          template == null || template.getMetadata() == null
              ? null
              : template.getMetadata().getAnnotations();
      if (recorded(annotations, annotation) >= version) {
        continue;
      }
      String patch =
          String.format(
              "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"%s\":\"%s\",\"%s\":\"%d\"}}}}}",
              RESTARTED_AT, now.truncatedTo(ChronoUnit.SECONDS), annotation, version);
      resource(client, namespace, target).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      restarted.add(target.getKind() + " " + target.getName());
    }
    if (!restarted.isEmpty()) {
      String message = "Restarted " + String.join(", ", restarted) + " for key version " + version;
      events.normal(key, "RolloutRestarted", message);
      log.info("ApiKey {}/{}: {}", namespace, key.getMetadata().getName(), message);
    }
  }

  private static int recorded(Map<String, String> annotations, String annotation) {
    if (annotations == null || annotations.get(annotation) == null) {
      return 0;
    }
    try {
      return Integer.parseInt(annotations.get(annotation));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static HasMetadata get(KubernetesClient client, String namespace, RolloutTarget target) {
    return (HasMetadata) resource(client, namespace, target).get();
  }

  @SuppressWarnings("rawtypes")
  private static io.fabric8.kubernetes.client.dsl.Resource resource(
      KubernetesClient client, String namespace, RolloutTarget target) {
    var apps = client.apps();
    return switch (target.getKind()) {
      case "Deployment" -> apps.deployments().inNamespace(namespace).withName(target.getName());
      case "StatefulSet" -> apps.statefulSets().inNamespace(namespace).withName(target.getName());
      case "DaemonSet" -> apps.daemonSets().inNamespace(namespace).withName(target.getName());
      default -> throw new IllegalArgumentException("not a rollout kind: " + target.getKind());
    };
  }

  private static PodTemplateSpec template(HasMetadata workload) {
    if (workload instanceof Deployment d && d.getSpec() != null) {
      return d.getSpec().getTemplate();
    }
    if (workload instanceof StatefulSet s && s.getSpec() != null) {
      return s.getSpec().getTemplate();
    }
    if (workload instanceof DaemonSet d && d.getSpec() != null) {
      return d.getSpec().getTemplate();
    }
    return null;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
