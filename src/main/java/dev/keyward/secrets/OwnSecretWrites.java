package dev.keyward.secrets;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnAddFilter;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Tells a Secret informer's events caused by the operator's own writes from everyone else's, so
 * that a write does not reconcile its owner a second time.
 *
 * <p>JOSDK recognises an own write once it has been told of it ({@code handleRecentResourceUpdate},
 * after the write's answer), and only by resourceVersion. The watch event often comes first: the
 * operator handles watch events on the HTTP event loop as they arrive, while the answer to the
 * write has to wake the reconcile thread that sent it. Such an event then queues a reconcile that
 * finds nothing to do: one reconcile in six for new keys in the benchmark, more in a rotation storm
 * and on a real API server (docs/performance.md). So the operator notes each Secret it is about to
 * write, and the informer's filters drop the first event that shows exactly that Secret (data,
 * type, labels, annotations, owner references): it reconciles nothing that is not already known.
 * Any other event goes through as before, and so does a delete. Once the write has returned and
 * JOSDK holds its answer, the note is dropped (JOSDK recognises the event from then on); when JOSDK
 * does not (its informer had the event already, and the event is on its way to the filters), the
 * note stays for the filter to take. So notes are held only for writes in flight.
 */
public final class OwnSecretWrites {

  /** Per Secret, the one write in flight. */
  private final Map<ResourceID, Secret> pending = new ConcurrentHashMap<>();

  /** Notes {@code desired} before it is written. */
  public void writing(Secret desired) {
    pending.put(ResourceID.fromResource(desired), desired);
  }

  /**
   * The write of {@code desired} returned {@code written} (null when it failed) and JOSDK was told
   * of it. Unless JOSDK now shows exactly that answer ({@code cache}: JOSDK's view of the Secret,
   * its recent writes first), the event may still be on its way to the filters and the note stays.
   */
  public void done(Secret desired, Secret written, Function<ResourceID, Optional<Secret>> cache) {
    ResourceID id = ResourceID.fromResource(desired);
    if (written == null || cache.apply(id).filter(s -> s == written).isPresent()) {
      pending.remove(id, desired);
    }
  }

  /** True, once, for the event that shows a noted write. */
  boolean isOwn(Secret seen) {
    ResourceID id = ResourceID.fromResource(seen);
    Secret noted = pending.get(id);
    return noted != null && ManagedSecrets.upToDate(seen, noted) && pending.remove(id, noted);
  }

  /** The informer's add filter: everything but the event of a noted create. */
  public OnAddFilter<Secret> onAdd() {
    return secret -> !isOwn(secret);
  }

  /** The informer's update filter: everything but the event of a noted update. */
  public OnUpdateFilter<Secret> onUpdate() {
    return (secret, old) -> !isOwn(secret);
  }

  /** Writes noted and not done (for tests). */
  int pending() {
    return pending.size();
  }
}
