package dev.keyward.cli;

import static dev.keyward.testing.OperatorHarness.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.testing.CliRun;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The GitOps workflow end to end: fetch keys, seal offline, apply, resolve. */
class SealAndResolveCommandTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();
  @TempDir Path dir;

  static final String TOKEN = "lin_api_sealed_from_stdin_42";

  CliRun run(String stdin, String... args) {
    SealCommand.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    return CliRun.run(args);
  }

  @BeforeEach
  void useTestCluster() {
    CliRun.useTestCluster();
  }

  @AfterEach
  void restoreStdin() {
    SealCommand.stdin = System.in;
    ClusterAccess.useCurrentContext();
  }

  @Test
  void sealOfflineApplyAndResolve() throws Exception {
    String ns = harness.namespace();
    CliRun keys = run("", "seal", "--fetch-public-keys", "--operator-namespace", ns);
    assertThat(keys.code()).as(keys.err()).isZero();
    Path keysFile = dir.resolve("keys.json");
    Files.writeString(keysFile, keys.out());

    CliRun sealed =
        run(
            TOKEN + "\n",
            "seal",
            "--namespace",
            ns,
            "--name",
            "linear-token",
            "--public-keys",
            keysFile.toString(),
            "--tool",
            "agno__linear__*",
            "--tool-arg",
            "api_key",
            "--display-name",
            "Linear token");
    assertThat(sealed.code()).as(sealed.err()).isZero();
    assertThat(sealed.out()).doesNotContain(TOKEN).startsWith("# Sealed by `keyward seal`");
    ToolSecret parsed = Serialization.unmarshal(sealed.out(), ToolSecret.class);
    assertThat(parsed.getMetadata().getName()).isEqualTo("linear-token");
    assertThat(parsed.getSpec().getTool()).isEqualTo("agno__linear__*");
    assertThat(parsed.getSpec().getDefaultForTool()).isNull();

    harness.admin().resource(parsed).create();
    harness.awaitToolSecret(
        "linear-token", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    assertThat(OperatorHarness.value(harness.secret("linear-token"), "value")).isEqualTo(TOKEN);

    waiting().until(() -> harness.secret("keyward-tools") != null);
    CliRun resolved =
        run("", "resolve", "--namespace", ns, "--tool", "agno__linear__list", "--arg", "api_key");
    assertThat(resolved.code()).as(resolved.err()).isZero();
    assertThat(resolved.out().strip()).isEqualTo("linear-token");
    CliRun revealed =
        run(
            "",
            "resolve",
            "--namespace",
            ns,
            "--tool",
            "agno__linear__list",
            "--arg",
            "api_key",
            "--reveal");
    assertThat(revealed.out()).contains(TOKEN);
    CliRun none = run("", "resolve", "--namespace", ns, "--tool", "github", "--arg", "token");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("No ToolSecret");
  }

  @Test
  void sealReadsTheClusterKeysWhenNoFileIsGiven() {
    String ns = harness.namespace();
    CliRun sealed =
        run(TOKEN, "seal", "--namespace", ns, "--name", "x", "--operator-namespace", ns);
    assertThat(sealed.code()).as(sealed.err()).isZero();
    ToolSecret parsed = Serialization.unmarshal(sealed.out(), ToolSecret.class);
    assertThat(harness.sealingKeys().primaryKeyId())
        .isEqualTo(
            harness
                .admin()
                .configMaps()
                .inNamespace(ns)
                .withName(SealingKeyStore.CONFIG_MAP_NAME)
                .get()
                .getMetadata()
                .getAnnotations()
                .get("keyward.dev/primary-key-id"));
    assertThat(parsed.getSpec().getEncryptedValue()).isNotBlank();
  }

  @Test
  void badInputIsRefusedBeforeSealing() {
    String ns = harness.namespace();
    CliRun shortValue =
        run("abc", "seal", "--namespace", ns, "--name", "x", "--operator-namespace", ns);
    assertThat(shortValue.code()).isEqualTo(2);
    assertThat(shortValue.err()).contains("4 to 1024");
    CliRun badTool =
        run(
            TOKEN,
            "seal",
            "--namespace",
            ns,
            "--name",
            "x",
            "--tool",
            "a,b",
            "--operator-namespace",
            ns);
    assertThat(badTool.code()).isEqualTo(2);
    assertThat(badTool.err()).contains("list").doesNotContain(TOKEN);
    CliRun noName = run(TOKEN, "seal", "--namespace", ns);
    assertThat(noName.code()).isEqualTo(2);
    CliRun noCluster =
        run(TOKEN, "seal", "--namespace", ns, "--name", "x", "--operator-namespace", "nowhere");
    assertThat(noCluster.code()).isEqualTo(2);
    assertThat(noCluster.err())
        .contains("was not found")
        .doesNotContain(TOKEN)
        .doesNotContain("\tat ");
  }
}
