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
 *
 * <p>ToolGrants use the same mechanism with their own record ({@code
 * keyward.dev/tools-version-<grant>}) and the version their Secret counts each change of the
 * delivered values with.
 */
public final class RolloutRestarts {

  static final String RESTARTED_AT = "keyward.dev/restarted-at";
  static final String VERSION_PREFIX = "keyward.dev/key-version-";
  private static final Logger log = LoggerFactory.getLogger(RolloutRestarts.class);

  private final EventRecorder events;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  public RolloutRestarts(EventRecorder events) {
    this.events = events;
  }

  /** The pod template annotation recording the key version a workload was restarted for. */
  static String versionAnnotation(String apiKeyName) {
    return recordAnnotation(VERSION_PREFIX, apiKeyName);
  }

  /**
   * The pod template annotation {@code prefix + owner}, with the owner's name replaced by a hash
   * when the annotation's name part would pass 63 characters.
   */
  public static String recordAnnotation(String prefix, String ownerName) {
    String name =
        prefix.length() - "keyward.dev/".length() + ownerName.length() <= 63
            ? ownerName
            : sha256(ownerName).substring(0, 16);
    return prefix + name;
  }

  /** Restarts every target not yet restarted for {@code version}. Never fails the key. */
  void restartFor(KubernetesClient client, ApiKey key, KeyPolicy policy, int version, Instant now) {
    restartFor(
        client,
        key,
        policy.rolloutTargets(),
        versionAnnotation(key.getMetadata().getName()),
        version,
        "key version",
        now);
  }

  /**
   * Restarts every target whose record {@code annotation} is older than {@code version}, recording
   * {@code version}; the first version restarts nothing. Never fails the owner.
   *
   * @param what names the version in Events, e.g. "key version"
   */
  public void restartFor(
      KubernetesClient client,
      HasMetadata owner,
      List<RolloutTarget> targets,
      String annotation,
      long version,
      String what,
      Instant now) {
    if (version < 2 || targets == null || targets.isEmpty()) {
      return;
    }
    HasMetadata key = owner;
    String namespace = key.getMetadata().getNamespace();
    List<String> restarted = new ArrayList<>();
    for (RolloutTarget target : targets) {
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
                  "%s %s was not found in namespace %s, so it was not restarted for %s %d",
                  target.getKind(), target.getName(), namespace, what, version));
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
      String message = "Restarted " + String.join(", ", restarted) + " for " + what + " " + version;
      events.normal(key, "RolloutRestarted", message);
      log.info("{} {}/{}: {}", key.getKind(), namespace, key.getMetadata().getName(), message);
    }
  }

  private static long recorded(Map<String, String> annotations, String annotation) {
    if (annotations == null || annotations.get(annotation) == null) {
      return 0;
    }
    try {
      return Long.parseLong(annotations.get(annotation));
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
