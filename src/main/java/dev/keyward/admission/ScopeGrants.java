package dev.keyward.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validating admission decision for an ApiKey's scopes: every scope a request adds (all of them
 * on CREATE, only the new ones on UPDATE) must be one the requesting user may {@code grant} ({@link
 * GrantReview}). Removing a scope is always allowed. When a review cannot be made in time the
 * request is refused: a scope is never admitted unchecked.
 */
public final class ScopeGrants {

  private static final Logger log = LoggerFactory.getLogger(ScopeGrants.class);

  /** Within the chart's webhook timeout (5 s), with room for the answer to travel back. */
  public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(4);

  private final GrantReview.Reviewer reviewer;
  private final Duration budget;
  private final ExecutorService executor;

  /**
   * @param executor runs the reviews of one request side by side
   */
  public ScopeGrants(GrantReview.Reviewer reviewer, Duration budget, ExecutorService executor) {
    this.reviewer = reviewer;
    this.budget = budget;
    this.executor = executor;
  }

  /**
   * Reviews through {@code reviewer} within {@link #DEFAULT_BUDGET}, on {@code threads} daemon
   * threads of its own.
   */
  public static ScopeGrants withThreads(GrantReview.Reviewer reviewer, int threads) {
    return new ScopeGrants(
        reviewer,
        DEFAULT_BUDGET,
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "keyward-scope-review");
              t.setDaemon(true);
              return t;
            }));
  }

  /** Answers the AdmissionReview JSON {@code body} with an AdmissionReview JSON response. */
  public String review(byte[] body) throws CreatedBy.MalformedReviewException {
    var review = CreatedBy.parse(body);
    return CreatedBy.answer(review, respond(review.getRequest()));
  }

  /** Allowed, or refused with a message saying which scopes and what an admin can do. */
  public AdmissionResponse respond(AdmissionRequest request) {
    AdmissionResponse response = new AdmissionResponse();
    response.setUid(request.getUid());
    List<String> added = added(request);
    if (added.isEmpty()) {
      response.setAllowed(true);
      return response;
    }
    String namespace = request.getNamespace();
    Creator subject = Creator.of(request.getUserInfo());
    if (subject == null) {
      return refuse(
          response,
          503,
          "ScopeReviewFailed: the request names no user, so nobody can be asked whether it may"
              + " grant "
              + scopes(added)
              + "; the ApiKey was not admitted");
    }
    Map<String, List<String>> extra = request.getUserInfo().getExtra();
    Map<String, CompletableFuture<Boolean>> answers = new LinkedHashMap<>();
    for (String scope : added) {
      answers.put(
          scope,
          CompletableFuture.supplyAsync(
              () -> reviewer.mayGrant(subject, extra, namespace, scope), executor));
    }
    long deadline = System.nanoTime() + budget.toNanos();
    List<String> denied = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    String why = null;
    for (var answer : answers.entrySet()) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!answer.getValue().get(left, TimeUnit.NANOSECONDS)) {
          denied.add(answer.getKey());
        }
      } catch (TimeoutException e) {
        answer.getValue().cancel(true);
        failed.add(answer.getKey());
        why = "no answer within " + budget.toMillis() / 1000.0 + "s";
      } catch (ExecutionException e) {
        failed.add(answer.getKey());
        why = describe(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.add(answer.getKey());
        why = "interrupted";
      }
    }
    if (!denied.isEmpty()) {
      return refuse(
          response,
          403,
          "ScopeNotGranted: "
              + subject.user()
              + " may not grant "
              + scopes(denied)
              + " in namespace "
              + namespace
              + "; an admin can bind verb grant on "
              + denied.stream()
                  .map(GrantReview::resourceName)
                  .collect(Collectors.joining(" and ")));
    }
    if (!failed.isEmpty()) {
      log.warn(
          "Scope review for ApiKey {}/{} failed, refused: {}", namespace, request.getName(), why);
      return refuse(
          response,
          503,
          "ScopeReviewFailed: could not ask the API server whether "
              + subject.user()
              + " may grant "
              + scopes(failed)
              + " in namespace "
              + namespace
              + " ("
              + why
              + "); the ApiKey was not admitted, try again");
    }
    response.setAllowed(true);
    return response;
  }

  /** The scopes {@code request} adds to an ApiKey, in its order, without repeats. */
  static List<String> added(AdmissionRequest request) {
    GroupVersionKind kind = request.getKind();
    if (kind == null
        || !CreatedBy.GROUP.equals(kind.getGroup())
        || !"ApiKey".equals(kind.getKind())) {
      return List.of();
    }
    Set<String> scopes = scopes(request.getObject());
    if ("UPDATE".equals(request.getOperation())) {
      scopes.removeAll(scopes(request.getOldObject()));
    } else if (!"CREATE".equals(request.getOperation())) {
      return List.of();
    }
    return List.copyOf(scopes);
  }

  private static Set<String> scopes(Object object) {
    Set<String> out = new LinkedHashSet<>();
    if (object == null) {
      return out;
    }
    JsonNode scopes = Serialization.jsonMapper().valueToTree(object).path("spec").path("scopes");
    for (JsonNode scope : scopes) {
      if (scope.isTextual()) {
        out.add(scope.asText());
      }
    }
    return out;
  }

  private static String scopes(List<String> scopes) {
    return (scopes.size() == 1 ? "scope " : "scopes ") + String.join(", ", scopes);
  }

  /** The error's kind and, for an API error, the server's status code; never a request body. */
  private static String describe(Throwable e) {
    if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() > 0) {
      return "the API server answered " + k.getCode();
    }
    return e == null ? "unknown error" : e.getClass().getSimpleName();
  }

  private static AdmissionResponse refuse(AdmissionResponse response, int code, String message) {
    response.setAllowed(false);
    response.setStatus(
        new StatusBuilder()
            .withStatus("Failure")
            .withCode(code)
            .withReason(code == 403 ? "Forbidden" : "ServiceUnavailable")
            .withMessage(message)
            .build());
    return response;
  }
}
