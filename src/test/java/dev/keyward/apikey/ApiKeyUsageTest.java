package dev.keyward.apikey;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keyward.common.Conditions;
import dev.keyward.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's side of key use: the hash registry verifiers look keys up by, the verifiers'
 * {@code lastUsedAt} writes surviving the operator's own status writes, and {@code
 * spec.revokeWhenUnusedFor}.
 */
class ApiKeyUsageTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static final Duration DAY = Duration.ofDays(1);

  static boolean activeAt(ApiKey k, int version) {
    return k.getStatus() != null
        && "Active".equals(k.getStatus().getPhase())
        && Integer.valueOf(version).equals(k.getStatus().getKeyVersion());
  }

  /** What a verifier does: a merge patch of the usage fields of status, nothing else. */
  void recordUse(String name, String statusJson) {
    kw.apiKeys()
        .inNamespace(kw.namespace())
        .withName(name)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":" + statusJson + "}");
  }

  /** What a verifier writes for a use of the current key at {@code at}, newer than any before. */
  static String currentKeyUse(String at) {
    return "{\"keyLastUsedAt\":\"" + at + "\",\"lastUsedAt\":\"" + at + "\"}";
  }

  String now() {
    return kw.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static ApiKey rotateOnRequest(ApiKey k, String value) {
    if (k.getMetadata().getAnnotations() == null) {
      k.getMetadata().setAnnotations(new HashMap<>());
    }
    k.getMetadata().getAnnotations().put(ApiKey.ROTATE_ANNOTATION, value);
    return k;
  }

  static ApiKey withScopes(ApiKey k, String... scopes) {
    k.getSpec().setScopes(List.of(scopes));
    return k;
  }

  @Test
  void publishesTheFullHashOfCurrentAndPreviousKeyInStatusAndSecret() {
    kw.create(apiKey("hashed", s -> s.setType("Agent")));
    ApiKey v1 = kw.awaitApiKey("hashed", k -> activeAt(k, 1));
    String key1 = value(kw.secret("hashed"), "apiKey");

    assertThat(v1.getStatus().getKeyHash())
        .isEqualTo(KeyFormat.keyHash(key1))
        .matches("sha256:[0-9a-f]{64}");
    assertThat(kw.secret("hashed").getMetadata().getAnnotations())
        .containsEntry("keyward.dev/key-hash", KeyFormat.keyHash(key1));

    kw.edit("hashed", k -> rotateOnRequest(k, "now"));
    ApiKey v2 = kw.awaitApiKey("hashed", k -> activeAt(k, 2));
    Secret secret = kw.secret("hashed");
    String key2 = value(secret, "apiKey");

    assertThat(v2.getStatus().getKeyHash()).isEqualTo(KeyFormat.keyHash(key2));
    assertThat(v2.getStatus().getPreviousKey().getKeyHash()).isEqualTo(KeyFormat.keyHash(key1));
    assertThat(secret.getMetadata().getAnnotations())
        .containsEntry("keyward.dev/key-hash", KeyFormat.keyHash(key2))
        .containsEntry("keyward.dev/previous-key-hash", KeyFormat.keyHash(key1));
  }

  @Test
  void keysIssuedBeforeTheHashRegistryGainItWithOneSecretAndOneStatusWrite() {
    kw.create(apiKey("legacy", s -> s.setType("Agent")));
    kw.awaitApiKey("legacy", k -> activeAt(k, 1));
    String key = value(kw.secret("legacy"), "apiKey");
    // What an older Keyward left behind, set up while no operator runs: no hash in status, none
    // in the Secret. The operator that starts next is the upgraded one.
    kw.stop();
    kw.apiKeys()
        .inNamespace(kw.namespace())
        .withName("legacy")
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"keyHash\":null}}");
    kw.admin()
        .secrets()
        .inNamespace(kw.namespace())
        .withName("legacy")
        .edit(
            s -> {
              s.getMetadata().getAnnotations().remove("keyward.dev/key-hash");
              return s;
            });
    assertThat(kw.apiKey("legacy").getStatus().getKeyHash()).isNull();
    kw.start();

    ApiKey upgraded =
        kw.awaitApiKey("legacy", k -> KeyFormat.keyHash(key).equals(k.getStatus().getKeyHash()));
    assertThat(upgraded.getStatus().getKeyVersion()).isEqualTo(1);
    assertThat(value(kw.secret("legacy"), "apiKey")).isEqualTo(key);
    assertThat(kw.secret("legacy").getMetadata().getAnnotations())
        .containsEntry("keyward.dev/key-hash", KeyFormat.keyHash(key));

    // Then quiet: once the echoes of its own writes are handled, a resync writes nothing.
    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
    kw.awaitEventsSent();
    int settled = kw.requests().size();
    int seen = kw.reconcileCount("legacy");
    kw.resync();
    await().until(() -> kw.reconcileCount("legacy") > seen);
    await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(kw.requests().since(settled))
        .as("no write after settling")
        .noneMatch(r -> r.isWrite());

    List<String> writes =
        kw.requests().since(0).stream()
            .filter(r -> r.isWrite())
            .map(r -> r.method() + " " + r.path().replaceAll("\\?.*", ""))
            .toList();
    assertThat(writes)
        .as("one Secret update, then status")
        .filteredOn(w -> w.contains("/secrets/"))
        .containsExactly("PUT /api/v1/namespaces/" + kw.namespace() + "/secrets/legacy");
    // One status patch: the reconcile queued by the Secret's own watch event reads the status
    // just written from the cache and has nothing more to say (docs/decisions.md).
    assertThat(writes)
        .filteredOn(w -> !w.contains("/secrets/"))
        .containsExactly(
            "PATCH /apis/keyward.dev/v1alpha1/namespaces/"
                + kw.namespace()
                + "/apikeys/legacy/status");
  }

  @Test
  void aVerifiersLastUsedAtSurvivesTheOperatorsStatusWritesAndARotationKeepsIt() {
    kw.create(apiKey("used", s -> s.setType("Agent")));
    kw.awaitApiKey("used", k -> activeAt(k, 1));
    String usedAt = now();
    recordUse("used", currentKeyUse(usedAt));

    // A spec edit makes the operator patch status (observedGeneration, condition).
    ApiKey edited = kw.edit("used", k -> withScopes(k, "read"));
    ApiKey afterEdit =
        kw.awaitApiKey(
            "used",
            k ->
                edited.getMetadata().getGeneration().equals(k.getStatus().getObservedGeneration()));
    assertThat(afterEdit.getStatus().getLastUsedAt()).isEqualTo(usedAt);
    assertThat(afterEdit.getStatus().getKeyLastUsedAt()).isEqualTo(usedAt);

    // A later use, written while the operator works, is not moved back by its next write.
    kw.tick(DAY);
    String laterUse = now();
    recordUse("used", currentKeyUse(laterUse));
    kw.tick(DAY);
    await()
        .during(Duration.ofMillis(300))
        .until(() -> laterUse.equals(kw.apiKey("used").getStatus().getLastUsedAt()));

    // A rotation: the version's use moves to previousKey, the new version has none, and the
    // object's last use stays: the key was used, whichever value it was.
    kw.edit("used", k -> rotateOnRequest(k, "rotate-1"));
    ApiKey rotated = kw.awaitApiKey("used", k -> activeAt(k, 2));
    assertThat(rotated.getStatus().getLastUsedAt()).isEqualTo(laterUse);
    assertThat(rotated.getStatus().getKeyLastUsedAt()).isNull();
    assertThat(rotated.getStatus().getPreviousKey().getLastUsedAt()).isEqualTo(laterUse);

    // Callers still on the previous key, recorded by a verifier that writes only that version's
    // field: the operator's next status write rolls it up into the object's last use.
    kw.tick(DAY);
    String previousUse = now();
    recordUse("used", "{\"previousKey\":{\"lastUsedAt\":\"" + previousUse + "\"}}");
    ApiKey editedAgain = kw.edit("used", k -> withScopes(k, "read", "write"));
    ApiKey afterSecondEdit =
        kw.awaitApiKey(
            "used",
            k ->
                editedAgain
                    .getMetadata()
                    .getGeneration()
                    .equals(k.getStatus().getObservedGeneration()));
    assertThat(afterSecondEdit.getStatus().getPreviousKey().getLastUsedAt()).isEqualTo(previousUse);
    assertThat(afterSecondEdit.getStatus().getPreviousKey().getKeyHash()).isNotNull();
    assertThat(afterSecondEdit.getStatus().getLastUsedAt()).isEqualTo(previousUse);
    assertThat(afterSecondEdit.getStatus().getKeyLastUsedAt()).isNull();

    // The new key is used, then the previous one once more, later: each version keeps its own
    // use, and the next rotation hands the new key's own use (not the object's) to previousKey.
    kw.tick(DAY);
    String newKeyUse = now();
    recordUse("used", currentKeyUse(newKeyUse));
    kw.tick(Duration.ofHours(1));
    String lastPreviousUse = now();
    recordUse(
        "used",
        "{\"previousKey\":{\"lastUsedAt\":\""
            + lastPreviousUse
            + "\"},\"lastUsedAt\":\""
            + lastPreviousUse
            + "\"}");
    kw.edit("used", k -> rotateOnRequest(k, "rotate-2"));
    ApiKey rotatedAgain = kw.awaitApiKey("used", k -> activeAt(k, 3));
    assertThat(rotatedAgain.getStatus().getPreviousKey().getLastUsedAt()).isEqualTo(newKeyUse);
    assertThat(rotatedAgain.getStatus().getLastUsedAt())
        .as("never moved back by a rotation")
        .isEqualTo(lastPreviousUse);
    assertThat(rotatedAgain.getStatus().getKeyLastUsedAt()).isNull();
  }

  @Test
  void aUsageWriteThatLandsWhileTheOperatorPatchesStatusIsNotMovedBack() {
    kw.create(apiKey("racy", s -> s.setType("Agent")));
    kw.awaitApiKey("racy", k -> activeAt(k, 1));
    String firstUse = now();
    recordUse("racy", currentKeyUse(firstUse));
    await().until(() -> firstUse.equals(kw.apiKey("racy").getStatus().getLastUsedAt()));
    await().pollDelay(Duration.ofMillis(300)).until(() -> true); // the operator's cache has it

    // A verifier writes a newer use between the operator's decision and its status patch.
    String racingUse = kw.clock().instant().plus(DAY).truncatedTo(ChronoUnit.SECONDS).toString();
    java.util.concurrent.atomic.AtomicBoolean raced =
        new java.util.concurrent.atomic.AtomicBoolean();
    kw.requests()
        .injectFaults(
            r -> {
              if (r.isWrite()
                  && r.path().contains("/apikeys/racy/status")
                  && raced.compareAndSet(false, true)) {
                recordUse("racy", currentKeyUse(racingUse));
              }
            });
    ApiKey edited = kw.edit("racy", k -> withScopes(k, "read"));
    kw.awaitApiKey(
        "racy",
        k -> edited.getMetadata().getGeneration().equals(k.getStatus().getObservedGeneration()));
    kw.requests().injectFaults(r -> {});

    assertThat(raced).isTrue();
    assertThat(kw.apiKey("racy").getStatus().getLastUsedAt()).isEqualTo(racingUse);
    assertThat(kw.apiKey("racy").getStatus().getKeyLastUsedAt()).isEqualTo(racingUse);
  }

  @Test
  void revokesAKeyNobodyUsedForRevokeWhenUnusedForAndSparesOneInUse() {
    kw.create(apiKey("idle", s -> s.setRevokeWhenUnusedFor("30d")));
    kw.create(apiKey("busy", s -> s.setRevokeWhenUnusedFor("30d")));
    kw.awaitApiKey("idle", k -> activeAt(k, 1));
    kw.awaitApiKey("busy", k -> activeAt(k, 1));

    kw.tick(DAY.multipliedBy(20));
    recordUse("busy", currentKeyUse(now()));
    kw.tick(DAY.multipliedBy(10).plusSeconds(1));

    ApiKey idle = kw.awaitApiKey("idle", k -> "Revoked".equals(k.getStatus().getPhase()));
    Condition ready = Conditions.find(idle.getStatus().getConditions(), Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("Unused");
    assertThat(ready.getMessage()).contains("30d").contains(ApiKey.ROTATE_ANNOTATION);
    assertThat(idle.getStatus().getRevokedAt()).isNotNull();
    assertThat(idle.getStatus().getKeyHash()).isNull();
    assertThat(kw.secret("idle").getData()).isNullOrEmpty();
    assertThat(kw.events("idle"))
        .filteredOn(e -> "Unused".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    assertThat(kw.apiKey("busy").getStatus().getPhase()).isEqualTo("Active");

    // spec.revoked is still false, and the key stays revoked across resyncs.
    kw.tick(DAY);
    await()
        .during(Duration.ofMillis(300))
        .until(() -> "Revoked".equals(kw.apiKey("idle").getStatus().getPhase()));
    assertThat(kw.events("idle")).filteredOn(e -> "Unused".equals(e.getReason())).hasSize(1);

    // A deliberate rotate request issues a new key, with a fresh unused clock.
    kw.edit("idle", k -> rotateOnRequest(k, "bring-it-back"));
    ApiKey back = kw.awaitApiKey("idle", k -> activeAt(k, 2));
    assertThat(value(kw.secret("idle"), "apiKey")).isNotBlank();
    assertThat(back.getStatus().getKeyHash()).isNotNull();
    kw.tick(DAY.multipliedBy(29));
    await()
        .during(Duration.ofMillis(300))
        .until(() -> "Active".equals(kw.apiKey("idle").getStatus().getPhase()));
  }

  @Test
  void revokesAnUnusedKeyOnItsOwnScheduleWithoutAnyNudge() {
    Instant start = kw.clock().instant();
    kw.create(apiKey("short-idle", s -> s.setRevokeWhenUnusedFor("2s")));
    kw.awaitApiKey("short-idle", k -> activeAt(k, 1));
    // No tick: only the operator's own rescheduling can get it revoked.
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> "Revoked".equals(kw.apiKey("short-idle").getStatus().getPhase()));
    assertThat(kw.clock().instant()).isAfterOrEqualTo(start.plusSeconds(2));
  }
}
