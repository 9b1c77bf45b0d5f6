package dev.keyward.verifier;

import static dev.keyward.verifier.VerifierForwardAuthTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyward.apikey.RateLimit;
import dev.keyward.testing.RawHttp;
import dev.keyward.testing.VerifierHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** spec.rateLimit as a token bucket, the ingress-nginx mapping, and POST /v1/keys/verify. */
class VerifierRateLimitAndJsonTest {

  @RegisterExtension final VerifierHarness kv = new VerifierHarness();

  @Test
  void overItsRateLimitAKeyGets429WithRetryAfterUntilATokenIsBack() throws Exception {
    kv.startSynced();
    String key = kv.issue("limited", s -> s.setRateLimit(new RateLimit(3, "1m")));
    String other = kv.issue("unlimited", s -> {});
    kv.awaitCode(other, "OK");
    kv.awaitCode(key, "OK"); // takes one of the three tokens

    assertThat(kv.verify("", key).status()).isEqualTo(200);
    assertThat(kv.verify("", key).status()).isEqualTo(200);
    RawHttp.Response limited = kv.verify("", key);
    assertRefused(limited, 429, "RATE_LIMITED");
    assertThat(limited.header("Retry-After")).isEqualTo("20");
    assertThat(kv.verify("", other).status()).isEqualTo(200);

    RawHttp.Response forNginx = kv.verify("?denyAs=403", key);
    assertThat(forNginx.status()).isEqualTo(403);
    assertThat(forNginx.code()).isEqualTo("RATE_LIMITED");
    assertThat(forNginx.header("X-Keyward-Status")).isEqualTo("429");
    assertThat(forNginx.header("Retry-After")).isEqualTo("20");

    kv.clock().advance(Duration.ofSeconds(20));
    assertThat(kv.verify("", key).status()).isEqualTo(200);
    assertRefused(kv.verify("", key), 429, "RATE_LIMITED");
  }

  @Test
  void jsonFormAnswersForAnyKey() throws Exception {
    kv.startSynced();
    String key =
        kv.issue(
            kv.namespace(),
            "direct",
            s -> s.setScopes(List.of("models:read")),
            s -> s.setExpiresAt("2099-01-01T00:00:00Z"));
    kv.awaitCode(key, "OK");

    JsonNode ok =
        post(
            "{\"key\":\""
                + key
                + "\",\"scopes\":[\"models:read\"],\"namespaces\":[\""
                + kv.namespace()
                + "\"]}",
            200);
    assertThat(ok.get("valid").asBoolean()).isTrue();
    assertThat(ok.get("code").asText()).isEqualTo("OK");
    assertThat(ok.get("apiKey").get("namespace").asText()).isEqualTo(kv.namespace());
    assertThat(ok.get("apiKey").get("name").asText()).isEqualTo("direct");
    assertThat(ok.get("keyVersion").asInt()).isEqualTo(1);
    assertThat(ok.get("scopes").get(0).asText()).isEqualTo("models:read");
    assertThat(ok.get("expiresAt").asText()).isEqualTo("2099-01-01T00:00:00Z");

    JsonNode scope = post("{\"key\":\"" + key + "\",\"scopes\":[\"admin\"]}", 200);
    assertThat(scope.get("valid").asBoolean()).isFalse();
    assertThat(scope.get("code").asText()).isEqualTo("INSUFFICIENT_SCOPE");

    JsonNode unknown = post("{\"key\":\"" + kv.newKey() + "\"}", 200);
    assertThat(unknown.get("valid").asBoolean()).isFalse();
    assertThat(unknown.get("code").asText()).isEqualTo("UNKNOWN");
    assertThat(unknown.has("apiKey")).isFalse();

    assertThat(post("{}", 200).get("code").asText()).isEqualTo("MISSING_KEY");
    assertThat(post("{\"key\":\"kw_nope\"}", 200).get("code").asText()).isEqualTo("MALFORMED");
    assertThat(post("not json", 400).get("code").asText()).isEqualTo("BAD_REQUEST");
    assertThat(post("{\"key\":42}", 400).get("code").asText()).isEqualTo("BAD_REQUEST");
    assertThat(post("{\"key\":\"x\",\"scopes\":\"one\"}", 400).get("code").asText())
        .isEqualTo("BAD_REQUEST");
    assertThat(post("[" + "\"x\",".repeat(10_000) + "\"x\"]", 413).get("code").asText())
        .isEqualTo("TOO_LARGE");
    assertThat(kv.get("/v1/keys/verify").status()).isEqualTo(405);
  }

  private JsonNode post(String json, int status) throws Exception {
    RawHttp.Response response =
        kv.send(
            List.of("POST /v1/keys/verify HTTP/1.1", "Content-Type: application/json"),
            json.getBytes(StandardCharsets.UTF_8));
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    return new ObjectMapper().readTree(response.body());
  }
}
