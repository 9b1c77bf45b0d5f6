package dev.keyward.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.common.Conditions;
import dev.keyward.verifier.OwnerChecks;
import dev.keyward.verifier.OwnerChecks.Outcome;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The OwnerAuthorized condition from owner-check answers, without an API server. */
class OwnerAuthorizationTest {

  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  static ApiKey key(List<String> scopes, ApiKeyStatus status) {
    ApiKey key = TestKeys.key(scopes);
    key.setStatus(status);
    return key;
  }

  static final class TestKeys {
    static ApiKey key(List<String> scopes) {
      ApiKey key = new ApiKey();
      key.setMetadata(
          new ObjectMetaBuilder().withName("k").withNamespace("shop").withGeneration(3L).build());
      ApiKeySpec spec = new ApiKeySpec();
      spec.setScopes(scopes);
      key.setSpec(spec);
      return key;
    }
  }

  static ApiKeyStatus ready() {
    ApiKeyStatus status = new ApiKeyStatus();
    status.setConditions(Conditions.ready(true, "KeyActive", "ok", 3L, null, NOW));
    return status;
  }

  static Function<String, OwnerChecks.Result> answers(Map<String, Outcome> outcomes) {
    return scope -> new OwnerChecks.Result(outcomes.get(scope), scope, "alice");
  }

  @Test
  void everyLostScopeIsNamedOnceAndReadyIsKept() {
    ApiKey key = key(List.of("a", "b", "c", "b"), null);
    ApiKeyStatus status =
        OwnerAuthorization.apply(
            key,
            ready(),
            answers(
                Map.of(
                    "a",
                    Outcome.LACKS_PERMISSION,
                    "b",
                    Outcome.ALLOWED,
                    "c",
                    Outcome.LACKS_PERMISSION)),
            NOW);
    assertThat(status.getLostScopes()).containsExactly("a", "c");
    assertThat(status.getConditions())
        .extracting(c -> c.getType())
        .containsExactly("Ready", "OwnerAuthorized");
    var condition = Conditions.find(status.getConditions(), "OwnerAuthorized");
    assertThat(condition.getStatus()).isEqualTo("False");
    assertThat(condition.getReason()).isEqualTo("ScopeRevokedFromOwner");
    assertThat(condition.getObservedGeneration()).isEqualTo(3L);
    assertThat(condition.getMessage())
        .startsWith(
            "alice may no longer grant scopes a, c in namespace shop: requests that demand them")
        .contains("scopes.keyward.dev/a and scopes.keyward.dev/c")
        .endsWith("or remove the scopes from spec.scopes.");
    assertThat(OwnerAuthorization.newlyLost(null, status)).isTrue();
    ApiKeyStatus again =
        OwnerAuthorization.apply(
            key(List.of("a", "b", "c"), status),
            ready(),
            answers(
                Map.of(
                    "a",
                    Outcome.LACKS_PERMISSION,
                    "b",
                    Outcome.ALLOWED,
                    "c",
                    Outcome.LACKS_PERMISSION)),
            NOW.plusSeconds(60));
    // The same loss a minute later: no new Event, the same transition time.
    assertThat(OwnerAuthorization.newlyLost(status, again)).isFalse();
    assertThat(Conditions.find(again.getConditions(), "OwnerAuthorized").getLastTransitionTime())
        .isEqualTo(condition.getLastTransitionTime());
  }

  @Test
  void anAnswerNotKnownKeepsWhatWasShownAndALossIsShownAtOnce() {
    ApiKeyStatus lost =
        OwnerAuthorization.apply(
            key(List.of("a"), null), ready(), answers(Map.of("a", Outcome.LACKS_PERMISSION)), NOW);
    ApiKeyStatus unknown =
        OwnerAuthorization.apply(
            key(List.of("a", "b"), lost),
            ready(),
            answers(Map.of("a", Outcome.UNAVAILABLE, "b", Outcome.UNAVAILABLE)),
            NOW);
    assertThat(unknown.getLostScopes()).containsExactly("a");
    assertThat(Conditions.find(unknown.getConditions(), "OwnerAuthorized"))
        .isEqualTo(Conditions.find(lost.getConditions(), "OwnerAuthorized"));

    ApiKeyStatus nothingYet =
        OwnerAuthorization.apply(
            key(List.of("a"), null), ready(), answers(Map.of("a", Outcome.UNAVAILABLE)), NOW);
    assertThat(Conditions.find(nothingYet.getConditions(), "OwnerAuthorized")).isNull();

    ApiKeyStatus partlyKnown =
        OwnerAuthorization.apply(
            key(List.of("a", "b"), null),
            ready(),
            answers(Map.of("a", Outcome.UNAVAILABLE, "b", Outcome.LACKS_PERMISSION)),
            NOW);
    assertThat(partlyKnown.getLostScopes()).containsExactly("b");
  }

  @Test
  void noCreatorNoCondition() {
    ApiKeyStatus status =
        OwnerAuthorization.apply(
            key(List.of("a"), null),
            ready(),
            scope -> new OwnerChecks.Result(Outcome.NO_CREATOR, null, null),
            NOW);
    assertThat(status.getConditions()).hasSize(1);
    assertThat(status.getLostScopes()).isNull();
  }
}
