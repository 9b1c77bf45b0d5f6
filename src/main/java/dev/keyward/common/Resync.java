package dev.keyward.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.stream.Stream;

/**
 * An event source that asks the controller to look at resources again (all after the clock jumped,
 * or one whose neighbour changed), and the controller's cache as metrics read it.
 */
public final class Resync<P extends HasMetadata> extends SimpleInboundEventSource<P> {

  private volatile IndexerResourceCache<P> primaries;

  public Resync(String name) {
    super(name);
  }

  /** The controller's cache of primary resources, once its event sources are prepared. */
  public void watching(IndexerResourceCache<P> cache) {
    this.primaries = cache;
  }

  /** The resources as the informer cache holds them now. */
  public Stream<P> cached() {
    IndexerResourceCache<P> cache = primaries;
    return cache == null ? Stream.empty() : cache.list();
  }

  /** Re-evaluates every resource now. */
  public void all() {
    cached().map(ResourceID::fromResource).forEach(this::propagateEvent);
  }

  /** Re-evaluates the resource {@code namespace/name} now. */
  public void one(String id) {
    int slash = id.indexOf('/');
    propagateEvent(new ResourceID(id.substring(slash + 1), id.substring(0, slash)));
  }

  /** Whether the cache holds the resource {@code namespace/name}. */
  public boolean has(String id) {
    IndexerResourceCache<P> cache = primaries;
    int slash = id.indexOf('/');
    return cache != null
        && cache.get(new ResourceID(id.substring(slash + 1), id.substring(0, slash))).isPresent();
  }

  /** Re-evaluates one resource now. */
  public void one(HasMetadata resource) {
    propagateEvent(ResourceID.fromResource(resource));
  }
}
