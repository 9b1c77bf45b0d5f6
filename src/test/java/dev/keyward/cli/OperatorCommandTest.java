package dev.keyward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
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
    String expectedNamespace =
        System.getenv("KEYWARD_NAMESPACE") != null
            ? System.getenv("KEYWARD_NAMESPACE")
            : System.getenv().getOrDefault("POD_NAMESPACE", "keyward-system");
    assertThat(c.namespace).isEqualTo(expectedNamespace);
    assertThat(c.leaderElection)
        .isEqualTo(Boolean.parseBoolean(System.getenv("KEYWARD_LEADER_ELECTION")));
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
