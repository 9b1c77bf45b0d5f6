package dev.keyward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.CliRun;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code seal} refuses what Kubernetes or the operator would refuse later, before it reads the
 * value or a key: a sealed value for an impossible name would never open anywhere.
 */
class SealChecksTest {

  static final String TOKEN = "lin_api_never_printed_42";

  @AfterEach
  void restoreStdin() {
    SealCommand.stdin = System.in;
    ClusterAccess.useCurrentContext();
  }

  static CliRun seal(String... options) {
    ClusterAccess.use(
        () -> {
          throw new AssertionError("seal asked the cluster before checking its input");
        });
    SealCommand.stdin = new ByteArrayInputStream(TOKEN.getBytes(StandardCharsets.UTF_8));
    List<String> args = new ArrayList<>(List.of("seal"));
    args.addAll(List.of(options));
    CliRun run = CliRun.run(args.toArray(String[]::new));
    assertThat(run.err()).doesNotContain(TOKEN).doesNotContain("\tat ");
    assertThat(run.out()).isEmpty();
    return run;
  }

  @Test
  void nameMustBeAKubernetesName() {
    for (String bad : List.of("Linear_Token", "-linear", "linear-", "a".repeat(254), "lin ear")) {
      CliRun r = seal("--namespace", "agents", "--name", bad);
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err())
          .as(bad)
          .startsWith("keyward seal: --name \"" + bad + "\" is not a valid Kubernetes name");
    }
  }

  @Test
  void namespaceMustBeANamespaceName() {
    for (String bad : List.of("Agents", "agents.team", "a".repeat(64), "agents_")) {
      CliRun r = seal("--namespace", bad, "--name", "linear-token");
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).contains("--namespace \"" + bad + "\" is not a valid namespace");
    }
  }

  @Test
  void toolArgAndDefaultForToolNeedTool() {
    CliRun r = seal("--namespace", "agents", "--name", "t", "--tool-arg", "api_key");
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
