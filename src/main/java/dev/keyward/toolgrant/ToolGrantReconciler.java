package dev.keyward.toolgrant;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.RolloutRestarts;
import dev.keyward.common.EventRecorder;
import dev.keyward.common.LeanItemStore;
import dev.keyward.common.Resync;
import dev.keyward.common.SpecProblem;
import dev.keyward.common.StatusReporter;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.toolsecret.ServedValues;
import dev.keyward.toolsecret.ToolIndexSecret;
import dev.keyward.toolsecret.ToolPattern;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolValueSecret;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Delivers each ToolGrant's values: gathers the namespace's ToolSecrets and their values from the
 * informer caches, decides with {@link GrantPlan} (the tool index's resolution rules), writes the
 * grant's own Secret through {@link ManagedSecrets}, restarts the grant's workloads once per change
 * of the delivered values ({@link RolloutRestarts}), then writes status through {@link
 * StatusReporter}. A ToolSecret, or its value Secret, that changes maps to the grants it can
 * concern, so they follow within a watch event.
 */
@ControllerConfiguration(
    name = ToolGrantReconciler.NAME,
    informer = @Informer(itemStore = LeanItemStore.class))
public class ToolGrantReconciler implements Reconciler<ToolGrant> {

  public static final String NAME = "toolgrant";

  /** Label on a grant's Secret: the grant's name. The Secret informer selects on it. */
  public static final String LABEL = "keyward.dev/tool-grant";

  /** Secret annotation: how many times the delivered values changed; workloads restart on it. */
  public static final String VALUES_VERSION = "keyward.dev/values-version";

  /** Pod template annotation prefix recording the values version a workload was restarted for. */
  public static final String RESTART_RECORD_PREFIX = "keyward.dev/tools-version-";

  static final String BY_NAMESPACE = "keyward-grant-namespace";

  /** What the controller needs from the outside. */
  public record Settings(
      Clock clock,
      EventRecorder events,
      String indexName,
      long limitBytes,
      BiConsumer<ToolGrant, ToolGrantStatus> observer) {}

  private final Settings settings;
  private final StatusReporter<ToolGrant, ToolGrantStatus> report;
  private final RolloutRestarts restarts;
  private final Resync<ToolGrant> resync = new Resync<>("toolgrant-resync");
  private IndexerResourceCache<ToolGrant> primaries;
  private InformerEventSource<ToolSecret, ToolGrant> toolSecrets;
  private InformerEventSource<Secret, ToolGrant> values;
  private InformerEventSource<Secret, ToolGrant> own;

  public ToolGrantReconciler(Settings settings) {
    this.settings = settings;
    this.report = new StatusReporter<>(settings.events(), settings.observer());
    this.restarts = new RolloutRestarts(settings.events());
  }

  @Override
  public List<EventSource<?, ToolGrant>> prepareEventSources(
      EventSourceContext<ToolGrant> context) {
    primaries = context.getPrimaryCache();
    primaries.addIndexer(BY_NAMESPACE, g -> List.of(g.getMetadata().getNamespace()));
    resync.watching(primaries);
    toolSecrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ToolSecret.class, ToolGrant.class)
                .withName("toolgrant-toolsecrets")
                .withItemStore(new LeanItemStore<>())
                .withPrimaryToSecondaryMapper((ToolGrant g) -> usedToolSecrets(g))
                .withSecondaryToPrimaryMapper(
                    t -> affected(t.getMetadata().getNamespace(), t.getMetadata().getName(), t))
                .build(),
            context);
    values =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ToolGrant.class)
                .withName("toolgrant-values")
                .withLabelSelector(ToolValueSecret.LABEL)
                .withItemStore(new LeanItemStore<>())
                .withPrimaryToSecondaryMapper(
                    (ToolGrant g) -> {
                      Set<ResourceID> out = new HashSet<>();
                      for (ResourceID id : usedToolSecrets(g)) {
                        toolSecrets
                            .get(id)
                            .ifPresent(
                                t ->
                                    out.add(
                                        new ResourceID(
                                            ServedValues.secretName(t), id.getNamespace().get())));
                      }
                      return out;
                    })
                .withSecondaryToPrimaryMapper(
                    s -> {
                      String ns = s.getMetadata().getNamespace();
                      String name = s.getMetadata().getLabels().get(ToolValueSecret.LABEL);
                      return affected(
                          ns, name, toolSecrets.get(new ResourceID(name, ns)).orElse(null));
                    })
                .build(),
            context);
    own =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ToolGrant.class)
                .withName("toolgrant-secrets")
                .withLabelSelector(LABEL)
                .withItemStore(new LeanItemStore<>())
                .withPrimaryToSecondaryMapper(
                    (ToolGrant g) ->
                        Set.of(new ResourceID(g.secretName(), g.getMetadata().getNamespace())))
                .withSecondaryToPrimaryMapper(
                    s ->
                        Set.of(
                            new ResourceID(
                                s.getMetadata().getLabels().get(LABEL),
                                s.getMetadata().getNamespace())))
                .build(),
            context);
    return List.of(toolSecrets, values, own, resync);
  }

  /**
   * The ToolSecrets a grant uses: those its status says it resolved to and those it pins. Each
   * informer maps a grant to its secondaries through a function like this one rather than an index
   * JOSDK would keep per grant (the primary-to-secondary index held about a fifth of the heap per
   * grant, and the reconciler reads the caches directly).
   */
  private static Set<ResourceID> usedToolSecrets(ToolGrant g) {
    String namespace = g.getMetadata().getNamespace();
    Set<ResourceID> out = new HashSet<>();
    if (g.getStatus() != null && g.getStatus().getResolved() != null) {
      g.getStatus()
          .getResolved()
          .forEach(r -> out.add(new ResourceID(r.getToolSecret(), namespace)));
    }
    if (g.getSpec() != null && g.getSpec().getTools() != null) {
      for (ToolGrantSpec.Entry e : g.getSpec().getTools()) {
        if (e != null && e.getToolSecret() != null) {
          out.add(new ResourceID(e.getToolSecret(), namespace));
        }
      }
    }
    return out;
  }

  /** Looks at the grants again on demand, and shows them as the informer cache holds them. */
  public Resync<ToolGrant> resync() {
    return resync;
  }

  /**
   * The grants of a namespace a change of ToolSecret {@code name} can concern: those that resolved
   * to it or pin it, and those with an entry its tool pattern matches (a better match appearing).
   */
  Set<ResourceID> affected(String namespace, String name, ToolSecret toolSecret) {
    Set<ResourceID> out = new HashSet<>();
    if (primaries == null || namespace == null) {
      return out;
    }
    String pattern =
        toolSecret == null || toolSecret.getSpec() == null ? null : toolSecret.getSpec().getTool();
    ToolPattern matcher =
        pattern != null && ToolPattern.check(pattern).isEmpty() ? new ToolPattern(pattern) : null;
    String arg = matcher == null ? null : toolSecret.getSpec().getToolArg();
    for (ToolGrant g : primaries.byIndex(BY_NAMESPACE, namespace)) {
      if (concerns(g, name, matcher, arg)) {
        out.add(ResourceID.fromResource(g));
      }
    }
    return out;
  }

  private static boolean concerns(ToolGrant g, String name, ToolPattern matcher, String arg) {
    if (g.getStatus() != null && g.getStatus().getResolved() != null) {
      for (ToolGrantStatus.Resolved r : g.getStatus().getResolved()) {
        if (name.equals(r.getToolSecret())) {
          return true;
        }
      }
    }
    if (g.getSpec() == null || g.getSpec().getTools() == null) {
      return false;
    }
    for (ToolGrantSpec.Entry e : g.getSpec().getTools()) {
      if (e == null) {
        continue;
      }
      if (name.equals(e.getToolSecret())) {
        return true;
      }
      if (matcher != null
          && e.getTool() != null
          && matcher.matches(e.getTool())
          && (arg == null || arg.equals(e.getArg()))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public UpdateControl<ToolGrant> reconcile(ToolGrant grant, Context<ToolGrant> context) {
    Instant now = settings.clock().instant();
    KubernetesClient client = context.getClient();
    String namespace = grant.getMetadata().getNamespace();
    String secretName = grant.secretName();

    GrantPlan.Input input = gather(client, grant, secretName, now);
    GrantPlan plan = GrantPlan.decide(input);
    ResourceID secretId = new ResourceID(secretName, namespace);
    // A Secret name the grant may not use is not looked up at all (it may not even be a name).
    Secret observed =
        plan.problem() != null && "InvalidSecret".equals(plan.problem().reason())
            ? null
            : ManagedSecrets.observe(client, own, secretId);
    boolean ours = observed != null && ManagedSecrets.isControlledBy(observed, grant);
    if (plan.problem() == null && observed != null && !ours) {
      plan = plan.conflicted(ManagedSecrets.conflict(observed, grant).getMessage());
    }
    if (plan.problem() != null && ours) {
      withdraw(client, grant, input, secretId, observed);
    }
    if (plan.problem() == null) {
      Delivery delivery = deliver(client, grant, plan, secretId, observed);
      restarts.restartFor(
          client,
          grant,
          grant.getSpec().getRolloutRestartTargets(),
          RolloutRestarts.recordAnnotation(RESTART_RECORD_PREFIX, grant.getMetadata().getName()),
          delivery.version(),
          "tool values version",
          now);
      if (delivery.written()) {
        // Values first: when one ToolSecret changes under many grants, every grant's Secret is
        // written before any grant's status and Event, which follow in a reconcile queued behind.
        return UpdateControl.<ToolGrant>noUpdate().rescheduleAfter(Duration.ZERO);
      }
    }
    SpecProblem problem = plan.problem();
    if (problem != null) {
      report.warnOnce(grant, problem);
    }
    ToolGrantStatus status = plan.status(grant, secretName, createdBy(grant), now);
    String changes = problem == null ? describe(grant.getStatus(), plan.resolved()) : null;
    UpdateControl<ToolGrant> control = report.update(grant, status, context);
    if (changes != null) {
      report.announce(grant, "ValuesChanged", "Secret " + secretName + ": " + changes);
    }
    return problem != null && "SecretConflict".equals(problem.reason())
        ? control.rescheduleAfter(StatusReporter.CONFLICT_RECHECK)
        : control;
  }

  /** The plan's input, from the caches: the namespace's ToolSecrets and the served values. */
  private GrantPlan.Input gather(
      KubernetesClient client, ToolGrant grant, String secretName, Instant now) {
    String namespace = grant.getMetadata().getNamespace();
    List<ToolSecret> inNamespace = toolSecrets.list(namespace).toList();
    List<ToolIndexSecret.Member> members =
        ServedValues.of(
            inNamespace,
            id -> ManagedSecrets.observe(client, values, id),
            settings.indexName(),
            now);
    Set<String> served = new HashSet<>();
    List<GrantPlan.Served> available = new ArrayList<>();
    for (ToolIndexSecret.Member m : members) {
      served.add(m.toolSecret().getMetadata().getName());
      available.add(new GrantPlan.Served(m.binding(), m.value()));
    }
    List<GrantPlan.Known> known = new ArrayList<>();
    for (ToolSecret t : inNamespace) {
      String name = t.getMetadata().getName();
      known.add(
          new GrantPlan.Known(
              name,
              t.getSpec() == null ? null : t.getSpec().getTool(),
              t.getSpec() == null ? null : t.getSpec().getToolArg(),
              ServedValues.secretName(t),
              served.contains(name) ? null : ServedValues.unusable(t, settings.indexName(), now)));
    }
    return new GrantPlan.Input(
        namespace,
        grant.getMetadata().getName(),
        grant.getSpec(),
        secretName,
        settings.indexName(),
        known,
        available,
        settings.limitBytes());
  }

  /**
   * The values version the grant's Secret records, and whether this reconcile wrote it (and the
   * status may follow in a reconcile of its own).
   */
  private record Delivery(long version, boolean written) {}

  /**
   * Writes the grant's Secret when it differs from the plan. What changed is announced with the
   * status that records it (see {@link #describe}); only a Secret deleted or edited under a grant
   * that already delivered is announced here, since its values, and so the status, stay the same.
   */
  private Delivery deliver(
      KubernetesClient client,
      ToolGrant grant,
      GrantPlan plan,
      ResourceID secretId,
      Secret observed) {
    Map<String, String> before = observed == null ? Map.of() : ManagedSecrets.decodedData(observed);
    long version = version(observed);
    boolean changed = observed == null || !before.equals(plan.data());
    long next = changed ? version + 1 : Math.max(version, 1);
    Map<String, String> labels = new LinkedHashMap<>(ManagedSecrets.managedLabels());
    labels.put(LABEL, grant.getMetadata().getName());
    Secret desired =
        ManagedSecrets.desired(
            grant,
            observed,
            secretId.getName(),
            plan.data(),
            labels,
            Map.of(VALUES_VERSION, Long.toString(next)));
    if (ManagedSecrets.upToDate(observed, desired)) {
      return new Delivery(next, false);
    }
    Secret written =
        ManagedSecrets.put(client, new ManagedSecrets.Told(own, secretId), observed, desired);
    ToolGrantStatus recorded = grant.getStatus();
    if (changed
        && recorded != null
        && recorded.getResolved() != null
        && !recorded.getResolved().isEmpty()
        && describe(recorded, plan.resolved()) == null) {
      report.announce(
          grant,
          "ValuesChanged",
          "Secret "
              + secretId.getName()
              + (observed == null ? " was missing: written again" : " was edited: put back"));
    }
    // Deferring the status assumes the next reconcile finds nothing to write; an API server that
    // answered with something else than was sent gets its status in this reconcile instead.
    return new Delivery(next, ManagedSecrets.upToDate(written, desired));
  }

  /**
   * A Failed grant writes nothing new, but a value its Secret holds that is no longer served (its
   * ToolSecret revoked, expired or deleted) leaves it all the same.
   */
  private void withdraw(
      KubernetesClient client,
      ToolGrant grant,
      GrantPlan.Input input,
      ResourceID secretId,
      Secret observed) {
    Set<String> servedValues = new HashSet<>();
    input.served().forEach(s -> servedValues.add(s.value()));
    Map<String, String> before = ManagedSecrets.decodedData(observed);
    Map<String, String> kept = new LinkedHashMap<>(before);
    kept.values().removeIf(v -> !servedValues.contains(v));
    if (kept.size() == before.size()) {
      return;
    }
    long next = version(observed) + 1;
    Secret desired =
        ManagedSecrets.desired(
            grant,
            observed,
            secretId.getName(),
            kept,
            Map.of(),
            Map.of(VALUES_VERSION, Long.toString(next)));
    ManagedSecrets.put(client, new ManagedSecrets.Told(own, secretId), observed, desired);
    Set<String> removed = new TreeSet<>(before.keySet());
    removed.removeAll(kept.keySet());
    report.announce(
        grant,
        "ValuesChanged",
        "Secret " + secretId.getName() + ": removed " + String.join(", ", removed));
  }

  private static long version(Secret secret) {
    if (secret == null || secret.getMetadata().getAnnotations() == null) {
      return 0;
    }
    try {
      return Long.parseLong(
          secret.getMetadata().getAnnotations().getOrDefault(VALUES_VERSION, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * What the delivered values change against those the status records, by env name and ToolSecret
   * (a value is compared by its fingerprint, never shown); null when nothing changes.
   */
  static String describe(ToolGrantStatus recorded, List<ToolGrantStatus.Resolved> resolved) {
    Map<String, String> before = new LinkedHashMap<>();
    if (recorded != null && recorded.getResolved() != null) {
      recorded.getResolved().forEach(r -> before.put(r.getEnv(), r.getFingerprint()));
    }
    List<String> added = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    Set<String> removed = new TreeSet<>(before.keySet());
    for (ToolGrantStatus.Resolved r : resolved) {
      String what = r.getEnv() + " (" + r.getToolSecret() + ")";
      removed.remove(r.getEnv());
      if (!before.containsKey(r.getEnv())) {
        added.add(what);
      } else if (!Objects.equals(before.get(r.getEnv()), r.getFingerprint())) {
        changed.add(what);
      }
    }
    List<String> parts = new ArrayList<>();
    if (!added.isEmpty()) {
      parts.add("added " + String.join(", ", added));
    }
    if (!changed.isEmpty()) {
      parts.add("changed " + String.join(", ", changed));
    }
    if (!removed.isEmpty()) {
      parts.add("removed " + String.join(", ", removed));
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }

  private static String createdBy(ToolGrant grant) {
    Map<String, String> annotations = grant.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ApiKey.CREATED_BY_ANNOTATION);
  }
}
