package dev.keyward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
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
    assertThat(run("--help"))
        .contains("operator", "seal", "status", "rotate", "revoke", "dev")
        .contains("Usage: keyward");
  }

  @Test
  void operatorHelpDocumentsItsOptions() {
    assertThat(run("operator", "--help")).contains("--watch-namespaces").contains("KUBECONFIG");
  }

  @Test
  void versionIsTheOneMavenBuilt() {
    String expected = System.getProperty("keyward.expectedVersion");
    assertThat(expected).as("surefire passes the project version").isNotBlank();
    assertThat(run("--version").strip()).isEqualTo("keyward " + expected);
  }

  /** picocli prints its warnings (a bad format string, say) to System.err, not to the command. */
  @Test
  void everyCommandsHelpRendersWithoutAWarning() {
    LogCapture.install();
    List<List<String>> commands = new ArrayList<>();
    collect(Keyward.commandLine(), new ArrayList<>(), commands);
    assertThat(commands).hasSizeGreaterThanOrEqualTo(8);
    for (List<String> path : commands) {
      int mark = LogCapture.mark();
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      String help = run(args.toArray(String[]::new));
      assertThat(help).as(String.join(" ", args)).startsWith("Usage: keyward");
      assertThat(LogCapture.since(mark)).as(String.join(" ", args)).doesNotContain("picocli");
    }
    assertThat(run("seal", "--help")).contains("printf %s \"$LINEAR_TOKEN\"");
  }

  private static void collect(CommandLine cli, List<String> path, List<List<String>> into) {
    if (!"help".equals(cli.getCommandName())) {
      into.add(path);
    }
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (sub.getCommandSpec().aliases().length == 0 || name.equals(sub.getCommandName())) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                if (!"help".equals(name)) {
                  collect(sub, next, into);
                }
              }
            });
  }
}
