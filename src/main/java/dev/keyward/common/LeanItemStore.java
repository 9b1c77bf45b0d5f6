package dev.keyward.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer cache that keeps what Keyward reads and drops {@code metadata.managedFields}: the API
 * server's field ownership bookkeeping, which Keyward never reads (it does not use server-side
 * apply) and which holds several nested maps per object. An update sent from a cached object
 * carries no managedFields, and the API server then keeps the ones it has.
 */
public final class LeanItemStore<V extends HasMetadata> extends BasicItemStore<V> {

  public LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public V put(String key, V obj) {
    if (obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
