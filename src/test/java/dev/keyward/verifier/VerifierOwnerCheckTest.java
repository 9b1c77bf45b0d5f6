package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.admission.Creator;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.ScopeRbac;
import dev.keyward.testing.VerifierHarness;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code keyward verifier --owner-check}: a key's scopes hold only while its creator may grant
 * them. The creator's rights are RBAC on the test API server ({@link ScopeRbac}); the test moves
 * the verifier's clock through TTLs.
 */
class VerifierOwnerCheckTest {

  static final Duration TTL = Duration.ofSeconds(60);
  static final Creator ALICE =
      new Creator("alice", "7c1e2a90", List.of("team-orders", "system:authenticated"));

  @RegisterExtension
  final VerifierHarness kv = new VerifierHarness().ownerCheck(TTL).createdBy(ALICE);

  RawHttp.Response verify(String query, String key) throws Exception {
    return kv.verify(query, key);
  }

  long reviewsSent() {
    return kv.requests().requests().stream()
        .filter(r -> r.path().endsWith("/subjectaccessreviews"))
        .count();
  }

  void awaitAnswer(String query, String key, String code) {
    OperatorHarness.waiting().until(() -> code.equals(verify(query, key).code()));
  }

  @Test
  void aKeyActsWhileItsCreatorMayGrantTheScopeAndNamesTheCreator() throws Exception {
    ScopeRbac.grantUser(kv.namespace(), "alice", "orders:read");
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read")));
    awaitAnswer("?scope=orders:read", key, "OK");
    RawHttp.Response ok = verify("?scope=orders:read", key);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("X-Keyward-Owner")).isEqualTo("alice");
    // No scope demanded: nothing to check, and the owner is still named.
    assertThat(verify("", key).header("X-Keyward-Owner")).isEqualTo("alice");
    assertThat(ScopeRbac.asked(kv.namespace())).isIn(-1, 1);
  }

  @Test
  void aCreatorWhoLosesTheRightLosesItForTheirKeysWithinOneTtl() throws Exception {
    var grant = ScopeRbac.grantUser(kv.namespace(), "alice", "orders:read");
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read")));
    awaitAnswer("?scope=orders:read", key, "OK");

    // Warm: requests read the cache, none asks the API server.
    long before = reviewsSent();
    for (int i = 0; i < 20; i++) {
      assertThat(verify("?scope=orders:read", key).status()).isEqualTo(200);
    }
    assertThat(reviewsSent()).isEqualTo(before);

    ScopeRbac.revoke(grant);
    // The answer is cached for a TTL...
    assertThat(verify("?scope=orders:read", key).status()).isEqualTo(200);
    // ...and asked again once it is a TTL old.
    kv.clock().advance(TTL);
    awaitAnswer("?scope=orders:read", key, "OWNER_LACKS_PERMISSION");
    RawHttp.Response refused = verify("?scope=orders:read", key);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.header("X-Keyward-Scope")).isEqualTo("orders:read");
    assertThat(refused.body()).contains("\"scope\":\"orders:read\"");
    assertThat(refused.header("X-Keyward-Owner")).isNull();
    // A request that demands no scope is not about the creator's rights.
    assertThat(verify("", key).status()).isEqualTo(200);
  }

  @Test
  void aScopeTheCreatorNeverHadIsRefusedAndTheOthersWork() throws Exception {
    ScopeRbac.grantUser(kv.namespace(), "alice", "orders:read");
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read", "orders:write")));
    awaitAnswer("?scope=orders:write", key, "OWNER_LACKS_PERMISSION");
    assertThat(verify("?scope=orders:read", key).status()).isEqualTo(200);
    assertThat(verify("?scope=orders:read&scope=orders:write", key).code())
        .isEqualTo("OWNER_LACKS_PERMISSION");
    // The JSON form says the same.
    RawHttp.Response json =
        kv.send(
            List.of("POST /v1/keys/verify HTTP/1.1", "Host: x", "Content-Type: application/json"),
            ("{\"key\":\"" + key + "\",\"scopes\":[\"orders:write\"]}").getBytes());
    assertThat(json.body())
        .contains(
            "\"valid\":false", "\"code\":\"OWNER_LACKS_PERMISSION\"", "\"scope\":\"orders:write\"");
  }

  @Test
  void theCreatorsGroupsCount() throws Exception {
    ScopeRbac.grantGroup(kv.namespace(), "team-orders", "orders:read");
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read")));
    awaitAnswer("?scope=orders:read", key, "OK");
  }

  @Test
  void withoutTheApiServerAnswersHoldForTenTtlsThenTheCheckFailsClosed() throws Exception {
    ScopeRbac.grantUser(kv.namespace(), "alice", "orders:read");
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read")));
    awaitAnswer("?scope=orders:read", key, "OK");

    kv.requests().answerWithErrors(r -> r.path().endsWith("/subjectaccessreviews") ? 503 : 0);
    kv.clock().advance(TTL.multipliedBy(5));
    // The refresh is tried and fails...
    OperatorHarness.waiting().until(() -> kv.requests().errorResponses().getOrDefault(503, 0L) > 0);
    // ...and the last answer holds.
    assertThat(verify("?scope=orders:read", key).status()).isEqualTo(200);
    // Nine TTLs after the last answer (give or take the real seconds the test takes)...
    kv.clock().advance(TTL.multipliedBy(4));
    assertThat(verify("?scope=orders:read", key).status()).isEqualTo(200);

    // ...and ten.
    kv.clock().advance(TTL);
    RawHttp.Response unavailable = verify("?scope=orders:read", key);
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.code()).isEqualTo("OWNER_CHECK_UNAVAILABLE");
    assertThat(unavailable.header("Retry-After")).isEqualTo("1");
    // ingress-nginx's form: 403 with the real status beside it.
    RawHttp.Response masked = verify("?scope=orders:read&denyAs=403", key);
    assertThat(masked.status()).isEqualTo(403);
    assertThat(masked.header("X-Keyward-Status")).isEqualTo("503");

    kv.requests().answerWithErrors(r -> 0);
    kv.clock().advance(TTL);
    awaitAnswer("?scope=orders:read", key, "OK");
  }

  @Test
  void aScopeNeverCheckedIsCheckedOnTheRequestPath() throws Exception {
    ScopeRbac.grantUser(kv.namespace(), "alice", "orders:read");
    kv.beforeStart(
        log -> log.answerWithErrors(r -> r.path().endsWith("/subjectaccessreviews") ? 500 : 0));
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read")));
    kv.awaitCode(key, "OK");
    // The check made when the key appeared failed: nothing is known, so nothing passes.
    OperatorHarness.waiting().until(() -> kv.requests().errorResponses().getOrDefault(500, 0L) > 0);
    RawHttp.Response unknown = verify("?scope=orders:read", key);
    assertThat(unknown.code()).isEqualTo("OWNER_CHECK_UNAVAILABLE");
    assertThat(unknown.header("X-Keyward-Scope")).isEqualTo("orders:read");

    // The API server answers again: the next request asks it itself, well before the background
    // would try again (a tenth of a TTL after the failure), and passes.
    kv.requests().answerWithErrors(r -> 0);
    long before = reviewsSent();
    RawHttp.Response first = verify("?scope=orders:read", key);
    assertThat(first.code()).isEqualTo("OK");
    assertThat(first.header("X-Keyward-Owner")).isEqualTo("alice");
    assertThat(reviewsSent()).isEqualTo(before + 1);
  }

  @Test
  void aKeyWithoutARecordedCreatorCannotUseScopes() throws Exception {
    kv.createdBy(null);
    ScopeRbac.grantUser(kv.namespace(), "alice");
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read")));
    kv.awaitCode(key, "OK");
    assertThat(verify("", key).header("X-Keyward-Owner")).isNull();
    RawHttp.Response refused = verify("?scope=orders:read", key);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.code()).isEqualTo("OWNER_UNKNOWN");
  }
}
