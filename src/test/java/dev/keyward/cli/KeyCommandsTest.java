package dev.keyward.cli;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.testing.CliRun;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.TestApiServer;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code status}, {@code rotate} and {@code revoke} against a running operator: what they print,
 * and that the operator acts on what they write (the annotation and field a kubectl user sets).
 */
class KeyCommandsTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  static CliRun run(String... args) {
    return CliRun.run(args);
  }

  @BeforeEach
  void useTestCluster() {
    CliRun.useTestCluster();
    StatusCommand.clock = harness.clock();
  }

  @AfterEach
  void restore() {
    ClusterAccess.useCurrentContext();
    StatusCommand.clock = Clock.systemUTC();
  }

  private ApiKey activeKey(String name) {
    harness.create(
        apiKey(
            name,
            s -> {
              s.setDisplayName("Research agent");
              s.setExpiresAfter("30d");
              s.setRotation(rotation(true, "7d"));
            }));
    return harness.awaitApiKey(
        name, k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
  }

  @Test
  void statusShowsTheKeyAndWhatHappensNext() {
    String ns = harness.namespace();
    ApiKey key = activeKey("research-agent");
    String value = OperatorHarness.value(harness.secret("research-agent"), "apiKey");
    StatusCommand.clock = Clock.fixed(Instant.parse(key.getStatus().getIssuedAt()), ZoneOffset.UTC);

    CliRun r = run("status", "apikey", "research-agent", "-n", ns);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("ApiKey " + ns + "/research-agent  \"Research agent\"")
        .containsPattern("Phase: +Active  Ready=True KeyActive")
        .contains("version 1  " + key.getStatus().getMaskedKey())
        .contains(key.getStatus().getFingerprint())
        .contains("Expires:      " + key.getStatus().getExpiresAt() + " (in 30d)")
        .contains("Rotates:      " + key.getStatus().getRotatesAt() + " (in 23d)")
        .contains("Next:\n  " + key.getStatus().getRotatesAt() + " (in 23d)  rotation: a new key")
        .contains("Events: none")
        .doesNotContain(value)
        .doesNotContain("OVERDUE");

    // The same object a day after its rotation was due, and the operator has not acted.
    StatusCommand.clock =
        Clock.fixed(
            Instant.parse(key.getStatus().getIssuedAt()).plus(Duration.ofDays(24)), ZoneOffset.UTC);
    assertThat(run("status", "ak", "research-agent", "-n", ns).out())
        .contains("(1d ago)  rotation")
        .contains("OVERDUE: is the operator running?");
  }

  @Test
  void rotateSetsTheAnnotationAndTheOperatorRotates() {
    String ns = harness.namespace();
    activeKey("research-agent");

    // Without -n the kubeconfig context's namespace is used, as with kubectl.
    ClusterAccess.use(
        () ->
            new KubernetesClientBuilder()
                .withConfig(
                    new ConfigBuilder(TestApiServer.get().config()).withNamespace(ns).build())
                .build());
    CliRun r = run("rotate", "research-agent");
    assertThat(r.code()).as(r.err()).isZero();
    String asked =
        harness
            .apiKey("research-agent")
            .getMetadata()
            .getAnnotations()
            .get(ApiKey.ROTATE_ANNOTATION);
    assertThat(asked).isNotBlank();
    assertThat(r.out()).contains("rotation requested (keyward.dev/rotate=" + asked + ")");

    ApiKey rotated =
        harness.awaitApiKey(
            "research-agent",
            k -> k.getStatus().getKeyVersion() == 2 && k.getStatus().getPreviousKey() != null);
    harness.awaitApiKey(
        "research-agent", k -> harness.eventReasons("research-agent").contains("Rotated"));

    CliRun status = run("status", "apikey", "research-agent", "-n", ns);
    assertThat(status.out())
        .contains("version 2  " + rotated.getStatus().getMaskedKey())
        .contains("Previous key: " + rotated.getStatus().getPreviousKey().getMaskedKey())
        .contains("the previous key stops working")
        .containsPattern("Events \\(newest last\\):\n  \\S+  Normal  Rotated  ");

    // A second request is a new value, so it rotates again; --wait returns once it has.
    CliRun waited = run("rotate", "research-agent", "--wait", "20s");
    assertThat(waited.code()).as(waited.err()).isZero();
    ApiKey third = harness.apiKey("research-agent");
    assertThat(third.getStatus().getKeyVersion()).isEqualTo(3);
    assertThat(waited.out())
        .contains("Rotated: key version 3 (" + third.getStatus().getMaskedKey());

    // With no operator to act, --wait gives up and says what to check.
    harness.stop();
    CliRun stuck = run("rotate", "research-agent", "--wait", "1s");
    assertThat(stuck.code()).isEqualTo(1);
    assertThat(stuck.err()).contains("no new key version within 1s: is the operator running?");
  }

  @Test
  void revokeSetsTheFieldForBothKinds() {
    String ns = harness.namespace();
    activeKey("research-agent");
    harness.create(
        toolSecret(
            "linear-token",
            s -> {
              s.setEncryptedValue(harness.seal("lin_api_value_1234", "linear-token"));
              s.setTool("agno__linear__*");
              s.setExpiresAt("2099-01-01T00:00:00Z");
            }));
    ToolSecret active =
        harness.awaitToolSecret(
            "linear-token",
            t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    assertThat(run("status", "toolsecret", "linear-token", "-n", ns).out())
        .contains("Value:        " + active.getStatus().getDisplay())
        .contains("Tool:         agno__linear__* (any argument)")
        .contains("2099-01-01T00:00:00Z")
        .contains("the value is removed from its Secret and the tool index")
        .doesNotContain("lin_api_value_1234");

    CliRun r = run("revoke", "apikey", "research-agent", "-n", ns);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("ApiKey " + ns + "/research-agent: revoked");
    harness.awaitApiKey("research-agent", k -> "Revoked".equals(k.getStatus().getPhase()));
    assertThat(OperatorHarness.value(harness.secret("research-agent"), "apiKey")).isNull();
    assertThat(run("status", "apikey", "research-agent", "-n", ns).out())
        .containsPattern("Phase: +Revoked")
        .contains("nothing: revoked");
    CliRun again = run("rotate", "research-agent", "-n", ns);
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("is revoked");

    assertThat(run("revoke", "ts", "linear-token", "-n", ns).code()).isZero();
    harness.awaitToolSecret("linear-token", t -> "Revoked".equals(t.getStatus().getPhase()));
  }

  @Test
  void aMissingObjectOrUnknownKindIsOneLine() {
    String ns = harness.namespace();
    for (String[] args :
        new String[][] {
          {"status", "apikey", "nope", "-n", ns},
          {"rotate", "nope", "-n", ns},
          {"revoke", "toolsecret", "nope", "-n", ns}
        }) {
      CliRun r = run(args);
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err().strip())
          .contains("nope not found in namespace " + ns)
          .doesNotContain("\n");
    }
    CliRun kind = run("status", "secret", "x");
    assertThat(kind.code()).isEqualTo(2);
    assertThat(kind.err())
        .contains("'secret' is not a Keyward kind: use apikey (ak), toolsecret (ts) or toolgrant");
    CliRun name = run("status", "apikey", "Bad_Name", "-n", ns);
    assertThat(name.code()).isEqualTo(2);
    assertThat(name.err()).contains("is not a valid Kubernetes name");
  }
}
