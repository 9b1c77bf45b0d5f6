package dev.keyward.toolsecret;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestToolSecrets.plainSecret;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static dev.keyward.testing.TestToolSecrets.valueFrom;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.common.Conditions;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A ToolSecret's life on a running operator: open, index, follow, expire, revoke, delete. */
class ToolSecretLifecycleTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  static final String LINEAR = "lin_api_0123456789abcdefABCDEF";
  static final String GITHUB = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";

  private ToolSecret active(String name) {
    return harness.awaitToolSecret(
        name, t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
  }

  private ToolSecret phase(String name, String phase) {
    return harness.awaitToolSecret(
        name, t -> t.getStatus() != null && phase.equals(t.getStatus().getPhase()));
  }

  private static String reason(ToolSecret t) {
    return Conditions.find(t.getStatus().getConditions(), Conditions.READY).getReason();
  }

  private Secret index() {
    return harness.secret(ToolIndexSecret.DEFAULT_NAME);
  }

  private ToolIndex parsedIndex() {
    return ToolIndex.fromJson(value(index(), ToolIndexSecret.INDEX_KEY));
  }

  @Test
  void sealedValueIsOpenedIntoItsSecretAndTheToolIndex() {
    harness.create(
        toolSecret(
            "linear-token",
            s -> {
              s.setDisplayName("Linear token");
              s.setEncryptedValue(harness.seal(LINEAR, "linear-token"));
              s.setTool("agno__linear__*");
              s.setToolArg("api_key");
            }));

    ToolSecret t = active("linear-token");
    ToolSecretStatus status = t.getStatus();
    assertThat(status.getDisplay()).isEqualTo("lin…DEF");
    assertThat(status.getFingerprint()).startsWith("sha256:").hasSize(23);
    assertThat(status.getSecretName()).isEqualTo("linear-token");
    assertThat(status.getCreatedAt()).isEqualTo(t.getMetadata().getCreationTimestamp());
    assertThat(status.getUpdatedAt()).isNotNull();
    assertThat(status.getSealingKeyId()).isEqualTo(harness.sealingKeys().primaryKeyId());
    assertThat(status.getObservedGeneration()).isEqualTo(t.getMetadata().getGeneration());
    assertThat(Serialization.asJson(t)).doesNotContain(LINEAR);

    Secret own = harness.secret("linear-token");
    assertThat(value(own, "value")).isEqualTo(LINEAR);
    assertThat(own.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "keyward")
        .containsEntry(ToolValueSecret.LABEL, "linear-token");
    assertThat(own.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getUid()).isEqualTo(t.getMetadata().getUid());
              assertThat(r.getController()).isTrue();
            });

    Secret index = waiting().until(this::index, s -> s != null);
    assertThat(value(index, "linear-token")).isEqualTo(LINEAR);
    assertThat(parsedIndex().resolve("agno__linear__create_issue", "api_key"))
        .hasValueSatisfying(b -> assertThat(b.name()).isEqualTo("linear-token"));
    assertThat(value(index, ToolIndexSecret.INDEX_KEY)).doesNotContain(LINEAR);
    assertThat(harness.eventReasons("linear-token")).contains("ValueWritten");
    assertThat(harness.events("linear-token"))
        .allSatisfy(e -> assertThat(e.getMessage()).doesNotContain(LINEAR));
  }

  @Test
  void steadyStateMakesNoWrites() {
    harness.create(
        toolSecret(
            "quiet",
            s -> {
              s.setEncryptedValue(harness.seal(LINEAR, "quiet"));
              s.setTool("linear");
            }));
    active("quiet");
    waiting().until(() -> index() != null);
    // Let the echoes of the operator's own writes settle, then watch a quiet period.
    waiting().pollDelay(Duration.ofMillis(500)).until(() -> true);
    harness.awaitEventsSent();
    int before = harness.requests().writes().size();
    for (int i = 0; i < 5; i++) {
      int seen = harness.toolSecretReconcileCount("quiet");
      harness.resync();
      waiting().until(() -> harness.toolSecretReconcileCount("quiet") > seen);
    }
    waiting().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(harness.requests().writes().subList(before, harness.requests().writes().size()))
        .isEmpty();
  }

  @Test
  void valueFromFollowsTheSourceSecretAndWaitsForItToAppear() {
    harness.create(
        toolSecret(
            "jira-token",
            s -> {
              s.setValueFrom(valueFrom("jira-source", "token"));
              s.setTool("jira");
            }));
    ToolSecret waitingFor = phase("jira-token", "Failed");
    assertThat(reason(waitingFor)).isEqualTo("SourceSecretNotFound");
    assertThat(harness.eventReasons("jira-token")).contains("SourceSecretNotFound");

    harness
        .admin()
        .secrets()
        .resource(plainSecret(harness.namespace(), "jira-source", "other", "x"))
        .create();
    waiting()
        .until(() -> harness.toolSecret("jira-token"), t -> "SourceKeyNotFound".equals(reason(t)));

    harness
        .admin()
        .secrets()
        .resource(plainSecret(harness.namespace(), "jira-source", "token", "jira-first-value"))
        .update();
    ToolSecret first = active("jira-token");
    assertThat(value(harness.secret("jira-token"), "value")).isEqualTo("jira-first-value");
    assertThat(first.getStatus().getSealingKeyId()).isNull();

    harness
        .admin()
        .secrets()
        .resource(plainSecret(harness.namespace(), "jira-source", "token", "jira-second-value"))
        .update();
    waiting()
        .until(() -> value(harness.secret("jira-token"), "value"), "jira-second-value"::equals);
    waiting().until(() -> value(index(), "jira-token"), "jira-second-value"::equals);
    assertThat(harness.eventReasons("jira-token")).contains("ValueUpdated");
  }

  @Test
  void expiresAtRemovesTheValueWhenTheClockPassesIt() {
    Instant expiry = harness.clock().instant().plus(Duration.ofDays(30));
    harness.create(
        toolSecret(
            "short-lived",
            s -> {
              s.setEncryptedValue(harness.seal(GITHUB, "short-lived"));
              s.setTool("github");
              s.setExpiresAt(expiry.toString());
            }));
    active("short-lived");
    waiting().until(() -> value(index(), "short-lived") != null);

    harness.tick(Duration.ofDays(30));
    ToolSecret expired = phase("short-lived", "Expired");
    assertThat(reason(expired)).isEqualTo("Expired");
    assertThat(value(harness.secret("short-lived"), "value")).isNull();
    waiting().until(() -> index() == null);
    assertThat(harness.eventReasons("short-lived")).contains("Expired");
  }

  @Test
  void anExpiresAtInThePastIsExpiredAtOnce() {
    harness.create(
        toolSecret(
            "old",
            s -> {
              s.setEncryptedValue(harness.seal(GITHUB, "old"));
              s.setExpiresAt("2020-01-01T00:00:00Z");
            }));
    phase("old", "Expired");
    assertThat(harness.secret("old")).isNull();
  }

  @Test
  void revokingRemovesTheValueEverywhere() {
    harness.create(
        toolSecret(
            "revoke-me",
            s -> {
              s.setEncryptedValue(harness.seal(GITHUB, "revoke-me"));
              s.setTool("github");
            }));
    active("revoke-me");
    waiting().until(() -> value(index(), "revoke-me") != null);

    harness.editToolSecret(
        "revoke-me",
        t -> {
          t.getSpec().setRevoked(true);
          return t;
        });
    ToolSecret revoked = phase("revoke-me", "Revoked");
    assertThat(revoked.getStatus().getDisplay()).isNull();
    Secret own = harness.secret("revoke-me");
    assertThat(own.getData()).isNullOrEmpty();
    assertThat(own.getMetadata().getAnnotations()).containsKey("keyward.dev/revoked-at");
    waiting().until(() -> index() == null);
  }

  @Test
  void deletingAToolSecretTakesItOutOfTheIndex() {
    harness.create(
        toolSecret(
            "a",
            s -> {
              s.setEncryptedValue(harness.seal(GITHUB, "a"));
              s.setTool("github");
            }));
    harness.create(
        toolSecret(
            "b",
            s -> {
              s.setEncryptedValue(harness.seal(LINEAR, "b"));
              s.setTool("linear");
            }));
    active("a");
    active("b");
    waiting().until(() -> value(index(), "b") != null && value(index(), "a") != null);

    harness.toolSecrets().inNamespace(harness.namespace()).withName("a").delete();
    waiting().until(() -> harness.toolSecret("a") == null);
    waiting().until(() -> value(index(), "a") == null);
    assertThat(value(index(), "b")).isEqualTo(LINEAR);
    assertThat(parsedIndex().resolve("github", "token")).isEmpty();
  }

  @Test
  void exactToolBeatsWildcardInTheIndex() {
    harness.create(
        toolSecret(
            "wide",
            s -> {
              s.setEncryptedValue(harness.seal(GITHUB, "wide"));
              s.setTool("agno__*");
            }));
    harness.create(
        toolSecret(
            "exact",
            s -> {
              s.setEncryptedValue(harness.seal(LINEAR, "exact"));
              s.setTool("agno__linear");
            }));
    active("wide");
    active("exact");
    waiting().until(() -> value(index(), "wide") != null && value(index(), "exact") != null);
    ToolIndex index = parsedIndex();
    assertThat(index.resolve("agno__linear", "api_key")).map(ToolBinding::name).hasValue("exact");
    assertThat(index.resolve("agno__jira", "api_key")).map(ToolBinding::name).hasValue("wide");
  }

  @Test
  void aSecondDefaultForTheSameToolAndArgumentIsAConflictUntilTheFirstGoes() throws Exception {
    harness.create(
        toolSecret(
            "first-default",
            s -> {
              s.setEncryptedValue(harness.seal(GITHUB, "first-default"));
              s.setTool("github");
              s.setToolArg("token");
              s.setDefaultForTool(true);
            }));
    active("first-default");
    Thread.sleep(1100); // creationTimestamp has second precision: make "newer" unambiguous
    harness.create(
        toolSecret(
            "second-default",
            s -> {
              s.setEncryptedValue(harness.seal(LINEAR, "second-default"));
              s.setTool("github");
              s.setToolArg("token");
              s.setDefaultForTool(true);
            }));
    ToolSecret second =
        harness.awaitToolSecret(
            "second-default", t -> t.getStatus() != null && "DefaultConflict".equals(reason(t)));
    assertThat(second.getStatus().getPhase()).isEqualTo("Active");
    assertThat(Conditions.find(second.getStatus().getConditions(), Conditions.READY).getMessage())
        .contains("first-default");
    assertThat(harness.eventReasons("second-default")).contains("DefaultConflict");
    assertThat(reason(harness.toolSecret("first-default"))).isEqualTo("ValueActive");
    waiting().until(() -> value(index(), "second-default") != null);
    assertThat(parsedIndex().resolve("github", "token"))
        .map(ToolBinding::name)
        .hasValue("first-default");

    harness.toolSecrets().inNamespace(harness.namespace()).withName("first-default").delete();
    harness.awaitToolSecret("second-default", t -> "ValueActive".equals(reason(t)));
    waiting()
        .until(
            () -> parsedIndex().resolve("github", "token").map(ToolBinding::name).orElse(null),
            "second-default"::equals);
  }

  @Test
  void aValuePassingTheNamespaceQuotaIsRefusedAndActiveOnesStay() {
    harness.configure(s -> s.withNamespaceQuota(60));
    harness.restart();
    harness.create(
        toolSecret("big-one", s -> s.setEncryptedValue(harness.seal("x".repeat(40), "big-one"))));
    active("big-one");
    harness.create(
        toolSecret("big-two", s -> s.setEncryptedValue(harness.seal("y".repeat(40), "big-two"))));
    ToolSecret refused = phase("big-two", "Failed");
    assertThat(reason(refused)).isEqualTo("PayloadTooLarge");
    assertThat(harness.eventReasons("big-two")).contains("PayloadTooLarge");
    assertThat(harness.secret("big-two")).isNull();
    assertThat(value(index(), "big-two")).isNull();
    assertThat(harness.toolSecret("big-one").getStatus().getPhase()).isEqualTo("Active");
    assertThat(value(index(), "big-one")).isEqualTo("x".repeat(40));
  }

  @Test
  void aForeignSecretWithTheTargetNameIsNeverTouched() {
    Secret foreign = plainSecret(harness.namespace(), "taken", "value", "someone-elses");
    harness.admin().secrets().resource(foreign).create();
    harness.create(toolSecret("taken", s -> s.setEncryptedValue(harness.seal(GITHUB, "taken"))));
    ToolSecret failed = phase("taken", "Failed");
    assertThat(reason(failed)).isEqualTo("SecretConflict");
    assertThat(value(harness.secret("taken"), "value")).isEqualTo("someone-elses");
    assertThat(harness.secret("taken").getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void valuesSealedBeforeASealingKeyRotationStillOpen() {
    String before = harness.sealingKeys().primaryKeyId();
    harness.create(toolSecret("early", s -> s.setEncryptedValue(harness.seal(GITHUB, "early"))));
    active("early");

    harness.tick(Duration.ofDays(31));
    waiting().until(() -> !harness.sealingKeys().primaryKeyId().equals(before));
    Map<String, String> published =
        harness
            .admin()
            .configMaps()
            .inNamespace(harness.namespace())
            .withName(SealingKeyStore.CONFIG_MAP_NAME)
            .get()
            .getData();
    assertThat(published.get("keyset.json")).contains(harness.sealingKeys().primaryKeyId());

    harness.create(toolSecret("late", s -> s.setEncryptedValue(harness.seal(LINEAR, "late"))));
    assertThat(active("late").getStatus().getSealingKeyId())
        .isEqualTo(harness.sealingKeys().primaryKeyId());
    harness.restart();
    harness.resync();
    ToolSecret early = active("early");
    assertThat(early.getStatus().getSealingKeyId()).isEqualTo(before);
    assertThat(value(harness.secret("early"), "value")).isEqualTo(GITHUB);
  }

  @Test
  void aNewSealedValueReplacesTheOldOne() {
    harness.create(toolSecret("edited", s -> s.setEncryptedValue(harness.seal(GITHUB, "edited"))));
    String firstFingerprint = active("edited").getStatus().getFingerprint();
    harness.editToolSecret(
        "edited",
        t -> {
          t.getSpec().setEncryptedValue(harness.seal(LINEAR, "edited"));
          return t;
        });
    ToolSecret updated =
        harness.awaitToolSecret(
            "edited",
            t -> t.getStatus() != null && !firstFingerprint.equals(t.getStatus().getFingerprint()));
    assertThat(updated.getStatus().getDisplay()).isEqualTo("lin…DEF");
    assertThat(value(harness.secret("edited"), "value")).isEqualTo(LINEAR);
  }
}
