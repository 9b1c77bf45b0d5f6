package dev.keyward.toolsecret;

import dev.keyward.apikey.KeyFormat;
import dev.keyward.common.Conditions;
import dev.keyward.common.EventRecorder;
import dev.keyward.common.SpecProblem;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.sealing.UnsealException;
import dev.keyward.sealing.UnsealFailure;
import dev.keyward.sealing.Unsealed;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.secrets.SecretConflictException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens each ToolSecret's value (sealed, or from a Secret), writes it to the ToolSecret's own
 * Secret, and keeps the namespace's tool index Secret in step. Own Secret first, index second,
 * status last; everything a reconcile writes can be recomputed from the ToolSecrets and their
 * Secrets, so a crash in between loses nothing.
 *
 * <p>Index writes for one namespace are serialised in this process; each reconcile rebuilds the
 * whole index from the informer caches, so the index never depends on the order of events. A
 * finalizer takes a deleted ToolSecret's value out of the index before the object goes.
 */
@ControllerConfiguration(name = ToolSecretReconciler.NAME)
public class ToolSecretReconciler implements Reconciler<ToolSecret>, Cleaner<ToolSecret> {

  public static final String NAME = "toolsecret";
  private static final Logger log = LoggerFactory.getLogger(ToolSecretReconciler.class);
  static final Duration CONFLICT_RECHECK = Duration.ofMinutes(5);
  static final String BY_NAMESPACE = "keyward-namespace";

  /** How often a valueFrom source is re-read while its namespace's Secrets cannot be watched. */
  static final Duration SOURCE_REREAD = Duration.ofMinutes(1);

  /** What the controller needs from the outside. */
  public record Settings(
      Clock clock,
      EventRecorder events,
      SealingKeyStore sealingKeys,
      String indexName,
      long quotaBytes,
      ToolSecretObserver observer) {}

  private final Settings settings;
  private final Clock clock;
  private final EventRecorder events;
  private final Map<String, Object> namespaceLocks = new ConcurrentHashMap<>();
  private final SimpleInboundEventSource<ToolSecret> resync =
      new SimpleInboundEventSource<>("toolsecret-resync");
  private InformerEventSource<Secret, ToolSecret> values;
  private InformerEventSource<Secret, ToolSecret> indexes;
  private IndexerResourceCache<ToolSecret> primaries;
  private SourceSecretWatch sources;

  public ToolSecretReconciler(Settings settings) {
    this.settings = settings;
    this.clock = settings.clock();
    this.events = settings.events();
  }

  @Override
  public List<EventSource<?, ToolSecret>> prepareEventSources(
      EventSourceContext<ToolSecret> context) {
    primaries = context.getPrimaryCache();
    primaries.addIndexer(BY_NAMESPACE, t -> List.of(t.getMetadata().getNamespace()));
    primaries.addIndexer(SourceSecretWatch.BY_SOURCE, SourceSecretWatch::sourceKeys);
    primaries.addIndexer(SourceSecretWatch.BY_NAMESPACE, SourceSecretWatch::sourceNamespaces);
    values =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ToolSecret.class)
                .withName("toolsecret-values")
                .withLabelSelector(ToolValueSecret.LABEL)
                .withSecondaryToPrimaryMapper(
                    s ->
                        Set.of(
                            new ResourceID(
                                s.getMetadata().getLabels().get(ToolValueSecret.LABEL),
                                s.getMetadata().getNamespace())))
                .build(),
            context);
    indexes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ToolSecret.class)
                .withName("toolsecret-indexes")
                .withLabelSelector(ToolIndexSecret.LABEL)
                .withSecondaryToPrimaryMapper(s -> namespaceMembers(s.getMetadata().getNamespace()))
                .build(),
            context);
    sources = new SourceSecretWatch(context.getClient(), primaries, settings.observer());
    return List.of(values, indexes, sources, resync);
  }

  private Set<ResourceID> namespaceMembers(String namespace) {
    Set<ResourceID> ids = new java.util.HashSet<>();
    for (ToolSecret t : primaries.byIndex(BY_NAMESPACE, namespace)) {
      ids.add(ResourceID.fromResource(t));
    }
    return ids;
  }

  /** The ToolSecrets as the informer cache holds them now. */
  public Stream<ToolSecret> cached() {
    return primaries == null ? Stream.empty() : primaries.list();
  }

  /** Re-evaluates every ToolSecret now, e.g. after the clock jumped. */
  public void resyncAll() {
    if (primaries != null) {
      primaries.list().map(ResourceID::fromResource).forEach(resync::propagateEvent);
    }
  }

  @Override
  public UpdateControl<ToolSecret> reconcile(ToolSecret toolSecret, Context<ToolSecret> context) {
    sources.follow(toolSecret.getMetadata().getNamespace());
    UpdateControl<ToolSecret> control = reconcileValue(toolSecret, context);
    if (sourceProblem(toolSecret).isPresent()) {
      var delay = control.getScheduleDelay();
      if (delay.isEmpty() || delay.get() > SOURCE_REREAD.toMillis()) {
        control.rescheduleAfter(SOURCE_REREAD);
      }
    }
    return control;
  }

  private java.util.Optional<String> sourceProblem(ToolSecret toolSecret) {
    return SourceSecretWatch.sourceKeys(toolSecret).isEmpty()
        ? java.util.Optional.empty()
        : sources.problem(toolSecret.getMetadata().getNamespace());
  }

  private UpdateControl<ToolSecret> reconcileValue(
      ToolSecret toolSecret, Context<ToolSecret> context) {
    Instant now = clock.instant();
    String namespace = toolSecret.getMetadata().getNamespace();
    KubernetesClient client = context.getClient();
    ToolSecretPolicy.Checked checked = ToolSecretPolicy.from(toolSecret, settings.indexName());
    if (checked.problem() != null) {
      synchronized (lock(namespace)) {
        refreshIndex(client, namespace, now);
      }
      return failed(toolSecret, defaultSecretName(toolSecret), checked.problem(), now);
    }
    ToolSecretPolicy policy = checked.policy();
    Secret observed =
        ManagedSecrets.observe(client, values, new ResourceID(policy.secretName(), namespace));
    if (observed != null && !ManagedSecrets.isControlledBy(observed, toolSecret)) {
      return conflict(toolSecret, policy, ManagedSecrets.conflict(observed, toolSecret), now);
    }
    ToolValueSecret.State before = ToolValueSecret.read(observed, policy);

    if (policy.revoked() || policy.expired(now)) {
      return ended(toolSecret, policy, observed, before, client, now);
    }

    Opened opened;
    try {
      opened = open(toolSecret, policy, client);
    } catch (ValueProblem problem) {
      synchronized (lock(namespace)) {
        takeValueAway(toolSecret, policy, observed, client, now, null);
        refreshIndex(client, namespace, now);
      }
      if (problem.failure != null && !alreadyReported(toolSecret, problem.problem)) {
        settings.observer().unsealFailed(toolSecret, problem.failure);
      }
      return failed(toolSecret, policy.secretName(), problem.problem, now);
    }

    String fingerprint = KeyFormat.fingerprint(opened.value());
    IndexResult index;
    synchronized (lock(namespace)) {
      if (!fitsQuota(toolSecret, policy, before, opened.value(), namespace, now)) {
        takeValueAway(toolSecret, policy, observed, client, now, null);
        refreshIndex(client, namespace, now);
        return failed(
            toolSecret,
            policy.secretName(),
            new SpecProblem(
                "PayloadTooLarge",
                String.format(
                    "The tool values of namespace %s would pass their quota of %d bytes with this"
                        + " value (%d bytes); nothing of it was written. Remove or shorten other"
                        + " ToolSecrets, or raise the operator's --namespace-quota",
                    namespace,
                    settings.quotaBytes(),
                    opened.value().getBytes(StandardCharsets.UTF_8).length)),
            now);
      }
      Secret desired =
          ManagedSecrets.desired(
              toolSecret,
              observed,
              policy.secretName(),
              Map.of(policy.dataKey(), opened.value()),
              ToolValueSecret.labels(toolSecret, policy),
              ToolValueSecret.holding(policy, before, fingerprint, opened.keyId(), now));
      if (!ManagedSecrets.upToDate(observed, desired)) {
        try {
          observed = ManagedSecrets.write(client, values, toolSecret, observed, desired);
        } catch (SecretConflictException e) {
          return conflict(toolSecret, policy, e, now);
        }
        if (!fingerprint.equals(before.fingerprint()) || before.value() == null) {
          announceValue(toolSecret, policy, opened, before.value() == null);
        }
      }
      index = refreshIndex(client, namespace, now);
    }
    if (index.conflict() != null) {
      return failed(
              toolSecret,
              policy.secretName(),
              new SpecProblem("IndexConflict", index.conflict()),
              now)
          .rescheduleAfter(CONFLICT_RECHECK);
    }
    nudgeChangedConflicts(index.index(), toolSecret);
    String defaultConflict =
        index.index().defaultConflicts().get(toolSecret.getMetadata().getName());
    ToolSecretStatus status =
        ToolSecretStatuses.active(
            toolSecret,
            policy,
            ToolValueSecret.read(observed, policy),
            settings.indexName(),
            defaultConflict,
            now);
    if (defaultConflict != null) {
      warnOnce(
          toolSecret,
          new SpecProblem("DefaultConflict", status.getConditions().get(0).getMessage()));
    }
    UpdateControl<ToolSecret> control = statusUpdate(toolSecret, status);
    return policy.expiresAt().isPresent()
        ? control.rescheduleAfter(delayUntil(now, policy.expiresAt().get()))
        : control;
  }

  @Override
  public DeleteControl cleanup(ToolSecret toolSecret, Context<ToolSecret> context) {
    String namespace = toolSecret.getMetadata().getNamespace();
    IndexResult index;
    synchronized (lock(namespace)) {
      index = refreshIndex(context.getClient(), namespace, clock.instant());
    }
    nudgeChangedConflicts(index.index(), toolSecret);
    sources.follow(namespace);
    settings.observer().deleted(toolSecret);
    return DeleteControl.defaultDelete();
  }

  private UpdateControl<ToolSecret> ended(
      ToolSecret toolSecret,
      ToolSecretPolicy policy,
      Secret observed,
      ToolValueSecret.State before,
      KubernetesClient client,
      Instant now) {
    boolean revoked = policy.revoked();
    synchronized (lock(toolSecret.getMetadata().getNamespace())) {
      takeValueAway(
          toolSecret,
          policy,
          observed,
          client,
          now,
          revoked ? ToolValueSecret.REVOKED_AT : ToolValueSecret.EXPIRED_AT);
      refreshIndex(client, toolSecret.getMetadata().getNamespace(), now);
    }
    ToolSecretStatus status = ToolSecretStatuses.ended(toolSecret, policy, revoked, now);
    if (before.value() != null || !Objects.equals(phase(toolSecret), status.getPhase())) {
      String message = status.getConditions().get(0).getMessage();
      events.normal(toolSecret, revoked ? "Revoked" : "Expired", message);
      log.info("ToolSecret {}: {}", id(toolSecret), message);
    }
    return statusUpdate(toolSecret, status);
  }

  /** Removes the value from the ToolSecret's own Secret, if it holds one. */
  private void takeValueAway(
      ToolSecret toolSecret,
      ToolSecretPolicy policy,
      Secret observed,
      KubernetesClient client,
      Instant now,
      String marker) {
    if (observed == null) {
      return;
    }
    Secret desired =
        ManagedSecrets.desired(
            toolSecret,
            observed,
            policy.secretName(),
            Map.of(),
            ToolValueSecret.labels(toolSecret, policy),
            ToolValueSecret.emptied(policy, observed, marker, now));
    if (!ManagedSecrets.upToDate(observed, desired)) {
      try {
        ManagedSecrets.write(client, values, toolSecret, observed, desired);
      } catch (SecretConflictException e) {
        // Checked by the caller before; a foreign Secret is never written.
      }
    }
  }

  private record Opened(String value, String keyId) {
    @Override
    public String toString() {
      return "Opened[keyId=" + keyId + "]";
    }
  }

  /** The value could not be opened or read; {@code failure} is set for sealed values. */
  private static final class ValueProblem extends Exception {
    final transient SpecProblem problem;
    final UnsealFailure failure;

    ValueProblem(SpecProblem problem, UnsealFailure failure) {
      super(problem.reason(), null, false, false);
      this.problem = problem;
      this.failure = failure;
    }
  }

  private Opened open(ToolSecret toolSecret, ToolSecretPolicy policy, KubernetesClient client)
      throws ValueProblem {
    String namespace = toolSecret.getMetadata().getNamespace();
    String value;
    String keyId = null;
    if (policy.sealed()) {
      Unsealed unsealed;
      try {
        unsealed = unseal(policy.encryptedValue(), namespace, toolSecret.getMetadata().getName());
      } catch (UnsealException e) {
        throw new ValueProblem(new SpecProblem(e.failure().reason(), e.getMessage()), e.failure());
      }
      value = unsealed.value();
      keyId = unsealed.keyId();
    } else {
      Secret source = client.secrets().inNamespace(namespace).withName(policy.sourceName()).get();
      if (source == null) {
        throw new ValueProblem(
            new SpecProblem(
                "SourceSecretNotFound",
                String.format(
                    "Secret %s named by spec.valueFrom.secretKeyRef does not exist in namespace"
                        + " %s; Keyward picks the value up as soon as it is created",
                    policy.sourceName(), namespace)),
            null);
      }
      value = ManagedSecrets.decodedData(source).get(policy.sourceKey());
      if (value == null) {
        throw new ValueProblem(
            new SpecProblem(
                "SourceKeyNotFound",
                String.format(
                    "Secret %s has no data key %s (spec.valueFrom.secretKeyRef.key); Keyward picks"
                        + " the value up as soon as the key is added",
                    policy.sourceName(), policy.sourceKey())),
            null);
      }
    }
    var lengthProblem = ToolSecretPolicy.checkValue(value);
    if (lengthProblem.isPresent()) {
      throw new ValueProblem(lengthProblem.get(), null);
    }
    return new Opened(value, keyId);
  }

  private Unsealed unseal(String encryptedValue, String namespace, String name)
      throws UnsealException {
    try {
      return settings.sealingKeys().current().unseal(encryptedValue, namespace, name);
    } catch (UnsealException e) {
      if (e.failure() != UnsealFailure.UNKNOWN_SEALING_KEY) {
        throw e;
      }
      // Another replica may have added a key since this one last read the keyset.
      return settings.sealingKeys().refresh().unseal(encryptedValue, namespace, name);
    }
  }

  private boolean fitsQuota(
      ToolSecret toolSecret,
      ToolSecretPolicy policy,
      ToolValueSecret.State before,
      String value,
      String namespace,
      Instant now) {
    String name = toolSecret.getMetadata().getName();
    List<NamespaceQuota.Candidate> candidates = new ArrayList<>();
    for (ToolIndexSecret.Member member : members(namespace, now)) {
      if (!member.toolSecret().getMetadata().getName().equals(name)) {
        candidates.add(
            new NamespaceQuota.Candidate(
                member.toolSecret().getMetadata().getName(),
                bytes(member.value()),
                true,
                createdAt(member.toolSecret())));
      }
    }
    boolean unchanged = value.equals(before.value());
    candidates.add(
        new NamespaceQuota.Candidate(name, bytes(value), unchanged, createdAt(toolSecret)));
    return NamespaceQuota.admitted(candidates, settings.quotaBytes()).contains(name);
  }

  /** The index as it should be, and a message when a foreign Secret holds the index's name. */
  private record IndexResult(ToolIndex index, String conflict) {}

  /** Rebuilds the namespace's tool index from the caches and writes it when it differs. */
  private IndexResult refreshIndex(KubernetesClient client, String namespace, Instant now) {
    List<ToolIndexSecret.Member> members = members(namespace, now);
    ToolIndex index = ToolIndexSecret.index(members);
    String name = settings.indexName();
    Secret observed =
        indexes
            .get(new ResourceID(name, namespace))
            .orElseGet(() -> client.secrets().inNamespace(namespace).withName(name).get());
    if (observed != null && !ToolIndexSecret.isOurs(observed)) {
      return new IndexResult(
          index,
          String.format(
              "Secret %s exists and is not Keyward's tool index; Keyward never overwrites it."
                  + " Delete or rename it, or run the operator with another --tool-index-name",
              name));
    }
    if (members.isEmpty()) {
      if (observed != null) {
        client.secrets().resource(observed).delete();
      }
      return new IndexResult(index, null);
    }
    Secret desired = ToolIndexSecret.desired(namespace, name, observed, members, index);
    ResourceID id = new ResourceID(name, namespace);
    if (observed == null) {
      Secret created = client.secrets().resource(desired).create();
      indexes.handleRecentResourceCreate(id, created);
    } else if (!ManagedSecrets.upToDate(observed, desired)) {
      desired.getMetadata().setResourceVersion(observed.getMetadata().getResourceVersion());
      Secret updated = client.secrets().resource(desired).update();
      indexes.handleRecentResourceUpdate(id, updated, observed);
    }
    return new IndexResult(index, null);
  }

  /**
   * The ToolSecrets of a namespace whose value is served: valid spec, not revoked or expired, not
   * being deleted, and their own Secret holds the value.
   */
  private List<ToolIndexSecret.Member> members(String namespace, Instant now) {
    List<ToolIndexSecret.Member> members = new ArrayList<>();
    for (ToolSecret t : primaries.byIndex(BY_NAMESPACE, namespace)) {
      if (t.isMarkedForDeletion()) {
        continue;
      }
      ToolSecretPolicy policy = ToolSecretPolicy.from(t, settings.indexName()).policy();
      if (policy == null || policy.revoked() || policy.expired(now)) {
        continue;
      }
      Secret own = values.get(new ResourceID(policy.secretName(), namespace)).orElse(null);
      if (own == null || !ManagedSecrets.isControlledBy(own, t)) {
        continue;
      }
      String value = ManagedSecrets.decodedData(own).get(policy.dataKey());
      if (value != null) {
        members.add(new ToolIndexSecret.Member(t, policy, value));
      }
    }
    members.sort(
        (a, b) ->
            a.toolSecret()
                .getMetadata()
                .getName()
                .compareTo(b.toolSecret().getMetadata().getName()));
    return members;
  }

  /** Other ToolSecrets whose default conflict appeared or went away re-evaluate their status. */
  private void nudgeChangedConflicts(ToolIndex index, ToolSecret current) {
    Map<String, String> conflicts = index.defaultConflicts();
    for (ToolSecret t : primaries.byIndex(BY_NAMESPACE, current.getMetadata().getNamespace())) {
      if (t.getMetadata().getName().equals(current.getMetadata().getName())) {
        continue;
      }
      boolean reported = "DefaultConflict".equals(readyReason(t));
      boolean conflicting = conflicts.containsKey(t.getMetadata().getName());
      if (reported != conflicting && ToolSecretStatuses.ACTIVE.equals(phase(t))) {
        resync.propagateEvent(ResourceID.fromResource(t));
      }
    }
  }

  private void announceValue(
      ToolSecret toolSecret, ToolSecretPolicy policy, Opened opened, boolean first) {
    String message =
        (first ? "Wrote the value into Secret " : "Updated the value in Secret ")
            + policy.secretName()
            + (opened.keyId() == null
                ? " from Secret " + policy.sourceName()
                : " (opened with sealing key " + opened.keyId() + ")");
    events.normal(toolSecret, first ? "ValueWritten" : "ValueUpdated", message);
    log.info("ToolSecret {}: {}", id(toolSecret), message);
  }

  private UpdateControl<ToolSecret> failed(
      ToolSecret toolSecret, String secretName, SpecProblem problem, Instant now) {
    warnOnce(toolSecret, problem);
    return statusUpdate(
        toolSecret, ToolSecretStatuses.failed(toolSecret, secretName, problem, now));
  }

  /** The target Secret is not ours: never written; looked at again now and then. */
  private UpdateControl<ToolSecret> conflict(
      ToolSecret toolSecret, ToolSecretPolicy policy, SecretConflictException e, Instant now) {
    return failed(
            toolSecret, policy.secretName(), new SpecProblem("SecretConflict", e.getMessage()), now)
        .rescheduleAfter(CONFLICT_RECHECK);
  }

  private boolean alreadyReported(ToolSecret toolSecret, SpecProblem problem) {
    return toolSecret.getStatus() != null
        && Conditions.alreadyReported(
            toolSecret.getStatus().getConditions(),
            problem.reason(),
            problem.message(),
            toolSecret.getMetadata().getGeneration());
  }

  /** A Warning Event for a problem, once: not again while status already reports it. */
  private void warnOnce(ToolSecret toolSecret, SpecProblem problem) {
    if (!alreadyReported(toolSecret, problem)) {
      events.warning(toolSecret, problem.reason(), problem.message());
      log.info("ToolSecret {}: {}: {}", id(toolSecret), problem.reason(), problem.message());
    }
  }

  private UpdateControl<ToolSecret> statusUpdate(ToolSecret toolSecret, ToolSecretStatus status) {
    var sourceProblem = sourceProblem(toolSecret);
    if (sourceProblem.isPresent()) {
      status =
          ToolSecretStatuses.sourceUnwatched(
              toolSecret, status, sourceProblem.get(), SOURCE_REREAD, clock.instant());
    }
    settings.observer().observed(toolSecret, status);
    if (status.equals(toolSecret.getStatus())) {
      return UpdateControl.noUpdate();
    }
    toolSecret.setStatus(status);
    return UpdateControl.patchStatus(toolSecret);
  }

  private Object lock(String namespace) {
    return namespaceLocks.computeIfAbsent(namespace, n -> new Object());
  }

  private static Duration delayUntil(Instant now, Instant then) {
    Duration delay = Duration.between(now, then);
    long seconds = delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
    return Duration.ofSeconds(Math.max(1, seconds));
  }

  private static String defaultSecretName(ToolSecret toolSecret) {
    var spec = toolSecret.getSpec();
    return spec != null && spec.getSecret() != null && spec.getSecret().getName() != null
        ? spec.getSecret().getName()
        : toolSecret.getMetadata().getName();
  }

  private static String phase(ToolSecret t) {
    return t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  private static String readyReason(ToolSecret t) {
    if (t.getStatus() == null) {
      return null;
    }
    var ready = Conditions.find(t.getStatus().getConditions(), Conditions.READY);
    return ready == null ? null : ready.getReason();
  }

  private static int bytes(String value) {
    return value.getBytes(StandardCharsets.UTF_8).length;
  }

  private static Instant createdAt(ToolSecret t) {
    String created = t.getMetadata().getCreationTimestamp();
    return created == null ? Instant.EPOCH : java.time.OffsetDateTime.parse(created).toInstant();
  }

  private static String id(ToolSecret t) {
    return t.getMetadata().getNamespace() + "/" + t.getMetadata().getName();
  }
}
