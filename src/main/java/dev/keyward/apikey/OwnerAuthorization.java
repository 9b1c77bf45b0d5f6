package dev.keyward.apikey;

import dev.keyward.admission.GrantReview;
import dev.keyward.common.Conditions;
import dev.keyward.verifier.OwnerChecks;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Shows on the ApiKey what the verifier's owner check decides: condition {@code OwnerAuthorized}
 * (False with reason {@code ScopeRevokedFromOwner} once the creator may no longer grant a scope of
 * the key) and {@code status.lostScopes}. Pure: the answers come in as a function of the scope.
 */
public final class OwnerAuthorization {

  public static final String CONDITION = "OwnerAuthorized";
  public static final String REVOKED = "ScopeRevokedFromOwner";
  public static final String AUTHORIZED = "OwnerMayGrantScopes";

  private OwnerAuthorization() {}

  /**
   * Adds the condition and {@code lostScopes} to {@code status}. Nothing for a key without scopes
   * or without a recorded creator; while an answer is missing (not asked yet, the API server gone
   * for 10 TTLs) the condition and {@code lostScopes} stay as they were, and a lost scope is
   * reported as soon as it is known.
   *
   * @param answers the owner check's answer about one scope of the key
   */
  public static ApiKeyStatus apply(
      ApiKey key, ApiKeyStatus status, Function<String, OwnerChecks.Result> answers, Instant now) {
    List<String> scopes =
        key.getSpec() == null || key.getSpec().getScopes() == null
            ? List.of()
            : key.getSpec().getScopes().stream().filter(s -> s != null).distinct().toList();
    ApiKeyStatus previous = key.getStatus();
    List<Condition> before = previous == null ? null : previous.getConditions();
    List<String> lost = new ArrayList<>();
    boolean unknown = false;
    String creator = null;
    for (String scope : scopes) {
      OwnerChecks.Result answer = answers.apply(scope);
      switch (answer.outcome()) {
        case NO_CREATOR -> {
          return status;
        }
        case LACKS_PERMISSION -> lost.add(scope);
        case UNAVAILABLE -> unknown = true;
        case ALLOWED -> {}
      }
      creator = answer.creator();
    }
    if (scopes.isEmpty() || creator == null) {
      return status;
    }
    String namespace = key.getMetadata().getNamespace();
    Condition condition;
    if (!lost.isEmpty()) {
      status.setLostScopes(List.copyOf(lost));
      condition =
          Conditions.condition(
              CONDITION, false, REVOKED, message(creator, namespace, lost), gen(key), before, now);
    } else if (unknown) {
      Condition kept = Conditions.find(before, CONDITION);
      if (kept == null) {
        return status;
      }
      status.setLostScopes(previous.getLostScopes());
      condition = kept;
    } else {
      condition =
          Conditions.condition(
              CONDITION,
              true,
              AUTHORIZED,
              creator + " may grant every scope of this key in namespace " + namespace + ".",
              gen(key),
              before,
              now);
    }
    List<Condition> conditions = new ArrayList<>(status.getConditions());
    conditions.removeIf(c -> CONDITION.equals(c.getType()));
    conditions.add(condition);
    status.setConditions(conditions);
    return status;
  }

  /** Whether {@code after} reports a loss {@code before} did not (the moment for one Event). */
  public static boolean newlyLost(ApiKeyStatus before, ApiKeyStatus after) {
    Condition now = Conditions.find(after.getConditions(), CONDITION);
    if (now == null || !"False".equals(now.getStatus())) {
      return false;
    }
    Condition then = before == null ? null : Conditions.find(before.getConditions(), CONDITION);
    return then == null
        || !"False".equals(then.getStatus())
        || !now.getMessage().equals(then.getMessage());
  }

  static String message(String creator, String namespace, List<String> lost) {
    return creator
        + " may no longer grant "
        + (lost.size() == 1 ? "scope " : "scopes ")
        + String.join(", ", lost)
        + " in namespace "
        + namespace
        + ": requests that demand "
        + (lost.size() == 1 ? "it" : "them")
        + " are refused (403 OWNER_LACKS_PERMISSION). An admin can bind verb grant on "
        + String.join(" and ", lost.stream().map(GrantReview::resourceName).toList())
        + ", or remove "
        + (lost.size() == 1 ? "the scope" : "the scopes")
        + " from spec.scopes.";
  }

  private static Long gen(ApiKey key) {
    return key.getMetadata().getGeneration();
  }
}
