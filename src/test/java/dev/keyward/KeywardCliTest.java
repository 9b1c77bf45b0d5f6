package dev.keyward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class KeywardCliTest {

  static String run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = Keyward.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(out));
    int code = cli.execute(args);
    assertThat(code).as(out.toString()).isZero();
    return out.toString();
  }

  @Test
  void helpListsTheSubcommands() {
    assertThat(run("--help")).contains("operator").contains("Usage: keyward");
  }

  @Test
  void operatorHelpDocumentsItsOptions() {
    assertThat(run("operator", "--help")).contains("--watch-namespaces").contains("KUBECONFIG");
  }
}
