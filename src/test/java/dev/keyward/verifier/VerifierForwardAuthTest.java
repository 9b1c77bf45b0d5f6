package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.KeyFormat;
import dev.keyward.apikey.PreviousKey;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.VerifierHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The forward-auth contract of {@code /v1/verify}, against the real wiring and an API server. */
class VerifierForwardAuthTest {

  @RegisterExtension final VerifierHarness kv = new VerifierHarness();

  @Test
  void validKeyGets200WithItsIdentityForTheUpstream() throws Exception {
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read", "orders:write")));
    kv.awaitCode(key, "OK");

    for (String header : List.of("Authorization: Bearer " + key, "X-API-Key: " + key)) {
      RawHttp.Response ok = kv.get("/v1/verify?scope=orders:read", header);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("X-Keyward-ApiKey")).isEqualTo(kv.namespace() + "/orders");
      assertThat(ok.header("X-Keyward-Key-Version")).isEqualTo("1");
      assertThat(ok.header("X-Keyward-Scopes")).isEqualTo("orders:read,orders:write");
      assertThat(ok.body()).isEmpty();
      assertThat(ok.header("Content-Length")).isEqualTo("0");
      assertThat(ok.header("Content-Type")).isNull();
      assertThat(ok.header("X-Keyward-Code")).isEqualTo("OK");
    }
    assertThat(kv.get("/v1/verify/any/path/below", "X-API-Key: " + key).status()).isEqualTo(200);
    assertThat(
            kv.send(
                    List.of("DELETE /v1/verify HTTP/1.1", "Authorization: bearer " + key),
                    new byte[0])
                .status())
        .isEqualTo(200);
  }

  @Test
  void everyRefusalHasItsStatusAndCode() throws Exception {
    kv.startSynced();
    String key =
        kv.issue(
            kv.namespace(),
            "orders",
            s -> s.setScopes(List.of("orders:read")),
            s -> s.setExpiresAt(kv.in(Duration.ofHours(1))));
    String revoked =
        kv.issue(kv.namespace(), "gone", s -> s.setRevoked(true), s -> s.setPhase("Revoked"));
    kv.awaitCode(revoked, "REVOKED");

    assertRefused(kv.get("/v1/verify"), 401, "MISSING_KEY");
    assertRefused(kv.verify("", "not-a-key"), 401, "MALFORMED");
    assertRefused(kv.verify("", withWrongChecksum(key)), 401, "MALFORMED");
    assertRefused(kv.verify("", kv.newKey()), 401, "UNKNOWN");
    assertRefused(kv.verify("", revoked), 401, "REVOKED");
    assertRefused(kv.verify("?scope=orders:read&scope=admin", key), 403, "INSUFFICIENT_SCOPE");
    assertRefused(kv.verify("?namespace=elsewhere", key), 403, "WRONG_NAMESPACE");
    assertThat(kv.verify("?namespace=elsewhere&namespace=" + kv.namespace(), key).status())
        .isEqualTo(200);

    kv.clock().advance(Duration.ofHours(1));
    assertRefused(kv.verify("", key), 401, "EXPIRED");
    assertThat(kv.verifier().metrics().answers(Code.EXPIRED)).isEqualTo(1);
  }

  @Test
  void previousKeyIsAcceptedUntilValidUntilThenExpired() throws Exception {
    kv.startSynced();
    String first = kv.issue("rotating", s -> {});
    String second = kv.newKey();
    String until = kv.in(Duration.ofMinutes(10));
    kv.writeStatus(
        "rotating",
        s -> {
          s.setKeyVersion(2);
          s.setKeyHash(KeyFormat.keyHash(second));
          s.setPreviousKey(new PreviousKey(KeyFormat.mask(first), null, until));
          s.getPreviousKey().setKeyHash(KeyFormat.keyHash(first));
        });
    kv.awaitCode(second, "OK");

    RawHttp.Response old = kv.verify("", first);
    assertThat(old.status()).isEqualTo(200);
    assertThat(old.header("X-Keyward-Key-Version")).isEqualTo("1");
    assertThat(kv.verify("", second).header("X-Keyward-Key-Version")).isEqualTo("2");

    kv.clock().advance(Duration.ofMinutes(10).plusSeconds(1));
    assertRefused(kv.verify("", first), 401, "EXPIRED");
    assertThat(kv.verify("", second).status()).isEqualTo(200);
  }

  @Test
  void revocationReachesTheVerifierWithTheWatchEvent() throws Exception {
    kv.startSynced();
    String previous = kv.issue("leaked", s -> {});
    String current = kv.newKey();
    kv.writeStatus(
        "leaked",
        s -> {
          s.setKeyVersion(2);
          s.setKeyHash(KeyFormat.keyHash(current));
          s.setPreviousKey(new PreviousKey(null, null, kv.in(Duration.ofDays(7))));
          s.getPreviousKey().setKeyHash(KeyFormat.keyHash(previous));
        });
    kv.awaitCode(previous, "OK");

    // Only the spec changes: the verifier refuses before the operator has written anything.
    kv.edit(
        "leaked",
        k -> {
          k.getSpec().setRevoked(true);
          return k;
        });
    kv.awaitCode(current, "REVOKED");
    assertRefused(kv.verify("", previous), 401, "REVOKED");

    kv.admin()
        .resources(dev.keyward.apikey.ApiKey.class)
        .inNamespace(kv.namespace())
        .withName("leaked")
        .delete();
    kv.awaitCode(current, "UNKNOWN");
  }

  @Test
  void failsClosedUntilTheCacheHasSynced() throws Exception {
    String key = kv.issue("early", s -> {});
    AtomicBoolean listing = new AtomicBoolean(false);
    kv.beforeStart(
        log ->
            log.answerWithErrors(
                r ->
                    !listing.get() && r.method().equals("GET") && r.path().contains("/apikeys")
                        ? 503
                        : 0));
    kv.start();

    RawHttp.Response early = kv.verify("", key);
    assertThat(early.status()).isEqualTo(503);
    assertThat(early.code()).isEqualTo("NOT_READY");
    assertThat(early.header("Retry-After")).isEqualTo("1");
    RawHttp.Response masked = kv.verify("?denyAs=403", key);
    assertThat(masked.status()).isEqualTo(403);
    assertThat(masked.header("X-Keyward-Status")).isEqualTo("503");
    assertThat(kv.get("/readyz").status()).isEqualTo(503);
    assertThat(kv.get("/healthz").status()).isEqualTo(200);
    assertThat(kv.get("/metrics").body()).contains("keyward_verifier_cache_synced 0.0");

    listing.set(true);
    OperatorHarness.waiting().until(() -> kv.verify("", key).status() == 200);
    assertThat(kv.get("/readyz").status()).isEqualTo(200);
  }

  @Test
  void metricsShowAnswersByCodeCacheSizeAndStalenessButNoKey() throws Exception {
    kv.startSynced();
    String key = kv.issue("counted", s -> {});
    kv.awaitCode(key, "OK");
    long unknownBefore = kv.verifier().metrics().answers(Code.UNKNOWN);
    kv.verify("", kv.newKey());
    assertThat(kv.verifier().metrics().answers(Code.UNKNOWN)).isEqualTo(unknownBefore + 1);

    String metrics = kv.get("/metrics").body();
    assertThat(metrics)
        .contains("keyward_verifier_requests_total{code=\"OK\"}")
        .contains("keyward_verifier_cached_key_versions 1.0")
        .contains("keyward_verifier_request_duration_seconds_bucket")
        .contains("keyward_verifier_cache_staleness_seconds");
    kv.clock().advance(Duration.ofMinutes(5));
    assertThat(kv.verifier().registry().stalenessSeconds()).isGreaterThanOrEqualTo(299);
    OperatorHarness.waiting().until(() -> kv.verifier().registry().stalenessSeconds() < 5);
  }

  @Test
  void oneKeptAliveConnectionCarriesGrantsRefusalsAndHeads() throws Exception {
    kv.startSynced();
    String key = kv.issue("orders", s -> s.setScopes(List.of("orders:read")));
    kv.awaitCode(key, "OK");
    List<String> granted = List.of("/v1/verify?scope=orders:read", "Authorization: Bearer " + key);
    List<String> missing = List.of("/v1/verify?scope=orders:read");
    List<String> scopeless = List.of("/v1/verify?scope=admin", "Authorization: Bearer " + key);

    try (RawHttp.Connection proxy = new RawHttp.Connection(kv.verifier().httpPort())) {
      RawHttp.Response ok = proxy.send(request("GET", granted));
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("X-Keyward-ApiKey")).isEqualTo(kv.namespace() + "/orders");
      assertThat(ok.header("Content-Length")).isEqualTo("0");
      assertThat(ok.body()).isEmpty();
      RawHttp.Response unauthorized = proxy.send(request("GET", missing));
      assertRefused(unauthorized, 401, "MISSING_KEY");
      RawHttp.Response forbidden = proxy.send(request("GET", scopeless));
      assertRefused(forbidden, 403, "INSUFFICIENT_SCOPE");

      // HEAD: the GET answer's status and header, no body (a body would spoil the next answer).
      RawHttp.Response okHead = proxy.send(request("HEAD", granted));
      assertThat(okHead.status()).isEqualTo(200);
      assertThat(lines(okHead)).isEqualTo(lines(ok));
      RawHttp.Response unauthorizedHead = proxy.send(request("HEAD", missing));
      assertThat(unauthorizedHead.status()).isEqualTo(401);
      assertThat(lines(unauthorizedHead)).isEqualTo(lines(unauthorized));
      RawHttp.Response forbiddenHead = proxy.send(request("HEAD", scopeless));
      assertThat(forbiddenHead.status()).isEqualTo(403);
      assertThat(lines(forbiddenHead)).isEqualTo(lines(forbidden));
      assertThat(proxy.send(request("GET", granted)).status()).isEqualTo(200);

      for (RawHttp.Response answer : List.of(ok, unauthorized, forbidden, okHead, forbiddenHead)) {
        assertThat(answer.header("Connection")).isNotEqualToIgnoringCase("close");
      }
      assertThat(proxy.closedByServer()).isFalse();
    }
  }

  @Test
  void headIsAnsweredWithoutABodyUntilTheConnectionCloses() throws Exception {
    kv.startSynced();
    String key = kv.issue("orders", s -> {});
    kv.awaitCode(key, "OK");

    RawHttp.Response ok =
        kv.send(List.of("HEAD /v1/verify HTTP/1.1", "Authorization: Bearer " + key), null);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("X-Keyward-Key-Version")).isEqualTo("1");
    assertThat(ok.body()).isEmpty();
    RawHttp.Response refused = kv.send(List.of("HEAD /v1/verify HTTP/1.1"), null);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("X-Keyward-Code")).isEqualTo("MISSING_KEY");
    assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"keyward\"");
    assertThat(refused.body()).isEmpty();
  }

  private static List<String> request(String method, List<String> targetAndHeaders) {
    List<String> head = new ArrayList<>();
    head.add(method + " " + targetAndHeaders.get(0) + " HTTP/1.1");
    head.addAll(targetAndHeaders.subList(1, targetAndHeaders.size()));
    return head;
  }

  private static List<String> lines(RawHttp.Response response) {
    return response.headers().stream().map(h -> h[0] + ": " + h[1]).toList();
  }

  /** A refusal: its status, its code in the X-Keyward-Code header and in the JSON body. */
  static void assertRefused(RawHttp.Response response, int status, String code) {
    assertThat(response.status()).as(code).isEqualTo(status);
    assertThat(response.header("X-Keyward-Code")).isEqualTo(code);
    assertThat(response.bodyCode()).isEqualTo(code);
    assertThat(response.header("Content-Type")).isEqualTo("application/json");
    if (status == 401) {
      assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"keyward\"");
    } else {
      assertThat(response.header("WWW-Authenticate")).isNull();
    }
    assertThat(response.header("X-Keyward-ApiKey")).isNull();
  }

  /** A key of valid form whose last checksum character is changed. */
  static String withWrongChecksum(String key) {
    char last = key.charAt(key.length() - 1);
    return key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A');
  }
}
