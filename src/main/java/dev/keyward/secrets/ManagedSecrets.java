package dev.keyward.secrets;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.dependent.RecentOperationCacheFiller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The write rules every Keyward controller follows for the Secrets it owns: only write a Secret
 * this resource controls, write only when something differs, lock on resourceVersion, base64 {@code
 * data} (never {@code stringData}), and tell the informer cache about our own writes so they
 * neither trigger a reconcile nor read back stale.
 */
public final class ManagedSecrets {

  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String KEYWARD = "keyward";

  private ManagedSecrets() {}

  public static Map<String, String> managedLabels() {
    return Map.of(MANAGED_BY, KEYWARD);
  }

  /** The Secret's data, decoded. Values that are not valid base64 read as absent. */
  public static Map<String, String> decodedData(Secret secret) {
    Map<String, String> out = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) -> {
                try {
                  out.put(
                      k,
                      new String(
                          Base64.getDecoder().decode(v == null ? "" : v), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                  // Not base64: treated as absent, so the value is replaced.
                }
              });
    }
    return out;
  }

  /**
   * The Secret as it is now: from the informer cache, or, when the cache has none (the Secret is
   * new, or lost the label the informer selects on), read once from the API server so that a Secret
   * that exists is never mistaken for a missing one.
   */
  public static Secret observe(KubernetesClient client, Cache<Secret> cache, ResourceID id) {
    return cache
        .get(id)
        .orElseGet(
            () ->
                client
                    .secrets()
                    .inNamespace(id.getNamespace().orElseThrow())
                    .withName(id.getName())
                    .get());
  }

  /** True when {@code owner} is the controller of {@code secret} (same UID). */
  public static boolean isControlledBy(Secret secret, HasMetadata owner) {
    List<OwnerReference> refs = secret.getMetadata().getOwnerReferences();
    return refs != null
        && refs.stream()
            .anyMatch(
                r ->
                    Boolean.TRUE.equals(r.getController())
                        && Objects.equals(r.getUid(), owner.getMetadata().getUid()));
  }

  /**
   * The Secret as it should be: {@code observed} (when there is one) with Keyward's data, labels
   * and annotations put back. Labels and annotations others added are kept; annotations mapped to
   * null are removed. Data is Keyward's alone.
   */
  public static Secret desired(
      HasMetadata owner,
      Secret observed,
      String name,
      Map<String, String> data,
      Map<String, String> labels,
      Map<String, String> annotations) {
    SecretBuilder builder = observed == null ? new SecretBuilder() : new SecretBuilder(observed);
    Map<String, String> mergedLabels = new LinkedHashMap<>();
    Map<String, String> mergedAnnotations = new LinkedHashMap<>();
    if (observed != null) {
      if (observed.getMetadata().getLabels() != null) {
        mergedLabels.putAll(observed.getMetadata().getLabels());
      }
      if (observed.getMetadata().getAnnotations() != null) {
        mergedAnnotations.putAll(observed.getMetadata().getAnnotations());
      }
    }
    labels.forEach((k, v) -> put(mergedLabels, k, v));
    annotations.forEach((k, v) -> put(mergedAnnotations, k, v));
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return builder
        .editOrNewMetadata()
        .withName(name)
        .withNamespace(owner.getMetadata().getNamespace())
        .withLabels(mergedLabels)
        .withAnnotations(mergedAnnotations)
        .withOwnerReferences(ownerReference(owner))
        .endMetadata()
        .withType(observed == null || observed.getType() == null ? "Opaque" : observed.getType())
        .withData(encoded)
        .withStringData(null)
        .build();
  }

  private static void put(Map<String, String> map, String key, String value) {
    if (value == null) {
      map.remove(key);
    } else {
      map.put(key, value);
    }
  }

  static OwnerReference ownerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .build();
  }

  /** True when writing {@code desired} over {@code observed} would change nothing that matters. */
  public static boolean upToDate(Secret observed, Secret desired) {
    return observed != null
        && Objects.equals(nonNull(observed.getData()), nonNull(desired.getData()))
        && Objects.equals(
            nonNull(observed.getMetadata().getLabels()), nonNull(desired.getMetadata().getLabels()))
        && Objects.equals(
            nonNull(observed.getMetadata().getAnnotations()),
            nonNull(desired.getMetadata().getAnnotations()))
        && Objects.equals(
            observed.getMetadata().getOwnerReferences(), desired.getMetadata().getOwnerReferences())
        && nonNull(observed.getStringData()).isEmpty();
  }

  private static Map<String, String> nonNull(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }

  /**
   * Creates or updates {@code desired}. An update carries the observed resourceVersion, so a write
   * based on a stale read fails with 409 and the reconcile is retried on fresh data.
   *
   * @param cache the informer the Secret is watched through; told about the write
   * @param primary the resource the Secret belongs to
   * @throws SecretConflictException when a Secret with that name exists and is not ours
   */
  public static Secret write(
      KubernetesClient client,
      RecentOperationCacheFiller<Secret> cache,
      HasMetadata primary,
      Secret observed,
      Secret desired)
      throws SecretConflictException {
    if (observed != null && !isControlledBy(observed, primary)) {
      throw conflict(desired, primary);
    }
    // A 409 on create means someone created it meanwhile; the retry observes it and decides again.
    return put(
        client,
        cache == null ? null : new Told(cache, ResourceID.fromResource(primary)),
        observed,
        desired);
  }

  /** An informer cache to tell about a write, and the key it files the Secret under. */
  public record Told(RecentOperationCacheFiller<Secret> cache, ResourceID key) {}

  /**
   * The one way Keyward writes a Secret, owned or not: creates {@code desired} when nothing was
   * observed, else updates it locked on the observed resourceVersion (a stale read fails with 409
   * and is decided again), always base64 {@code data} and never {@code stringData}.
   *
   * @param told the informer cache to tell about the write, or null when none watches it
   */
  public static Secret put(KubernetesClient client, Told told, Secret observed, Secret desired) {
    desired.setStringData(null);
    if (observed == null) {
      desired.getMetadata().setResourceVersion(null);
      Secret created = client.secrets().resource(desired).create();
      if (told != null) {
        told.cache().handleRecentResourceCreate(told.key(), created);
      }
      return created;
    }
    desired.getMetadata().setResourceVersion(observed.getMetadata().getResourceVersion());
    Secret updated = client.secrets().resource(desired).update();
    if (told != null) {
      told.cache().handleRecentResourceUpdate(told.key(), updated, observed);
    }
    return updated;
  }

  /** Deletes a Secret Keyward wrote, only as observed (its uid and resourceVersion). */
  public static void remove(KubernetesClient client, Secret observed) {
    client.secrets().resource(observed).delete();
  }

  public static SecretConflictException conflict(Secret desired, HasMetadata primary) {
    return new SecretConflictException(
        String.format(
            "Secret %s already exists and is not managed by this %s; Keyward never overwrites it."
                + " Delete or rename that Secret, or set spec.secret.name to another name",
            desired.getMetadata().getName(), primary.getKind()));
  }
}
