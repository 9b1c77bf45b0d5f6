package dev.keyward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.Keyward;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The operator's flags parse the way the README's configuration table says. */
class OperatorCommandTest {

  private static OperatorCommand parse(String... args) {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void defaults() {
    OperatorCommand c = parse();
    assertThat(c.httpPort).isEqualTo(8080);
    assertThat(c.concurrency).isEqualTo(10);
    assertThat(c.clientQps).isEqualTo(50);
    assertThat(c.clientBurst).isEqualTo(100);
    assertThat(c.sealingKeyRotation).isEqualTo("30d");
    assertThat(c.namespaceQuota).isEqualTo("512Ki");
    assertThat(c.toolIndexName).isEqualTo("keyward-tools");
    assertThat(c.toolIndexValues)
        .isEqualTo(
            Boolean.parseBoolean(
                System.getenv().getOrDefault("KEYWARD_TOOL_INDEX_VALUES", "true")));
    assertThat(parse("--no-tool-index-values").toolIndexValues).isFalse();
    assertThat(parse("--tool-index-values=false").toolIndexValues).isFalse();
    String expectedNamespace =
        System.getenv("KEYWARD_NAMESPACE") != null
            ? System.getenv("KEYWARD_NAMESPACE")
            : System.getenv().getOrDefault("POD_NAMESPACE", "keyward-system");
    assertThat(c.namespace).isEqualTo(expectedNamespace);
    assertThat(c.leaderElection)
        .isEqualTo(Boolean.parseBoolean(System.getenv("KEYWARD_LEADER_ELECTION")));
  }

  @Test
  void webhookIsOffWithoutACertificateDirectory() {
    OperatorCommand c = parse();
    assertThat(c.webhookPort)
        .isEqualTo(Integer.parseInt(System.getenv().getOrDefault("KEYWARD_WEBHOOK_PORT", "9443")));
    if (System.getenv("KEYWARD_WEBHOOK_CERT_DIR") == null) {
      assertThat(c.webhookCertDir).isNull();
    }
    OperatorCommand on = parse("--webhook-port", "8443", "--webhook-cert-dir", "/etc/tls");
    assertThat(on.webhookPort).isEqualTo(8443);
    assertThat(on.webhookCertDir).isEqualTo(Path.of("/etc/tls"));
  }

  @Test
  void anUnreadableWebhookCertificateStopsTheOperatorWithOneLine(@TempDir Path dir) {
    StringWriter err = new StringWriter();
    CommandLine cli = Keyward.commandLine();
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("operator", "--webhook-port", "0", "--webhook-cert-dir", dir.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines().toList())
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .startsWith("keyward operator: cannot serve the admission webhook")
                    .contains("tls.crt and tls.key"));
  }

  @Test
  void leaderElectionCanBeSwitchedBothWays() {
    assertThat(parse("--leader-election").leaderElection).isTrue();
    assertThat(parse("--no-leader-election").leaderElection).isFalse();
  }

  @Test
  void flagsOverrideDefaults() {
    OperatorCommand c =
        parse(
            "--http-port", "9090",
            "--watch-namespaces", "a,b",
            "--namespace", "ops",
            "--namespace-quota", "1Mi");
    assertThat(c.httpPort).isEqualTo(9090);
    assertThat(c.watchNamespaces).containsExactlyInAnyOrder("a", "b");
    assertThat(c.namespace).isEqualTo("ops");
    assertThat(c.namespaceQuota).isEqualTo("1Mi");
  }
}
