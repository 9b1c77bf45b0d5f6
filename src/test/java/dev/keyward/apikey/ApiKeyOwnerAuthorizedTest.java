package dev.keyward.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.admission.Creator;
import dev.keyward.common.Conditions;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.ScopeRbac;
import dev.keyward.testing.TestApiKeys;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With scope authorization the operator shows on each ApiKey whether its creator may still grant
 * its scopes: condition OwnerAuthorized, {@code status.lostScopes} (a column), one Warning Event
 * when a scope is lost. The creator's rights are RBAC on the test API server ({@link ScopeRbac}).
 */
class ApiKeyOwnerAuthorizedTest {

  static final Duration TTL = Duration.ofSeconds(60);

  @RegisterExtension
  final OperatorHarness kw = new OperatorHarness().configure(s -> s.withOwnerChecks(TTL));

  /** An ApiKey as the created-by webhook stores it for {@code creator}. */
  ApiKey createdBy(Creator creator, String name, List<String> scopes) {
    ApiKey key = TestApiKeys.apiKey(name, s -> s.setScopes(scopes));
    if (creator != null) {
      Map<String, String> annotations = new HashMap<>();
      for (int i = 0; i < Creator.ANNOTATIONS.size(); i++) {
        annotations.put(Creator.ANNOTATIONS.get(i), creator.annotationValues().get(i));
      }
      key.getMetadata().setAnnotations(annotations);
    }
    return kw.create(key);
  }

  static Condition owner(ApiKey key) {
    return key.getStatus() == null
        ? null
        : Conditions.find(key.getStatus().getConditions(), OwnerAuthorization.CONDITION);
  }

  static boolean says(ApiKey key, String status, String reason) {
    Condition c = owner(key);
    return c != null && status.equals(c.getStatus()) && reason.equals(c.getReason());
  }

  @Test
  void aScopeTheCreatorLosesIsShownOnTheApiKeyWithOneWarning() {
    Creator alice = new Creator("alice", "u-1", List.of("team-orders"));
    ScopeRbac.grantUser(kw.namespace(), "alice", "orders:read");
    var write = ScopeRbac.grantGroup(kw.namespace(), "team-orders", "orders:write");
    createdBy(alice, "orders", List.of("orders:read", "orders:write"));
    ApiKey ok = kw.awaitApiKey("orders", k -> says(k, "True", "OwnerMayGrantScopes"));
    assertThat(ok.getStatus().getLostScopes()).isNull();
    assertThat(ok.getStatus().getPhase()).isEqualTo("Active");

    ScopeRbac.revoke(write);
    kw.clock().advance(TTL);
    ApiKey lost = kw.awaitApiKey("orders", k -> says(k, "False", "ScopeRevokedFromOwner"));
    assertThat(lost.getStatus().getLostScopes()).containsExactly("orders:write");
    assertThat(owner(lost).getMessage())
        .isEqualTo(
            "alice may no longer grant scope orders:write in namespace "
                + kw.namespace()
                + ": requests that demand it are refused (403 OWNER_LACKS_PERMISSION). An admin"
                + " can bind verb grant on scopes.keyward.dev/orders:write, or remove the scope"
                + " from spec.scopes.");
    // The key itself stays usable for its other scope.
    assertThat(lost.getStatus().getPhase()).isEqualTo("Active");
    assertThat(Conditions.find(lost.getStatus().getConditions(), "Ready").getStatus())
        .isEqualTo("True");
    OperatorHarness.waiting()
        .until(() -> kw.eventReasons("orders").contains("ScopeRevokedFromOwner"));

    // More reconciles and refreshes: still one Warning.
    for (int i = 0; i < 3; i++) {
      kw.tick(TTL);
    }
    kw.resync();
    OperatorHarness.waiting()
        .pollDelay(Duration.ofSeconds(2))
        .until(() -> kw.reconcileCount("orders") >= 4);
    assertThat(kw.events("orders"))
        .filteredOn(e -> e.getReason().equals("ScopeRevokedFromOwner"))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));

    // The right comes back: so does the condition.
    ScopeRbac.grantUser(kw.namespace(), "alice", "orders:write");
    kw.clock().advance(TTL);
    ApiKey back = kw.awaitApiKey("orders", k -> says(k, "True", "OwnerMayGrantScopes"));
    assertThat(back.getStatus().getLostScopes()).isNull();
  }

  @Test
  void aKeyWithoutACreatorOrWithoutScopesHasNoOwnerCondition() {
    createdBy(null, "anonymous", List.of("orders:read"));
    createdBy(new Creator("alice", "", List.of()), "unscoped", List.of());
    ApiKey anonymous =
        kw.awaitApiKey(
            "anonymous", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    ApiKey unscoped =
        kw.awaitApiKey(
            "unscoped", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    assertThat(owner(anonymous)).isNull();
    assertThat(owner(unscoped)).isNull();
  }
}
