package dev.keyward.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An informer cache that keeps what Keyward reads, once.
 *
 * <ul>
 *   <li>It drops {@code metadata.managedFields}: the API server's field ownership bookkeeping,
 *       which Keyward never reads (it does not use server-side apply) and which holds several
 *       nested maps per object. An update sent from a cached object carries no managedFields, and
 *       the API server then keeps the ones it has.
 *   <li>Of Keyward's own kinds (ApiKey, ToolSecret, ToolGrant) it drops kubectl's {@code
 *       kubectl.kubernetes.io/last-applied-configuration} annotation: a copy of the whole manifest
 *       as applied, which the operator never reads. It never writes a cached object of these kinds
 *       back (status goes as a JSON Patch addressed by name), so the annotation stays on the API
 *       server as it is. Secrets keep theirs: a Secret is updated from what the cache shows.
 *   <li>It shares equal strings between cached objects ({@link String#intern}, which the JVM drops
 *       again once nothing refers to them): every object repeats its namespace, apiVersion, kind,
 *       label values and condition reasons, and an ApiKey's status repeats its Secret's annotations
 *       (hash, fingerprint, times) and the owner name and uid. Each watch event decodes them into
 *       new strings; kept as they come, they were about a fifth of the heap Keyward holds per key.
 *       Secret values are never shared: they stay in the Secret alone.
 * </ul>
 */
public final class LeanItemStore<V extends HasMetadata> extends BasicItemStore<V> {

  /**
   * kubectl's copy of the manifest it applied, on every object created by {@code kubectl apply}.
   */
  public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  /** Longer strings (a last-applied-configuration annotation) are unique: not worth a lookup. */
  private static final int LONGEST_SHARED = 256;

  public LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public V put(String key, V obj) {
    if (obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
      share(obj.getMetadata(), obj instanceof CustomResource<?, ?>);
    }
    obj.setApiVersion(shared(obj.getApiVersion()));
    if (obj instanceof Secret secret) {
      secret.setKind(shared(secret.getKind()));
      secret.setType(shared(secret.getType()));
      secret.setAdditionalProperties(lean(secret.getAdditionalProperties()));
    }
    if (obj instanceof CustomResource<?, ?> resource
        && resource.getStatus() instanceof HasConditions status) {
      status.shareStrings(LeanItemStore::shared);
    }
    return super.put(key, obj);
  }

  /** The one instance of an equal string that cached objects share. */
  public static String shared(String value) {
    return value == null || value.length() > LONGEST_SHARED ? value : value.intern();
  }

  /**
   * One empty map for every cached object without unknown fields, instead of an empty map each
   * (fabric8's model objects allocate one per object). Cached objects are never changed: a change
   * starts from a copy.
   */
  public static Map<String, Object> lean(Map<String, Object> additionalProperties) {
    return additionalProperties == null || additionalProperties.isEmpty()
        ? Map.of()
        : additionalProperties;
  }

  private static void share(ObjectMeta meta, boolean withoutLastApplied) {
    meta.setAdditionalProperties(lean(meta.getAdditionalProperties()));
    meta.setName(shared(meta.getName()));
    meta.setNamespace(shared(meta.getNamespace()));
    meta.setUid(shared(meta.getUid()));
    meta.setCreationTimestamp(shared(meta.getCreationTimestamp()));
    meta.setLabels(sharedValues(meta.getLabels()));
    Map<String, String> annotations = meta.getAnnotations();
    if (withoutLastApplied && annotations != null && annotations.containsKey(LAST_APPLIED)) {
      annotations = new LinkedHashMap<>(annotations);
      annotations.remove(LAST_APPLIED);
      annotations = annotations.isEmpty() ? null : annotations;
    }
    meta.setAnnotations(sharedValues(annotations));
    if (meta.getFinalizers() != null) {
      meta.setFinalizers(
          meta.getFinalizers().stream()
              .map(LeanItemStore::shared)
              .collect(Collectors.toCollection(ArrayList::new)));
    }
    if (meta.getOwnerReferences() != null) {
      meta.setOwnerReferences(new ArrayList<>(meta.getOwnerReferences()));
      for (OwnerReference owner : meta.getOwnerReferences()) {
        owner.setAdditionalProperties(lean(owner.getAdditionalProperties()));
        owner.setApiVersion(shared(owner.getApiVersion()));
        owner.setKind(shared(owner.getKind()));
        owner.setName(shared(owner.getName()));
        owner.setUid(shared(owner.getUid()));
      }
    }
  }

  private static Map<String, String> sharedValues(Map<String, String> map) {
    if (map == null || map.isEmpty()) {
      return map;
    }
    Map<String, String> shared = new LinkedHashMap<>(map.size() * 4 / 3 + 1);
    map.forEach((k, v) -> shared.put(shared(k), shared(v)));
    return shared;
  }
}
