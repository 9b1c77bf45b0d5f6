package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeySpec;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.apikey.RateLimit;
import dev.keyward.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP contract as a function: no sockets, no API server. */
class VerifyApiTest {

  private final MutableClock clock = new MutableClock();
  private final KeyRegistry registry = new KeyRegistry(clock);
  private boolean synced = true;
  private final VerifyApi api = new VerifyApi(new KeyVerifier(registry, clock, () -> synced));

  private String put(String name, ApiKeySpec spec, String expiresAt) {
    String key = KeyFormat.generate("kw_", 32);
    ApiKey apiKey = new ApiKey();
    apiKey.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("ns")
            .withName(name)
            .withResourceVersion("1")
            .build());
    apiKey.setSpec(spec);
    ApiKeyStatus status = new ApiKeyStatus();
    status.setPhase("Active");
    status.setKeyVersion(3);
    status.setKeyHash(KeyFormat.keyHash(key));
    status.setExpiresAt(expiresAt);
    apiKey.setStatus(status);
    registry.store(null).put("ns/" + name, apiKey);
    return key;
  }

  private Answer verify(String query, String key) {
    Map<String, List<String>> params =
        query.isEmpty() ? Map.of() : Map.of(query.split("=")[0], List.of(query.split("=")[1]));
    return api.forwardAuth(
            "/v1/verify",
            n -> params.getOrDefault(n, List.of()),
            List.of("Bearer " + key),
            List.of())
        .result();
  }

  @Test
  void okCarriesIdentityHeaders() {
    ApiKeySpec spec = new ApiKeySpec();
    spec.setScopes(List.of("a", "b"));
    String key = put("k", spec, null);
    Answer ok = verify("scope=b", key);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.headers())
        .containsEntry("X-Keyward-ApiKey", "ns/k")
        .containsEntry("X-Keyward-Key-Version", "3")
        .containsEntry("X-Keyward-Scopes", "a,b")
        .containsEntry("X-Keyward-Code", "OK")
        .doesNotContainKey("Content-Type");
    assertThat(ok.body()).isEmpty();
    Answer refused = verify("scope=c", key);
    assertThat(refused.headers()).containsEntry("X-Keyward-Code", "INSUFFICIENT_SCOPE");
    assertThat(refused.body()).isEqualTo("{\"code\":\"INSUFFICIENT_SCOPE\"}");
  }

  @Test
  void expiryIsJudgedByTheClockAtRequestTime() {
    String key = put("k", new ApiKeySpec(), clock.instant().plusSeconds(60).toString());
    assertThat(verify("", key).status()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(61));
    Answer expired = verify("", key);
    assertThat(expired.code()).isEqualTo(Code.EXPIRED);
    assertThat(expired.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"keyward\"");
  }

  @Test
  void denyAs403MasksOnly429And503() {
    ApiKeySpec spec = new ApiKeySpec();
    spec.setRateLimit(new RateLimit(1, "1m"));
    String key = put("k", spec, null);
    assertThat(verify("denyAs=403", key).status()).isEqualTo(200);
    Answer limited = verify("denyAs=403", key);
    assertThat(limited.status()).isEqualTo(403);
    assertThat(limited.headers()).containsEntry("X-Keyward-Status", "429");
    assertThat(limited.headers()).containsKey("Retry-After");
    assertThat(verify("denyAs=403", KeyFormat.generate("kw_", 32)).status()).isEqualTo(401);

    synced = false;
    Answer notReady = verify("denyAs=403", key);
    assertThat(notReady.status()).isEqualTo(403);
    assertThat(notReady.headers()).containsEntry("X-Keyward-Status", "503");
    assertThat(verify("", key).status()).isEqualTo(503);
  }

  @Test
  void jsonFormSaysWhenToRetryAndFailsClosedBeforeSync() {
    ApiKeySpec spec = new ApiKeySpec();
    spec.setRateLimit(new RateLimit(1, "1h"));
    String key = put("k", spec, null);
    byte[] body = ("{\"key\":\"" + key + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(api.json(body).result().body()).contains("\"valid\":true");
    Answer limited = api.json(body).result();
    assertThat(limited.status()).isEqualTo(200);
    assertThat(limited.body())
        .contains("\"code\":\"RATE_LIMITED\"")
        .contains("\"retryAfterSeconds\":3600")
        .doesNotContain(key);
    assertThat(limited.headers()).containsEntry("Retry-After", "3600");

    synced = false;
    Answer early = api.json(body).result();
    assertThat(early.status()).isEqualTo(503);
    assertThat(early.code()).isEqualTo(Code.NOT_READY);
  }

  @Test
  void aStoreThatCannotDecideUnderDenyIs503AndMaskedForNginxAndKeysWithoutALimitNeverAskIt() {
    java.util.List<String> asked = new java.util.ArrayList<>();
    VerifyApi denying =
        new VerifyApi(
            new KeyVerifier(
                registry,
                clock,
                () -> true,
                (limit, now) -> {
                  asked.add(limit.uid());
                  return io.vertx.core.Future.succeededFuture(RateLimitStore.UNAVAILABLE);
                }));
    ApiKeySpec spec = new ApiKeySpec();
    spec.setRateLimit(new RateLimit(100, "1m"));
    String key = put("k", spec, null);
    String free = put("free", new ApiKeySpec(), null);

    Answer unavailable =
        denying
            .forwardAuth("/v1/verify", n -> List.of(), List.of("Bearer " + key), List.of())
            .result();
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.code()).isEqualTo(Code.RATE_LIMIT_UNAVAILABLE);
    assertThat(unavailable.headers()).containsEntry("Retry-After", "1");
    Answer masked =
        denying
            .forwardAuth(
                "/v1/verify",
                n -> n.equals("denyAs") ? List.of("403") : List.of(),
                List.of("Bearer " + key),
                List.of())
            .result();
    assertThat(masked.status()).isEqualTo(403);
    assertThat(masked.headers()).containsEntry("X-Keyward-Status", "503");
    Answer json =
        denying
            .json(("{\"key\":\"" + key + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .result();
    assertThat(json.body()).contains("\"valid\":false").contains("RATE_LIMIT_UNAVAILABLE");
    assertThat(asked).hasSize(3).containsOnly("ns/k"); // no uid in this registry: namespace/name

    assertThat(
            denying
                .forwardAuth("/v1/verify", n -> List.of(), List.of("Bearer " + free), List.of())
                .result()
                .status())
        .isEqualTo(200);
    assertThat(asked).hasSize(3);
  }

  @Test
  void anInvalidRateLimitIsNoLimit() {
    ApiKeySpec spec = new ApiKeySpec();
    spec.setRateLimit(new RateLimit(1, "soon"));
    String key = put("k", spec, null);
    for (int i = 0; i < 5; i++) {
      assertThat(verify("", key).status()).isEqualTo(200);
    }
  }

  @Test
  void usageIsDueOncePerGranularity() {
    String key = put("k", new ApiKeySpec(), null);
    verify("", key);
    KeyRecord[] record = new KeyRecord[1];
    registry.forEachRecord(r -> record[0] = r);
    assertThat(UsageWriter.isDue(record[0], 3600)).isTrue();
    record[0].usage().written(record[0].usage().lastUsedSeconds());
    assertThat(UsageWriter.isDue(record[0], 3600)).isFalse();
    clock.advance(Duration.ofMinutes(59));
    verify("", key);
    assertThat(UsageWriter.isDue(record[0], 3600)).isFalse();
    clock.advance(Duration.ofMinutes(1));
    verify("", key);
    assertThat(UsageWriter.isDue(record[0], 3600)).isTrue();
  }
}
