package dev.keyward.verifier;

import static dev.keyward.verifier.VerifierForwardAuthTest.assertRefused;
import static dev.keyward.verifier.VerifierForwardAuthTest.withWrongChecksum;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.KeyFormat;
import dev.keyward.apikey.PreviousKey;
import dev.keyward.testing.LogCapture;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.VerifierHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad input gets its documented answer, never a crash, and the verifier answers a good key right
 * after. The harness's leak scan then checks no presented key reached a log line or /metrics.
 */
class VerifierBadInputTest {

  private static final String OTHER = "kv-other";

  @RegisterExtension final VerifierHarness kv = new VerifierHarness().alsoWatching(OTHER);

  @Test
  void eachBadInputHasItsAnswer() throws Exception {
    kv.startSynced();
    String key = kv.issue("good", s -> s.setScopes(List.of("read")));
    String foreign = kv.issue(OTHER, "foreign-" + kv.namespace(), s -> {}, s -> {});
    kv.awaitCode(key, "OK");
    kv.awaitCode(foreign, "OK");
    int mark = LogCapture.mark();

    assertRefused(kv.verify("", withWrongChecksum(key)), 401, "MALFORMED");
    assertRefused(
        kv.get("/v1/verify", "Authorization: Bearer " + key, "Authorization: Bearer " + key),
        401,
        "MALFORMED");
    assertRefused(kv.get("/v1/verify", "X-API-Key: " + key, "X-API-Key: " + key), 401, "MALFORMED");
    assertRefused(kv.get("/v1/verify", "Authorization: Basic " + key), 401, "MALFORMED");
    assertRefused(kv.get("/v1/verify", "Authorization: Bearer"), 401, "MALFORMED");
    assertRefused(kv.get("/v1/verify", "Authorization: " + key), 401, "MALFORMED");
    assertRefused(kv.verify("", key + "é"), 401, "MALFORMED");
    assertRefused(kv.verify("", "kw_" + "ü".repeat(40)), 401, "MALFORMED");
    assertRefused(kv.verify("", key.repeat(5)), 401, "MALFORMED");
    assertRefused(kv.verify("", "kw_' OR 1=1 --"), 401, "MALFORMED");
    String other = kv.newKey();
    assertRefused(
        kv.get("/v1/verify", "Authorization: Bearer " + key, "X-API-Key: " + other),
        401,
        "MALFORMED");
    assertThat(
            kv.get("/v1/verify", "Authorization: Basic dXNlcjpwYXNz", "X-API-Key: " + key).status())
        .as("a service's own Basic credentials next to X-API-Key")
        .isEqualTo(200);

    assertRefused(kv.verify("?namespace=" + kv.namespace(), foreign), 403, "WRONG_NAMESPACE");
    assertRefused(kv.verify("?scope=%zz", key), 400, "BAD_REQUEST");
    assertRefused(kv.verify("?denyAs=500", key), 400, "BAD_REQUEST");

    RawHttp.Response hugeHeader = kv.verify("", key + "x".repeat(20_000));
    assertThat(hugeHeader.status()).isEqualTo(431);
    RawHttp.Response hugeLine = kv.verify("?scope=" + "a".repeat(20_000), key);
    assertThat(hugeLine.status()).isEqualTo(414);
    RawHttp.Response hugeBody =
        kv.send(
            List.of("POST /v1/keys/verify HTTP/1.1"),
            ("{\"key\":\"" + key + "\",\"pad\":\"" + "x".repeat(100_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(hugeBody.status()).isEqualTo(413);

    RawHttp.Response withBody =
        kv.send(
            List.of("POST /v1/verify/orders HTTP/1.1", "X-API-Key: " + key),
            "x".repeat(100_000).getBytes(StandardCharsets.UTF_8));
    assertThat(withBody.status()).as("a forwarded body is ignored").isEqualTo(200);

    assertThat(kv.verify("?scope=read", key).status()).isEqualTo(200);
    assertThat(LogCapture.since(mark)).doesNotContain("Exception");
  }

  @Test
  void aRevokedKeyDuringItsOverlapIsRevokedForBothVersions() throws Exception {
    kv.startSynced();
    String previous = kv.issue("overlapping", s -> s.setRevoked(true));
    String current = kv.newKey();
    kv.writeStatus(
        "overlapping",
        s -> {
          s.setKeyVersion(2);
          s.setKeyHash(KeyFormat.keyHash(current));
          s.setPreviousKey(new PreviousKey(null, null, kv.in(Duration.ofDays(1))));
          s.getPreviousKey().setKeyHash(KeyFormat.keyHash(previous));
        });
    kv.awaitCode(current, "REVOKED");
    assertRefused(kv.verify("", previous), 401, "REVOKED");
  }

  @Test
  void aStatusWithAnUnreadableHashOrTimeFailsClosed() throws Exception {
    kv.startSynced();
    String key = kv.issue(kv.namespace(), "odd", s -> {}, s -> s.setExpiresAt("next tuesday"));
    String noHash = kv.issue(kv.namespace(), "nohash", s -> {}, s -> s.setKeyHash("sha256:zz"));
    kv.awaitCode(key, "EXPIRED");
    assertRefused(kv.verify("", noHash), 401, "UNKNOWN");

    String previous = kv.issue("open-ended", s -> {});
    String current = kv.newKey();
    kv.writeStatus(
        "open-ended",
        s -> {
          s.setKeyVersion(2);
          s.setKeyHash(KeyFormat.keyHash(current));
          s.setPreviousKey(new PreviousKey());
          s.getPreviousKey().setKeyHash(KeyFormat.keyHash(previous));
        });
    kv.awaitCode(current, "OK");
    assertRefused(kv.verify("", previous), 401, "EXPIRED");
  }
}
