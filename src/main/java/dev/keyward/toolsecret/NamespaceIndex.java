package dev.keyward.toolsecret;

import dev.keyward.common.Resync;
import dev.keyward.common.StatusReporter;
import dev.keyward.secrets.ManagedSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A namespace's tool index Secret and everything that touches it: the per-namespace lock under
 * which a ToolSecret's own Secret and the index are written, the members (read from the informer
 * caches, so the index never depends on the order of events), the write or delete of the index, and
 * the nudge to siblings whose default conflict appeared or went away.
 */
final class NamespaceIndex {

  static final String BY_NAMESPACE = "keyward-namespace";

  private final String indexName;
  private final boolean indexValues;
  private final IndexerResourceCache<ToolSecret> primaries;
  private final InformerEventSource<Secret, ToolSecret> values;
  private final InformerEventSource<Secret, ToolSecret> indexes;
  private final Resync<ToolSecret> resync;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  NamespaceIndex(
      String indexName,
      boolean indexValues,
      IndexerResourceCache<ToolSecret> primaries,
      InformerEventSource<Secret, ToolSecret> values,
      InformerEventSource<Secret, ToolSecret> indexes,
      Resync<ToolSecret> resync) {
    this.indexName = indexName;
    this.indexValues = indexValues;
    this.primaries = primaries;
    this.values = values;
    this.indexes = indexes;
    this.resync = resync;
  }

  /** What {@link #update} did: the caller's own write, and the index as it now stands. */
  record Updated<T>(T own, ValuePlan.IndexOutcome index) {}

  /**
   * Under the namespace's lock: runs {@code ownWrite} with the namespace's other served values (for
   * the quota), then brings the index in step with the caches; afterwards nudges siblings whose
   * default conflict changed. Own Secret first, index second.
   */
  <T> Updated<T> update(
      KubernetesClient client,
      ToolSecret current,
      Instant now,
      Function<List<NamespaceQuota.Candidate>, T> ownWrite) {
    String namespace = current.getMetadata().getNamespace();
    T own;
    ValuePlan.IndexOutcome outcome;
    synchronized (locks.computeIfAbsent(namespace, n -> new Object())) {
      own = ownWrite.apply(others(namespace, current, now));
      outcome = write(client, namespace, members(namespace, now));
    }
    nudgeChangedConflicts(outcome.index(), current);
    return new Updated<>(own, outcome);
  }

  private List<NamespaceQuota.Candidate> others(String namespace, ToolSecret current, Instant now) {
    List<NamespaceQuota.Candidate> others = new ArrayList<>();
    for (ToolIndexSecret.Member m : members(namespace, now)) {
      if (!m.toolSecret().getMetadata().getName().equals(current.getMetadata().getName())) {
        others.add(
            new NamespaceQuota.Candidate(
                m.toolSecret().getMetadata().getName(),
                m.value().getBytes(StandardCharsets.UTF_8).length,
                true,
                StatusReporter.createdAt(m.toolSecret())));
      }
    }
    return others;
  }

  /**
   * The ToolSecrets of a namespace whose value is served: valid spec, not revoked or expired, not
   * being deleted, and their own Secret holds the value.
   */
  private List<ToolIndexSecret.Member> members(String namespace, Instant now) {
    return ServedValues.of(
        primaries.byIndex(BY_NAMESPACE, namespace),
        id -> values.get(id).orElse(null),
        indexName,
        now);
  }

  /** Writes the index when it differs, deletes it when it has no member; never a foreign one. */
  private ValuePlan.IndexOutcome write(
      KubernetesClient client, String namespace, List<ToolIndexSecret.Member> members) {
    ToolIndex index = ToolIndexSecret.index(members);
    ResourceID id = new ResourceID(indexName, namespace);
    Secret observed = ManagedSecrets.observe(client, indexes, id);
    if (observed != null && !ToolIndexSecret.isOurs(observed)) {
      return new ValuePlan.IndexOutcome(
          index,
          String.format(
              "Secret %s exists and is not Keyward's tool index; Keyward never overwrites it."
                  + " Delete or rename it, or run the operator with another --tool-index-name",
              indexName));
    }
    if (members.isEmpty()) {
      if (observed != null) {
        ManagedSecrets.remove(client, observed);
      }
      return new ValuePlan.IndexOutcome(index, null);
    }
    Secret desired =
        ToolIndexSecret.desired(namespace, indexName, observed, members, index, indexValues);
    if (!ManagedSecrets.upToDate(observed, desired)) {
      ManagedSecrets.put(client, new ManagedSecrets.Told(indexes, id), observed, desired);
    }
    return new ValuePlan.IndexOutcome(index, null);
  }

  /** Other ToolSecrets whose default conflict appeared or went away re-evaluate their status. */
  private void nudgeChangedConflicts(ToolIndex index, ToolSecret current) {
    Map<String, String> conflicts = index.defaultConflicts();
    for (ToolSecret t : primaries.byIndex(BY_NAMESPACE, current.getMetadata().getNamespace())) {
      if (t.getMetadata().getName().equals(current.getMetadata().getName())) {
        continue;
      }
      boolean reported = "DefaultConflict".equals(ToolSecretStatuses.readyReason(t));
      boolean conflicting = conflicts.containsKey(t.getMetadata().getName());
      if (reported != conflicting && ValuePlan.isActive(t)) {
        resync.one(t);
      }
    }
  }
}
