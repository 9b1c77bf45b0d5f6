package dev.keyward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.Keyward;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code seal} refuses what Kubernetes or the operator would refuse later, before it reads the
 * value or a key: a sealed value for an impossible name would never open anywhere.
 */
class SealChecksTest {

  static final String TOKEN = "lin_api_never_printed_42";

  record Result(int code, String out, String err) {}

  @AfterEach
  void restoreStdin() {
    SealCommand.stdin = System.in;
    ClusterAccess.useCurrentContext();
  }

  static Result seal(String... options) {
    ClusterAccess.use(
        () -> {
          throw new AssertionError("seal asked the cluster before checking its input");
        });
    SealCommand.stdin = new ByteArrayInputStream(TOKEN.getBytes(StandardCharsets.UTF_8));
    List<String> args = new ArrayList<>(List.of("seal"));
    args.addAll(List.of(options));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Keyward.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args.toArray(String[]::new));
    assertThat(err.toString()).doesNotContain(TOKEN).doesNotContain("\tat ");
    assertThat(out.toString()).isEmpty();
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void nameMustBeAKubernetesName() {
    for (String bad : List.of("Linear_Token", "-linear", "linear-", "a".repeat(254), "lin ear")) {
      Result r = seal("--namespace", "agents", "--name", bad);
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err())
          .as(bad)
          .startsWith("keyward seal: --name \"" + bad + "\" is not a valid Kubernetes name");
    }
  }

  @Test
  void namespaceMustBeANamespaceName() {
    for (String bad : List.of("Agents", "agents.team", "a".repeat(64), "agents_")) {
      Result r = seal("--namespace", bad, "--name", "linear-token");
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).contains("--namespace \"" + bad + "\" is not a valid namespace");
    }
  }

  @Test
  void toolArgAndDefaultForToolNeedTool() {
    Result r = seal("--namespace", "agents", "--name", "t", "--tool-arg", "api_key");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--tool-arg needs --tool");
    r = seal("--namespace", "agents", "--name", "t", "--default-for-tool");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--default-for-tool needs --tool");
    r = seal("--namespace", "agents", "--name", "t", "--tool", "x", "--tool-arg", "");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--tool-arg must be 1 to 1024 characters");
  }
}
