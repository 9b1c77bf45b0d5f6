package dev.keyward.apikey;

import dev.keyward.apikey.RotationPlan.Change;
import dev.keyward.common.Durations;
import dev.keyward.common.EventRecorder;
import dev.keyward.common.LeanItemStore;
import dev.keyward.common.Resync;
import dev.keyward.common.SpecProblem;
import dev.keyward.common.StatusReporter;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.secrets.OwnSecretWrites;
import dev.keyward.secrets.SecretConflictException;
import dev.keyward.verifier.OwnerChecks;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each ApiKey's Secret and status true to its spec and to the clock. Observe the Secret,
 * decide with {@link RotationPlan}, write the Secret first and status second, and sleep until the
 * next moment that matters.
 */
@ControllerConfiguration(
    name = ApiKeyReconciler.NAME,
    generationAwareEventProcessing = false,
    informer =
        @Informer(
            onUpdateFilter = ApiKeyReconciler.SpecOrRotateRequestChanged.class,
            itemStore = LeanItemStore.class))
public class ApiKeyReconciler implements Reconciler<ApiKey> {

  public static final String NAME = "apikey";
  private static final Logger log = LoggerFactory.getLogger(ApiKeyReconciler.class);

  private final Clock clock;
  private final ApiKeyObserver observer;
  private final StatusReporter<ApiKey, ApiKeyStatus> report;
  private final RolloutRestarts rollouts;
  private InformerEventSource<Secret, ApiKey> secrets;
  private final OwnSecretWrites ownWrites = new OwnSecretWrites();
  private final Resync<ApiKey> resync = new Resync<>("resync");
  private final OwnerChecks owners;
  private final Map<String, String> lostWarned =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > 10_000;
            }
          });
  private final StatusGuard guard = new StatusGuard();

  public ApiKeyReconciler(Clock clock, EventRecorder events, ApiKeyObserver observer) {
    this(clock, events, observer, null);
  }

  /**
   * @param owners with scope authorization on, the owner checks whose answers the ApiKey shows
   *     (condition OwnerAuthorized); null when off
   */
  public ApiKeyReconciler(
      Clock clock, EventRecorder events, ApiKeyObserver observer, OwnerChecks owners) {
    this.clock = clock;
    this.observer = observer;
    this.report = new StatusReporter<>(events, observer::observed);
    this.rollouts = new RolloutRestarts(events);
    this.owners = owners;
  }

  /** Reacts to spec changes and to new rotate requests; status-only updates are ignored. */
  public static class SpecOrRotateRequestChanged implements OnUpdateFilter<ApiKey> {
    @Override
    public boolean accept(ApiKey newResource, ApiKey oldResource) {
      return !Objects.equals(
              newResource.getMetadata().getGeneration(), oldResource.getMetadata().getGeneration())
          || !Objects.equals(rotateRequest(newResource), rotateRequest(oldResource))
          || newResource.isMarkedForDeletion();
    }
  }

  /**
   * The update filter to register: spec changes, rotate requests, and changes someone other than
   * this operator made to the status fields it owns.
   */
  public OnUpdateFilter<ApiKey> updateFilter() {
    return StatusGuard.filter(guard);
  }

  @Override
  public List<EventSource<?, ApiKey>> prepareEventSources(EventSourceContext<ApiKey> context) {
    resync.watching(context.getPrimaryCache());
    secrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, ApiKey.class)
                .withName("apikey-secrets")
                .withLabelSelector(ApiKeySecret.LABEL)
                .withItemStore(new LeanItemStore<>())
                .withOnAddFilter(ownWrites.onAdd())
                .withOnUpdateFilter(ownWrites.onUpdate())
                .withSecondaryToPrimaryMapper(
                    s ->
                        Set.of(
                            new ResourceID(
                                s.getMetadata().getLabels().get(ApiKeySecret.LABEL),
                                s.getMetadata().getNamespace())))
                .build(),
            context);
    return List.of(secrets, resync);
  }

  /** Looks at the ApiKeys again on demand, and shows them as the informer cache holds them. */
  public Resync<ApiKey> resync() {
    return resync;
  }

  @Override
  public UpdateControl<ApiKey> reconcile(ApiKey key, Context<ApiKey> context) {
    StatusGuard.Suspect suspect = guard.suspect(key);
    try {
      return reconcile(key, context, suspect, false);
    } catch (SecretAlreadyThere e) {
      return reconcile(key, context, suspect, true);
    }
  }

  /** A new key's create found a Secret the cache did not show: decide again on a fresh read. */
  private static final class SecretAlreadyThere extends RuntimeException {
    SecretAlreadyThere() {
      super(null, null, false, false);
    }
  }

  /**
   * @param readThrough read the Secret from the API server when the cache has none. A key that was
   *     never issued skips that read (the cache is complete once informers have synced, except for
   *     a Secret without Keyward's label), and reads only when its create meets a Secret.
   */
  private UpdateControl<ApiKey> reconcile(
      ApiKey key, Context<ApiKey> context, StatusGuard.Suspect suspect, boolean readThrough) {
    Instant now = clock.instant();
    KeyPolicy.Checked checked = KeyPolicy.from(key);
    if (checked.problem() != null) {
      return failed(key, checked.problem(), now, context, suspect);
    }
    KeyPolicy policy = checked.policy();
    String namespace = key.getMetadata().getNamespace();
    ResourceID secretId = new ResourceID(policy.secretName(), namespace);
    boolean issuedBefore = key.getStatus() != null && key.getStatus().getKeyVersion() != null;
    Secret observedSecret =
        readThrough || issuedBefore
            ? ManagedSecrets.observe(context.getClient(), secrets, secretId)
            : secrets.get(secretId).orElse(null);
    if (observedSecret != null && !ManagedSecrets.isControlledBy(observedSecret, key)) {
      return conflict(key, ManagedSecrets.conflict(observedSecret, key), now, context, suspect);
    }
    KeyState observed = observedSecret == null ? null : ApiKeySecret.read(observedSecret, policy);
    int lastKnownVersion =
        key.getStatus() == null || key.getStatus().getKeyVersion() == null
            ? 0
            : key.getStatus().getKeyVersion();

    RotationPlan plan =
        RotationPlan.decide(
            policy,
            rotateRequest(key),
            observed,
            lastKnownVersion,
            KeyUsage.from(key.getStatus()),
            now,
            () -> KeyFormat.generate(policy.prefix(), policy.length()));

    Secret desired =
        ManagedSecrets.desired(
            key,
            observedSecret,
            policy.secretName(),
            ApiKeySecret.data(plan.state(), policy),
            ApiKeySecret.labels(key, policy),
            ApiKeySecret.annotations(plan.state(), policy));
    if (!ManagedSecrets.upToDate(observedSecret, desired)) {
      ownWrites.writing(desired);
      Secret written = null;
      try {
        written = ManagedSecrets.write(context.getClient(), secrets, key, observedSecret, desired);
      } catch (SecretConflictException e) {
        return conflict(key, e, now, context, suspect);
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_CONFLICT
            && observedSecret == null
            && !readThrough) {
          throw new SecretAlreadyThere();
        }
        throw e;
      } finally {
        ownWrites.done(desired, written, secrets::get);
      }
    }
    if (plan.change() != Change.NONE) {
      announce(key, policy, plan);
    }
    if (plan.state().current() != null) {
      rollouts.restartFor(context.getClient(), key, policy, plan.state().version(), now);
    }

    ApiKeyStatus status = ApiKeyStatuses.of(key, policy, plan.state(), now);
    if (owners != null) {
      String id = namespace + "/" + key.getMetadata().getName();
      owners.track(id, key);
      status =
          OwnerAuthorization.apply(
              key, status, scope -> owners.check(id, namespace, List.of(scope)), now);
      var condition =
          dev.keyward.common.Conditions.find(status.getConditions(), OwnerAuthorization.CONDITION);
      String uid = key.getMetadata().getUid() == null ? id : key.getMetadata().getUid();
      if (OwnerAuthorization.newlyLost(key.getStatus(), status)
          && !condition.getMessage().equals(lostWarned.get(uid))) {
        report.warn(key, OwnerAuthorization.REVOKED, condition.getMessage());
      }
      // A reconcile can run on a cached copy from before the status write that showed the loss:
      // this memory keeps it from warning twice.
      if (condition != null && "False".equals(condition.getStatus())) {
        lostWarned.put(uid, condition.getMessage());
      } else {
        lostWarned.remove(uid);
      }
    }
    Set<String> hashes =
        plan.change() == Change.NONE
            ? hashes(plan.state().currentHash(), plan.state().previousHash())
            : null;
    restoring(
        key, StatusGuard.tampered(suspect, key.getStatus(), status, hashes), policy.secretName());
    UpdateControl<ApiKey> control = update(key, status, context);
    Duration delay = plan.delayFrom(now);
    return delay == null ? control : control.rescheduleAfter(delay);
  }

  private void announce(ApiKey key, KeyPolicy policy, RotationPlan plan) {
    Change change = plan.change();
    KeyState state = plan.state();
    String secret = policy.secretName();
    String message =
        switch (change) {
          case ISSUED -> "Issued key version " + state.version() + " into Secret " + secret;
          case REISSUED_AFTER_REVOCATION ->
              "Revocation lifted: issued key version "
                  + state.version()
                  + " into Secret "
                  + secret
                  + "; revoked values stay invalid";
          case SECRET_RECREATED ->
              "Secret " + secret + " was deleted; issued key version " + state.version();
          case VALUE_REPLACED ->
              "The key in Secret "
                  + secret
                  + " was removed or changed outside Keyward; issued key version "
                  + state.version();
          case ROTATED, ROTATED_ON_REQUEST ->
              "Rotated to key version "
                  + state.version()
                  + (change == Change.ROTATED
                      ? " as scheduled"
                      : " as requested by annotation " + ApiKey.ROTATE_ANNOTATION)
                  + (state.previous() == null
                      ? ""
                      : "; the previous key stays valid until " + state.previousValidUntil());
          case ROTATED_AFTER_EXPIRY ->
              "Key version "
                  + (state.version() - 1)
                  + " had expired before it was rotated; issued key version "
                  + state.version();
          case EXPIRED ->
              "Key version "
                  + state.version()
                  + " expired and rotation is off; its value was removed from Secret "
                  + secret;
          case REVOKED -> "Revoked: every value was removed from Secret " + secret;
          case REVOKED_UNUSED ->
              "Revoked: no use recorded for "
                  + policy.revokeWhenUnusedFor().map(Durations::format).orElse("")
                  + " (spec.revokeWhenUnusedFor); every value was removed from Secret "
                  + secret
                  + ". Set annotation "
                  + ApiKey.ROTATE_ANNOTATION
                  + " to a new value to issue a new key";
          case PREVIOUS_REMOVED ->
              "The previous key's overlap ended; it was removed from Secret " + secret;
          case NONE -> throw new IllegalStateException("nothing to announce");
        };
    if (change == Change.VALUE_REPLACED || change == Change.REVOKED_UNUSED) {
      report.warn(key, change.eventReason(), message);
    } else if (change.eventReason() != null) {
      report.announce(key, change.eventReason(), message);
    } else {
      log.info("ApiKey {}: {}", StatusReporter.id(key), message);
    }
    observer.changed(key, change);
  }

  private UpdateControl<ApiKey> failed(
      ApiKey key,
      SpecProblem problem,
      Instant now,
      Context<ApiKey> context,
      StatusGuard.Suspect suspect) {
    report.warnOnce(key, problem);
    ApiKeyStatus status =
        ApiKeyStatuses.failed(key, StatusGuard.restore(suspect, key.getStatus()), problem, now);
    restoring(key, StatusGuard.tampered(suspect, key.getStatus(), status, null), null);
    return update(key, status, context);
  }

  private UpdateControl<ApiKey> conflict(
      ApiKey key,
      SecretConflictException e,
      Instant now,
      Context<ApiKey> context,
      StatusGuard.Suspect suspect) {
    return failed(key, new SpecProblem("SecretConflict", e.getMessage()), now, context, suspect)
        .rescheduleAfter(StatusReporter.CONFLICT_RECHECK);
  }

  /** Writes the status when it changed, noting it first so its watch event is known as ours. */
  private UpdateControl<ApiKey> update(ApiKey key, ApiKeyStatus status, Context<ApiKey> context) {
    if (!status.equals(key.getStatus())) {
      guard.writing(key, status);
    }
    return report.update(key, status, context);
  }

  /** A Warning and a metric for owned status fields someone else changed, now put back. */
  private void restoring(ApiKey key, List<String> fields, String secretName) {
    if (fields.isEmpty()) {
      return;
    }
    report.warn(
        key,
        StatusGuard.TAMPERED,
        "Status field"
            + (fields.size() == 1 ? " " : "s ")
            + String.join(", ", fields)
            + " had been changed by someone other than Keyward and "
            + (fields.size() == 1 ? "was" : "were")
            + " put back"
            + (secretName == null ? "" : " from Secret " + secretName)
            + ". Only Keyward's operator may write them (docs/verifier.md, threat table).");
    observer.tampered(key, fields);
  }

  private static Set<String> hashes(String current, String previous) {
    Set<String> hashes = new java.util.HashSet<>(2);
    if (current != null) {
      hashes.add(current);
    }
    if (previous != null) {
      hashes.add(previous);
    }
    return hashes;
  }

  static String rotateRequest(ApiKey key) {
    Map<String, String> annotations = key.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ApiKey.ROTATE_ANNOTATION);
  }
}
