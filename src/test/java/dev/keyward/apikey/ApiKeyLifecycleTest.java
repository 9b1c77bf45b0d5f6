package dev.keyward.apikey;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.WithoutCrdRules;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ApiKey lifecycle as a user sees it, against a real operator and API server. */
class ApiKeyLifecycleTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static boolean phase(ApiKey k, String phase) {
    return k.getStatus() != null && phase.equals(k.getStatus().getPhase());
  }

  static boolean activeAt(ApiKey k, int version) {
    return phase(k, "Active") && Integer.valueOf(version).equals(k.getStatus().getKeyVersion());
  }

  /**
   * A key that rotates 20 minutes after issue and lives 40: tests move the clock with tick(), and
   * the minutes keep real time on a busy machine from bringing a rotation the test did not ask for.
   */
  ApiKey shortLived(String name) {
    return apiKey(
        name,
        s -> {
          s.setExpiresAfter("40m");
          s.setRotation(rotation(true, "20m"));
        });
  }

  @Test
  void issuesAgentKeyIntoOwnedSecretAndReportsItMasked() {
    kw.create(apiKey("research-agent", s -> s.setType("Agent")));

    ApiKey key = kw.awaitApiKey("research-agent", k -> phase(k, "Active"));
    Secret secret = kw.secret("research-agent");
    String value = value(secret, "apiKey");

    assertThat(value).startsWith("kwa_").hasSize(4 + 32 + 6);
    assertThat(KeyFormat.hasValidChecksum(value)).isTrue();
    ApiKeyStatus status = key.getStatus();
    assertThat(status.getKeyVersion()).isEqualTo(1);
    assertThat(status.getMaskedKey()).isEqualTo(KeyFormat.mask(value));
    assertThat(status.getFingerprint()).isEqualTo(KeyFormat.fingerprint(value));
    assertThat(status.getSecretName()).isEqualTo("research-agent");
    assertThat(status.getObservedGeneration()).isEqualTo(key.getMetadata().getGeneration());
    assertThat(Instant.parse(status.getExpiresAt()))
        .isEqualTo(Instant.parse(status.getIssuedAt()).plus(Duration.ofDays(90)));
    assertThat(Instant.parse(status.getRotatesAt()))
        .isEqualTo(Instant.parse(status.getIssuedAt()).plus(Duration.ofDays(83)));
    assertThat(status.getConditions())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("KeyActive");
            });
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getController()).isTrue();
              assertThat(o.getKind()).isEqualTo("ApiKey");
              assertThat(o.getUid()).isEqualTo(key.getMetadata().getUid());
            });
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "keyward")
        .containsEntry("keyward.dev/api-key", "research-agent");
    assertThat(secret.getMetadata().getAnnotations())
        .containsEntry("keyward.dev/key-version", "1")
        .containsEntry("keyward.dev/fingerprint", status.getFingerprint());
    // A first issuance is told by status alone: no Event per new key.
    assertThat(kw.eventReasons("research-agent")).isEmpty();
  }

  @Test
  void honoursSecretNameKeyLabelsAndFormat() {
    kw.create(
        apiKey(
            "svc",
            s -> {
              s.setFormat(new FormatSettings());
              s.getFormat().setPrefix("acme_");
              s.getFormat().setLength(40);
              s.setSecret(new dev.keyward.secrets.SecretTarget());
              s.getSecret().setName("svc-credentials");
              s.getSecret().setKey("token");
              s.getSecret().setLabels(java.util.Map.of("team", "payments"));
              s.getSecret().setAnnotations(java.util.Map.of("owner", "payments@acme"));
            }));

    kw.awaitApiKey("svc", k -> phase(k, "Active"));
    Secret secret = kw.secret("svc-credentials");

    assertThat(value(secret, "token")).startsWith("acme_").hasSize(5 + 40 + 6);
    assertThat(secret.getMetadata().getLabels()).containsEntry("team", "payments");
    assertThat(secret.getMetadata().getAnnotations()).containsEntry("owner", "payments@acme");
    assertThat(kw.secret("svc")).isNull();
  }

  @Test
  void rotatesBeforeExpiryAndKeepsPreviousKeyDuringOverlap() {
    kw.create(shortLived("short"));
    kw.awaitApiKey("short", k -> activeAt(k, 1));
    String v1 = value(kw.secret("short"), "apiKey");

    kw.tick(Duration.ofMinutes(20));

    ApiKey rotated = kw.awaitApiKey("short", k -> activeAt(k, 2));
    Secret secret = kw.secret("short");
    String v2 = value(secret, "apiKey");
    assertThat(v2).isNotEqualTo(v1);
    assertThat(value(secret, "apiKey.previous")).isEqualTo(v1);
    assertThat(rotated.getStatus().getFingerprint()).isEqualTo(KeyFormat.fingerprint(v2));
    assertThat(rotated.getStatus().getPreviousKey().getFingerprint())
        .isEqualTo(KeyFormat.fingerprint(v1));
    assertThat(rotated.getStatus().getLastRotatedAt()).isNotNull();
    assertThat(kw.eventReasons("short")).contains("Rotated");

    // v1 was issued 20m before the rotation and lives 40m: it stays valid 20m more, then goes.
    kw.tick(Duration.ofMinutes(20));
    ApiKey later = kw.awaitApiKey("short", k -> activeAt(k, 3));
    Secret after = kw.secret("short");
    assertThat(value(after, "apiKey.previous")).isEqualTo(v2);
    assertThat(after.getData()).doesNotContainValue(encode(v1));
    assertThat(later.getStatus().getPreviousKey().getFingerprint())
        .isEqualTo(KeyFormat.fingerprint(v2));
  }

  @Test
  void rotatesOnItsOwnScheduleWithoutAnyNudge() {
    kw.create(
        apiKey(
            "seconds",
            s -> {
              s.setExpiresAfter("4s");
              s.setRotation(rotation(true, "2s"));
            }));
    kw.awaitApiKey("seconds", k -> activeAt(k, 1));

    // No tick: only the operator's own rescheduling can get it to version 2.
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> kw.apiKey("seconds").getStatus().getKeyVersion() >= 2);
  }

  @Test
  void expiresWithRotationOffAndRemovesTheValue() {
    kw.create(
        apiKey(
            "temp",
            s -> {
              s.setExpiresAfter("1h");
              s.setRotation(rotation(false, null));
            }));
    kw.awaitApiKey("temp", k -> activeAt(k, 1));

    kw.tick(Duration.ofMinutes(59));
    kw.resync();
    assertThat(kw.apiKey("temp").getStatus().getPhase()).isEqualTo("Active");

    kw.tick(Duration.ofMinutes(1));
    ApiKey expired = kw.awaitApiKey("temp", k -> phase(k, "Expired"));

    assertThat(kw.secret("temp").getData()).isNullOrEmpty();
    assertThat(expired.getStatus().getMaskedKey()).isNull();
    assertThat(expired.getStatus().getConditions().get(0).getStatus()).isEqualTo("False");
    assertThat(expired.getStatus().getConditions().get(0).getReason()).isEqualTo("Expired");
    assertThat(kw.eventReasons("temp")).contains("Expired");
  }

  @Test
  void manualRotationHappensOncePerDistinctAnnotationValue() {
    kw.create(apiKey("manual", s -> s.setType("Agent")));
    kw.awaitApiKey("manual", k -> activeAt(k, 1));
    String v1 = value(kw.secret("manual"), "apiKey");

    kw.edit("manual", k -> annotate(k, "first"));
    ApiKey rotated = kw.awaitApiKey("manual", k -> activeAt(k, 2));
    assertThat(value(kw.secret("manual"), "apiKey.previous")).isEqualTo(v1);
    // The previous key lives at most the overlap (7d) after a manual rotation.
    assertThat(Instant.parse(rotated.getStatus().getPreviousKey().getValidUntil()))
        .isBefore(kw.clock().instant().plus(Duration.ofDays(7)).plusSeconds(5));

    kw.resync();
    kw.tick(Duration.ofSeconds(1));
    kw.awaitApiKey("manual", k -> kw.reconcileCount("manual") > 3);
    assertThat(kw.apiKey("manual").getStatus().getKeyVersion()).isEqualTo(2);

    kw.edit("manual", k -> annotate(k, "second"));
    kw.awaitApiKey("manual", k -> activeAt(k, 3));
    assertThat(kw.eventReasons("manual").stream().filter("Rotated"::equals)).hasSize(2);
  }

  @Test
  void revokeRemovesAllValuesAndUnrevokeIssuesAFreshKey() {
    kw.create(shortLived("rev"));
    kw.awaitApiKey("rev", k -> activeAt(k, 1));
    kw.tick(Duration.ofMinutes(20));
    kw.awaitApiKey("rev", k -> activeAt(k, 2));
    Secret before = kw.secret("rev");
    List<String> revokedValues = List.of(value(before, "apiKey"), value(before, "apiKey.previous"));

    kw.edit("rev", k -> revoke(k, true));
    ApiKey revoked = kw.awaitApiKey("rev", k -> phase(k, "Revoked"));
    assertThat(kw.secret("rev").getData()).isNullOrEmpty();
    assertThat(revoked.getStatus().getRevokedAt()).isNotNull();
    assertThat(revoked.getStatus().getMaskedKey()).isNull();
    assertThat(revoked.getStatus().getPreviousKey()).isNull();

    kw.edit("rev", k -> revoke(k, false));
    ApiKey back = kw.awaitApiKey("rev", k -> activeAt(k, 3));
    String fresh = value(kw.secret("rev"), "apiKey");
    assertThat(fresh).isNotIn(revokedValues);
    assertThat(value(kw.secret("rev"), "apiKey.previous")).isNull();
    assertThat(back.getStatus().getRevokedAt()).isNull();
    assertThat(kw.eventReasons("rev")).contains("Revoked");
  }

  @Test
  void editsOfDisplayNameAndScopesApplyWithoutReissuing() {
    kw.create(apiKey("edit", s -> s.setType("Agent")));
    kw.awaitApiKey("edit", k -> activeAt(k, 1));
    String v1 = value(kw.secret("edit"), "apiKey");

    kw.edit(
        "edit",
        k -> {
          k.getSpec().setDisplayName("Research agent");
          k.getSpec().setScopes(List.of("models:read", "agents:invoke"));
          k.getSpec().setExpiresAfter("120d");
          return k;
        });

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                "models:read,agents:invoke"
                    .equals(
                        kw.secret("edit")
                            .getMetadata()
                            .getAnnotations()
                            .get("keyward.dev/scopes")));
    ApiKey edited =
        kw.awaitApiKey(
            "edit",
            k -> k.getStatus().getObservedGeneration().equals(k.getMetadata().getGeneration()));
    Secret secret = kw.secret("edit");
    assertThat(value(secret, "apiKey")).isEqualTo(v1);
    assertThat(secret.getMetadata().getAnnotations())
        .containsEntry("keyward.dev/display-name", "Research agent");
    assertThat(edited.getStatus().getKeyVersion()).isEqualTo(1);
    assertThat(Instant.parse(edited.getStatus().getExpiresAt()))
        .isEqualTo(Instant.parse(edited.getStatus().getIssuedAt()).plus(Duration.ofDays(120)));
  }

  @Test
  void shorterLifetimeThatIsAlreadyDueRotatesAtOnce() {
    kw.create(apiKey("shrink", s -> s.setType("Agent")));
    kw.awaitApiKey("shrink", k -> activeAt(k, 1));
    kw.tick(Duration.ofDays(40));

    kw.edit("shrink", k -> withLifetime(k, "30d"));

    kw.awaitApiKey("shrink", k -> activeAt(k, 2));
  }

  @Test
  void neverTouchesASecretItDoesNotOwn() {
    kw.admin()
        .secrets()
        .inNamespace(kw.namespace())
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("taken")
                .endMetadata()
                .addToData("apiKey", encode("someone-elses"))
                .build())
        .create();

    kw.create(apiKey("taken", s -> {}));

    ApiKey failed = kw.awaitApiKey("taken", k -> phase(k, "Failed"));
    assertThat(failed.getStatus().getConditions().get(0).getReason()).isEqualTo("SecretConflict");
    assertThat(failed.getStatus().getConditions().get(0).getMessage())
        .contains("Secret taken already exists");
    Secret untouched = kw.secret("taken");
    assertThat(value(untouched, "apiKey")).isEqualTo("someone-elses");
    assertThat(untouched.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(kw.events("taken"))
        .anySatisfy(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getReason()).isEqualTo("SecretConflict");
            });
  }

  @Test
  void deletedSecretIsRecreatedWithTheNextVersion() {
    kw.create(apiKey("gone", s -> s.setType("Agent")));
    kw.awaitApiKey("gone", k -> activeAt(k, 1));
    String v1 = value(kw.secret("gone"), "apiKey");

    kw.admin().secrets().inNamespace(kw.namespace()).withName("gone").delete();

    kw.awaitApiKey("gone", k -> activeAt(k, 2));
    assertThat(value(kw.secret("gone"), "apiKey")).isNotEqualTo(v1);
    assertThat(kw.events("gone"))
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("SecretRecreated");
              assertThat(e.getMessage()).contains("was deleted").contains("version 2");
            });
  }

  @Test
  void handEditedSecretIsPutBackWithoutANewKey() {
    kw.create(apiKey("meta", s -> s.setType("Agent")));
    kw.awaitApiKey("meta", k -> activeAt(k, 1));
    String v1 = value(kw.secret("meta"), "apiKey");

    kw.admin()
        .secrets()
        .inNamespace(kw.namespace())
        .withName("meta")
        .edit(
            s -> {
              // Even the label the informer selects on: Keyward must still find its Secret.
              s.getMetadata().getLabels().remove("keyward.dev/api-key");
              s.getMetadata().getAnnotations().put("keyward.dev/display-name", "hijacked");
              s.getData().put("extra", encode("junk"));
              return s;
            });
    kw.resync();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> kw.secret("meta").getMetadata().getLabels().containsKey("keyward.dev/api-key"));
    Secret restored = kw.secret("meta");
    assertThat(restored.getData()).containsOnlyKeys("apiKey");
    assertThat(value(restored, "apiKey")).isEqualTo(v1);
    assertThat(restored.getMetadata().getAnnotations())
        .containsEntry("keyward.dev/display-name", "meta");
    assertThat(kw.apiKey("meta").getStatus().getKeyVersion()).isEqualTo(1);
  }

  @Test
  void handChangedValueIsReplacedWithANewVersion() {
    kw.create(apiKey("typed", s -> s.setType("Agent")));
    kw.awaitApiKey("typed", k -> activeAt(k, 1));

    kw.admin()
        .secrets()
        .inNamespace(kw.namespace())
        .withName("typed")
        .edit(
            s -> {
              s.getData().put("apiKey", encode("password123"));
              return s;
            });

    kw.awaitApiKey("typed", k -> activeAt(k, 2));
    String value = value(kw.secret("typed"), "apiKey");
    assertThat(value).isNotEqualTo("password123");
    assertThat(KeyFormat.hasValidChecksum(value)).isTrue();
    assertThat(kw.eventReasons("typed")).contains("SecretEdited");
  }

  @Test
  void aMalformedDurationEditIsRefusedByTheApiServerWithTheOperatorsReason() {
    kw.create(apiKey("typo-edit", s -> s.setType("Agent")));
    kw.awaitApiKey("typo-edit", k -> activeAt(k, 1));

    KubernetesClientException refused =
        kw.editRefused("typo-edit", k -> withLifetime(k, "90 days"));

    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getStatus().getReason()).isEqualTo("Invalid");
    assertThat(refused.getStatus().getMessage())
        .contains("spec.expiresAfter: ")
        .contains("InvalidDuration: ");
    ApiKey after = kw.apiKey("typo-edit");
    assertThat(after.getSpec().getExpiresAfter()).as("the edit was not stored").isNull();
    assertThat(after.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(after.getStatus().getPhase()).isEqualTo("Active");
  }

  @Test
  @WithoutCrdRules("a malformed duration, stored before the rules or while a CRD upgrade lagged")
  void malformedDurationIsReportedOnceAndRecoversWhenFixed() {
    kw.create(apiKey("typo", s -> s.setExpiresAfter("90 days")));

    ApiKey failed = kw.awaitApiKey("typo", k -> phase(k, "Failed"));
    var ready = failed.getStatus().getConditions().get(0);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("InvalidDuration");
    assertThat(ready.getMessage()).contains("spec.expiresAfter").contains("90d");
    assertThat(kw.secret("typo")).isNull();

    kw.resync();
    kw.resync();
    kw.awaitApiKey("typo", k -> kw.reconcileCount("typo") >= 3);
    assertThat(kw.events("typo"))
        .filteredOn(e -> "InvalidDuration".equals(e.getReason()))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));

    kw.edit("typo", k -> withLifetime(k, "90d"));
    kw.awaitApiKey("typo", k -> activeAt(k, 1));
  }

  @Test
  void makesNoApiWriteWhenNothingChanged() {
    kw.create(apiKey("idle", s -> s.setType("Agent")));
    kw.create(shortLived("idle-short"));
    kw.awaitApiKey("idle", k -> activeAt(k, 1));
    kw.awaitApiKey("idle-short", k -> activeAt(k, 1));
    // Let the status-write echoes settle, then watch a quiet period.
    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
    int before = kw.requests().size();
    int reconcilesBefore = kw.reconcileCount("idle") + kw.reconcileCount("idle-short");

    for (int i = 0; i < 5; i++) {
      int seen = kw.reconcileCount("idle") + kw.reconcileCount("idle-short");
      kw.tick(Duration.ofSeconds(1));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> kw.reconcileCount("idle") + kw.reconcileCount("idle-short") >= seen + 2);
    }
    assertThat(kw.reconcileCount("idle") + kw.reconcileCount("idle-short"))
        .isGreaterThanOrEqualTo(reconcilesBefore + 10);
    await().pollDelay(Duration.ofMillis(300)).until(() -> true);

    assertThat(kw.requests().since(before).stream().filter(r -> r.isWrite()))
        .as("writes during idle reconciles")
        .isEmpty();
  }

  static ApiKey annotate(ApiKey k, String value) {
    if (k.getMetadata().getAnnotations() == null) {
      k.getMetadata().setAnnotations(new HashMap<>());
    }
    k.getMetadata().getAnnotations().put(ApiKey.ROTATE_ANNOTATION, value);
    return k;
  }

  static ApiKey revoke(ApiKey k, boolean revoked) {
    k.getSpec().setRevoked(revoked);
    return k;
  }

  static ApiKey withLifetime(ApiKey k, String lifetime) {
    k.getSpec().setExpiresAfter(lifetime);
    return k;
  }

  static String encode(String value) {
    return java.util.Base64.getEncoder()
        .encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
