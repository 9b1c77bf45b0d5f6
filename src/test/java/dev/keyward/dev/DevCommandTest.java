package dev.keyward.dev;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.Keyward;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code keyward dev} where kube-api-test has its binaries runs the operator on a local API server;
 * where it has none and may not download, it stops at once and says what is missing.
 */
class DevCommandTest {

  @TempDir Path dir;

  @Test
  void runsLocallyOrSaysWhatIsMissing() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Keyward.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    Instant start = Instant.now();
    int code =
        cli.execute(
            "dev",
            "--offline",
            "--dir",
            dir.toString(),
            "--http-port",
            "0",
            "--verifier-port",
            "0",
            "--console-port",
            "0",
            "--refresh",
            "0s",
            "--apply",
            "examples");
    Duration took = Duration.between(start, Instant.now());

    if (LocalApiServer.binariesPresent()) {
      // Zero also says the API server called the webhook: dev waits for a dry run it annotates.
      assertThat(code).as(err.toString()).isZero();
      assertThat(dir.resolve("kubeconfig")).exists();
      assertThat(dir.resolve("webhook").resolve("ca.crt")).exists();
      assertThat(out.toString())
          .contains("webhook: https://127.0.0.1:")
          .contains("CREATED BY")
          .contains("applied ApiKey default/try-rotation")
          .contains("/v1/verify")
          .contains("console: http://127.0.0.1:")
          .contains("APIKEYS");
    } else {
      assertThat(code).isEqualTo(2);
      assertThat(err.toString())
          .contains("No kube-apiserver and etcd binaries in " + LocalApiServer.binariesDir())
          .contains("KUBE_API_TEST_DIR")
          .doesNotContain("\tat ");
      assertThat(took).as("fails fast").isLessThan(Duration.ofSeconds(10));
    }
  }

  /** A mistyped --apply folder costs a second, before any API server starts or downloads. */
  @Test
  void checksTheApplyFolderBeforeStartingAnything() throws Exception {
    Path notYaml = dir.resolve("bad");
    Files.createDirectories(notYaml);
    Files.writeString(notYaml.resolve("broken.yaml"), "kind: [unclosed\n  - :");
    // ApiKey is a known kind: a field it does not have is refused here, as kubectl's strict
    // field validation refuses it.
    Path unknownField = dir.resolve("typo");
    Files.createDirectories(unknownField);
    Files.writeString(
        unknownField.resolve("key.yaml"),
        "apiVersion: keyward.dev/v1alpha1\nkind: ApiKey\nmetadata: {name: k}\n"
            + "spec: {type: agent, secretNmae: k}\n");
    // A subfolder is read too, as `kubectl apply -R` reads it.
    Path nested = dir.resolve("nested");
    Files.createDirectories(nested.resolve("deeper"));
    Files.writeString(nested.resolve("deeper").resolve("inner.yaml"), "kind: [unclosed\n  - :");
    Path empty = dir.resolve("empty");
    Files.createDirectories(empty);
    Path file = dir.resolve("one.yaml");
    Files.writeString(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");
    record Case(Path folder, String says) {}
    for (Case c :
        List.of(
            new Case(dir.resolve("no-such-folder"), "does not exist"),
            new Case(file, "is a file, not a folder"),
            new Case(empty, "holds no .yaml file"),
            new Case(notYaml, "broken.yaml is not Kubernetes YAML"),
            new Case(nested, "inner.yaml is not Kubernetes YAML"),
            new Case(unknownField, "key.yaml is not Kubernetes YAML Keyward can read"))) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cli = Keyward.commandLine();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(err));
      Instant start = Instant.now();
      int code =
          cli.execute(
              "dev", "--dir", dir.resolve("state").toString(), "--apply", c.folder().toString());
      assertThat(code).as(err.toString()).isEqualTo(2);
      assertThat(err.toString().strip())
          .startsWith("keyward dev: ")
          .contains(c.says())
          .doesNotContain("\n");
      assertThat(out.toString()).as("nothing started").isEmpty();
      assertThat(dir.resolve("state")).doesNotExist();
      assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }
  }
}
