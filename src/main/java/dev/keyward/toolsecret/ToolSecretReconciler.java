package dev.keyward.toolsecret;

import dev.keyward.common.EventRecorder;
import dev.keyward.common.LeanItemStore;
import dev.keyward.common.Resync;
import dev.keyward.common.StatusReporter;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.secrets.SecretConflictException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
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
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Opens each ToolSecret's value (sealed, or from a Secret), writes it to the ToolSecret's own
 * Secret, and keeps the namespace's tool index Secret in step. Gather (policy, own Secret, opened
 * value), decide with {@link ValuePlan}, write own Secret and index under the namespace's lock
 * ({@link NamespaceIndex}), then status. Everything a reconcile writes can be recomputed from the
 * ToolSecrets and their Secrets, so a crash in between loses nothing. A finalizer takes a deleted
 * ToolSecret's value out of the index before the object goes.
 */
@ControllerConfiguration(
    name = ToolSecretReconciler.NAME,
    informer = @Informer(itemStore = LeanItemStore.class))
public class ToolSecretReconciler implements Reconciler<ToolSecret>, Cleaner<ToolSecret> {

  public static final String NAME = "toolsecret";

  /** What the controller needs from the outside. */
  public record Settings(
      Clock clock,
      EventRecorder events,
      SealingKeyStore sealingKeys,
      String indexName,
      boolean indexValues,
      long quotaBytes,
      ToolSecretObserver observer) {}

  private final Settings settings;
  private final StatusReporter<ToolSecret, ToolSecretStatus> report;
  private final ValueSources sources;
  private final Resync<ToolSecret> resync = new Resync<>("toolsecret-resync");
  private InformerEventSource<Secret, ToolSecret> values;
  private SourceSecretWatch sourceWatch;
  private NamespaceIndex index;

  public ToolSecretReconciler(Settings settings) {
    this.settings = settings;
    this.report = new StatusReporter<>(settings.events(), settings.observer()::observed);
    this.sources = new ValueSources(settings.sealingKeys());
  }

  @Override
  public List<EventSource<?, ToolSecret>> prepareEventSources(
      EventSourceContext<ToolSecret> context) {
    IndexerResourceCache<ToolSecret> primaries = context.getPrimaryCache();
    primaries.addIndexer(NamespaceIndex.BY_NAMESPACE, t -> List.of(t.getMetadata().getNamespace()));
    primaries.addIndexer(SourceSecretWatch.BY_SOURCE, SourceSecretWatch::sourceKeys);
    primaries.addIndexer(SourceSecretWatch.BY_NAMESPACE, SourceSecretWatch::sourceNamespaces);
    resync.watching(primaries);
    values = ToolValueSecret.informer(context);
    var indexes = ToolIndexSecret.informer(context, primaries);
    index =
        new NamespaceIndex(
            settings.indexName(), settings.indexValues(), primaries, values, indexes, resync);
    sourceWatch = new SourceSecretWatch(context.getClient(), primaries, settings.observer());
    return List.of(values, indexes, sourceWatch, resync);
  }

  /** Looks at the ToolSecrets again on demand, and shows them as the informer cache holds them. */
  public Resync<ToolSecret> resync() {
    return resync;
  }

  @Override
  public UpdateControl<ToolSecret> reconcile(ToolSecret toolSecret, Context<ToolSecret> context) {
    sourceWatch.follow(toolSecret.getMetadata().getNamespace());
    Instant now = settings.clock().instant();
    KubernetesClient client = context.getClient();
    Gathered gathered = gather(client, toolSecret, now);
    var updated =
        index.update(
            client, toolSecret, now, others -> decideAndWrite(client, gathered, others, now));
    ValuePlan plan = updated.own().plan();
    ToolValueSecret.State after = ToolValueSecret.read(updated.own().secret(), plan.policy());
    ValuePlan.Settled settled =
        plan.settle(
            toolSecret,
            after,
            gathered.seen().before(),
            updated.index(),
            settings.indexName(),
            now);
    return report(toolSecret, plan, settled, now, context);
  }

  /** What a decision needs to know, read before the namespace's lock is taken. */
  private record Gathered(
      ToolSecret toolSecret,
      ToolSecretPolicy.Checked checked,
      Secret observed,
      ValuePlan.Observed seen,
      ValuePlan.Opened opened) {}

  private Gathered gather(KubernetesClient client, ToolSecret toolSecret, Instant now) {
    ToolSecretPolicy.Checked checked = ToolSecretPolicy.from(toolSecret, settings.indexName());
    Secret observed = observe(client, toolSecret, checked.policy());
    ValuePlan.Observed seen = observed(toolSecret, checked.policy(), observed);
    ValuePlan.Opened opened =
        ValuePlan.needsValue(checked, seen, now)
            ? sources.open(toolSecret, checked.policy(), client)
            : ValuePlan.Opened.NOT_OPENED;
    return new Gathered(toolSecret, checked, observed, seen, opened);
  }

  /** Under the namespace's lock: decide, write the own Secret, announce a new value. */
  private Own decideAndWrite(
      KubernetesClient client, Gathered g, List<NamespaceQuota.Candidate> others, Instant now) {
    ToolSecret toolSecret = g.toolSecret();
    ValuePlan plan =
        ValuePlan.decide(
            toolSecret, g.checked(), g.seen(), g.opened(), others, settings.quotaBytes(), now);
    try {
      var written = ToolValueSecret.write(client, values, toolSecret, plan, g.observed(), now);
      if (written.changed() && plan.announcement() != null) {
        report.announce(toolSecret, plan.announcement().reason(), plan.announcement().message());
      }
      return new Own(plan, written.secret());
    } catch (SecretConflictException e) {
      // Created by someone else since it was observed: not ours, never written.
      return new Own(plan.conflicted(e.getMessage()), g.observed());
    }
  }

  /** Metrics, a Warning once, an Event, then status and when to look again. */
  private UpdateControl<ToolSecret> report(
      ToolSecret toolSecret,
      ValuePlan plan,
      ValuePlan.Settled settled,
      Instant now,
      Context<ToolSecret> context) {
    boolean newFailure =
        plan.failure() != null && !report.alreadyReported(toolSecret, plan.problem());
    if (newFailure) {
      settings.observer().unsealFailed(toolSecret, plan.failure());
    }
    if (settled.warning() != null) {
      report.warnOnce(toolSecret, settled.warning());
    }
    if (newFailure) {
      report.remember(toolSecret, plan.problem());
    }
    if (settled.announcement() != null) {
      report.announce(
          toolSecret, settled.announcement().reason(), settled.announcement().message());
    }
    UpdateControl<ToolSecret> control =
        report.update(toolSecret, sourceWatch.annotate(toolSecret, settled.status(), now), context);
    Duration recheck = sourceWatch.recheck(toolSecret, settled.recheck());
    return recheck == null ? control : control.rescheduleAfter(recheck);
  }

  @Override
  public DeleteControl cleanup(ToolSecret toolSecret, Context<ToolSecret> context) {
    index.update(context.getClient(), toolSecret, settings.clock().instant(), others -> null);
    sourceWatch.follow(toolSecret.getMetadata().getNamespace());
    settings.observer().deleted(toolSecret);
    return DeleteControl.defaultDelete();
  }

  private Secret observe(KubernetesClient client, ToolSecret toolSecret, ToolSecretPolicy policy) {
    return policy == null
        ? null
        : ManagedSecrets.observe(
            client,
            values,
            new ResourceID(policy.secretName(), toolSecret.getMetadata().getNamespace()));
  }

  private static ValuePlan.Observed observed(
      ToolSecret toolSecret, ToolSecretPolicy policy, Secret observed) {
    if (observed == null) {
      return ValuePlan.Observed.NOTHING;
    }
    String foreign =
        ManagedSecrets.isControlledBy(observed, toolSecret)
            ? null
            : ManagedSecrets.conflict(observed, toolSecret).getMessage();
    return new ValuePlan.Observed(foreign, ToolValueSecret.read(observed, policy));
  }

  /** The plan and the own Secret as it is after the plan's write. */
  private record Own(ValuePlan plan, Secret secret) {}
}
