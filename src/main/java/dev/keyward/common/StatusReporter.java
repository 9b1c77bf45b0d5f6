package dev.keyward.common;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How both reconcilers report: a Warning Event for a problem once (not again while the Ready
 * condition already says it), a status patch only when the status changed, a requeue that never
 * fires early. One place, so ApiKeys and ToolSecrets behave alike.
 *
 * @param <P> the custom resource
 * @param <S> its status
 */
public final class StatusReporter<P extends CustomResource<?, S>, S extends HasConditions> {

  /** How often a Secret conflict is looked at again; the foreign Secret is not watched. */
  public static final Duration CONFLICT_RECHECK = Duration.ofMinutes(5);

  private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);

  private final EventRecorder events;
  private final BiConsumer<P, S> observer;

  /**
   * @param observer told of every status a reconcile settles on, written or unchanged
   */
  public StatusReporter(EventRecorder events, BiConsumer<P, S> observer) {
    this.events = events;
    this.observer = observer;
  }

  /**
   * The problem each resource was last reported with, by uid. A reconcile can run on a cached copy
   * from before the last status write reached the informer (when the answer to that write could not
   * be cached, or after a restart): this memory keeps it from warning and counting again. Bounded;
   * an entry goes when the resource reports no problem.
   */
  private final Map<String, String> reported =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > 10_000;
            }
          });

  /** True when the resource's Ready condition, or this process, already reported the problem. */
  public boolean alreadyReported(P resource, SpecProblem problem) {
    Long generation = resource.getMetadata().getGeneration();
    return (resource.getStatus() != null
            && Conditions.alreadyReported(
                resource.getStatus().getConditions(),
                problem.reason(),
                problem.message(),
                generation))
        || memo(problem, generation).equals(reported.get(resource.getMetadata().getUid()));
  }

  private static String memo(SpecProblem problem, Long generation) {
    return generation + "/" + problem.reason() + "/" + problem.message();
  }

  /** Remembers that the problem was reported, whether or not its status write gets through. */
  public void remember(P resource, SpecProblem problem) {
    String uid = resource.getMetadata().getUid();
    if (uid != null) {
      reported.put(uid, memo(problem, resource.getMetadata().getGeneration()));
    }
  }

  /** A Warning Event for a problem, once: not again while status already reports it. */
  public void warnOnce(P resource, SpecProblem problem) {
    if (!alreadyReported(resource, problem)) {
      events.warning(resource, problem.reason(), problem.message());
      log.info(
          "{} {}: {}: {}", resource.getKind(), id(resource), problem.reason(), problem.message());
      remember(resource, problem);
    }
  }

  /** A Warning Event about something that happened (not a standing problem), every time. */
  public void warn(P resource, String reason, String message) {
    events.warning(resource, reason, message);
    log.info("{} {}: {}", resource.getKind(), id(resource), message);
  }

  /** A Normal Event, logged the same way. */
  public void announce(P resource, String reason, String message) {
    events.normal(resource, reason, message);
    log.info("{} {}: {}", resource.getKind(), id(resource), message);
  }

  /**
   * Writes the status when it changed (see {@link StatusPatch}); the observer hears of it either
   * way. The write happens here, so the returned control never asks JOSDK to patch status.
   */
  public UpdateControl<P> update(P resource, S status, Context<P> context) {
    if (settle(resource, status)) {
      StatusPatch.write(context, resource, resource.getStatus(), status);
    }
    return UpdateControl.noUpdate();
  }

  /**
   * Tells the observer the status a reconcile settled on, forgets a reported problem once the
   * resource is Ready, and says whether the status differs from the one the resource shows.
   */
  boolean settle(P resource, S status) {
    observer.accept(resource, status);
    Condition ready = Conditions.find(status.getConditions(), Conditions.READY);
    if (ready != null
        && "True".equals(ready.getStatus())
        && resource.getMetadata().getUid() != null) {
      reported.remove(resource.getMetadata().getUid());
    }
    return !status.equals(resource.getStatus());
  }

  /** The delay until {@code then}, in whole seconds rounded up, so a requeue never fires early. */
  public static Duration delayUntil(Instant now, Instant then) {
    Duration delay = Duration.between(now, then);
    long seconds = delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
    return Duration.ofSeconds(Math.max(1, seconds));
  }

  /** When the resource was created; the epoch when the API server has not said yet. */
  public static Instant createdAt(HasMetadata resource) {
    String created = resource.getMetadata().getCreationTimestamp();
    return created == null ? Instant.EPOCH : OffsetDateTime.parse(created).toInstant();
  }

  public static String id(HasMetadata resource) {
    return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
  }
}
