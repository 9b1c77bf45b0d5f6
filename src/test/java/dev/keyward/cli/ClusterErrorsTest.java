package dev.keyward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.Keyward;
import dev.keyward.testing.LogCapture;
import io.fabric8.kubernetes.client.Config;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Without a usable cluster every command that needs one stops within seconds with one line that
 * says what is wrong and what to do: no kubeconfig, a kubeconfig that is not a file, a cluster that
 * does not answer. fabric8 reads its configuration from system properties before the environment,
 * so the tests point {@code kubeconfig} (KUBECONFIG) at their own files and say they are not in a
 * pod.
 */
class ClusterErrorsTest {

  /**
   * Generous for a loaded 2-CPU machine, and far below the 22 s fabric8's default retries take. The
   * first command in a JVM also loads the client's classes, so tests warm up first.
   */
  static final Duration FAST = Duration.ofSeconds(5);

  static final List<String> PROPERTIES =
      List.of(
          Config.KUBERNETES_KUBECONFIG_FILE,
          Config.KUBERNETES_SERVICE_HOST_PROPERTY,
          Config.KUBERNETES_MASTER_SYSTEM_PROPERTY);

  @TempDir Path dir;
  final Map<String, String> saved = new HashMap<>();

  record Result(int code, String out, String err, String logged, Duration took) {}

  @BeforeEach
  void outsideAPodWithoutCluster() {
    LogCapture.install();
    PROPERTIES.forEach(p -> saved.put(p, System.getProperty(p)));
    System.setProperty(Config.KUBERNETES_SERVICE_HOST_PROPERTY, "");
    System.clearProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY);
    ClusterAccess.useCurrentContext();
  }

  @AfterEach
  void restore() {
    saved.forEach(
        (p, v) -> {
          if (v == null) {
            System.clearProperty(p);
          } else {
            System.setProperty(p, v);
          }
        });
    SealCommand.stdin = System.in;
  }

  static Result run(String... args) {
    SealCommand.stdin = new ByteArrayInputStream("a-token-value".getBytes(StandardCharsets.UTF_8));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Keyward.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int mark = LogCapture.mark();
    Instant start = Instant.now();
    int code = Keyward.execute(cli, args);
    Duration took = Duration.between(start, Instant.now());
    return new Result(code, out.toString(), err.toString(), LogCapture.since(mark), took);
  }

  /** Every command that talks to the cluster, with arguments that are otherwise fine. */
  static final List<String[]> CLUSTER_COMMANDS =
      List.of(
          new String[] {"status", "apikey", "research-agent", "-n", "agents"},
          new String[] {"status", "ts", "linear-token"},
          new String[] {"rotate", "research-agent"},
          new String[] {"revoke", "apikey", "research-agent"},
          new String[] {"seal", "--fetch-public-keys"},
          new String[] {"seal", "--namespace", "agents", "--name", "linear-token"},
          new String[] {"resolve", "--namespace", "agents", "--tool", "t", "--arg", "a"},
          new String[] {"list", "-A"},
          new String[] {"operator"});

  private static void assertOneLine(Result r, int code, String... contains) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.err().strip()).as("one line").doesNotContain("\n").contains(contains);
    assertThat(r.err() + r.logged()).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(r.took()).as(r.err()).isLessThan(FAST);
  }

  @Test
  void noKubeconfigOutsideAPodSaysSoInsteadOfTryingTheInClusterAddress() {
    Path missing = dir.resolve("no-such-kubeconfig");
    System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, missing.toString());
    run(CLUSTER_COMMANDS.get(0));
    List<String[]> commands = new ArrayList<>(CLUSTER_COMMANDS);
    commands.add(new String[] {"verifier", "--http-port", "0"});
    for (String[] args : commands) {
      Result r = run(args);
      assertOneLine(r, Keyward.CLUSTER_UNAVAILABLE, "no kubeconfig", missing.toString());
      assertThat(r.err()).contains("KUBECONFIG").contains("keyward dev");
      assertThat(r.err() + r.logged()).doesNotContain("kubernetes.default.svc");
    }
  }

  @Test
  void aKubeconfigWithoutCurrentContextIsNamedNotReplacedByTheInClusterAddress() throws Exception {
    for (String content : List.of("", "apiVersion: v1\nkind: Config\n")) {
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(kubeconfig, content);
      System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig.toString());
      Result r = run("status", "apikey", "x");
      assertOneLine(
          r,
          Keyward.CLUSTER_UNAVAILABLE,
          "kubeconfig " + kubeconfig + " has no current context",
          "kubectl config use-context");
      assertThat(r.err() + r.logged()).doesNotContain("kubernetes.default.svc");
    }
  }

  @Test
  void aKubeconfigThatIsAFolderIsNamed() {
    System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, dir.toString());
    Result r = run("status", "apikey", "x");
    assertOneLine(r, Keyward.CLUSTER_UNAVAILABLE, "kubeconfig " + dir + " is a folder");
  }

  @Test
  void anUnreachableClusterFailsWithinSecondsWithoutRetries() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, KUBECONFIG.formatted(port));
    System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig.toString());
    run(CLUSTER_COMMANDS.get(0));
    for (String[] args : CLUSTER_COMMANDS) {
      Result r = run(args);
      assertOneLine(
          r,
          Keyward.CLUSTER_UNAVAILABLE,
          "cannot reach the API server at https://127.0.0.1:" + port,
          "connection refused",
          "kubectl config current-context");
      assertThat(r.err()).doesNotContain("not-a-real-token");
    }
  }

  static final String KUBECONFIG =
      """
        apiVersion: v1
        kind: Config
        clusters:
        - name: gone
          cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
        users:
        - name: someone
          user: {token: not-a-real-token}
        contexts:
        - name: gone
          context: {cluster: gone, user: someone, namespace: agents}
        current-context: gone
        """;

  @Test
  void aServerThatHangsUpIsAskedOnceNotRetried() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket socket = new ServerSocket(0)) {
      Thread acceptor =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket connection = socket.accept()) {
                    connections.incrementAndGet();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(kubeconfig, KUBECONFIG.formatted(socket.getLocalPort()));
      System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig.toString());
      Result r = run("status", "apikey", "research-agent");
      assertThat(r.code()).as(r.err()).isEqualTo(Keyward.CLUSTER_UNAVAILABLE);
      assertThat(r.err().strip())
          .doesNotContain("\n")
          .startsWith("keyward status: cannot reach the API server at https://127.0.0.1:");
      assertThat(connections.get()).as("connections, so retries").isEqualTo(1);
    }
  }

  @Test
  void theOperatorReportsABadFlagBeforeLookingForTheCluster() {
    System.setProperty(
        Config.KUBERNETES_KUBECONFIG_FILE, dir.resolve("no-such-kubeconfig").toString());
    Result r = run("operator", "--sealing-key-rotation", "5x");
    assertOneLine(r, 2, "--sealing-key-rotation");
    assertThat(r.err()).doesNotContain("kubeconfig");
  }

  @Test
  void noArgumentsSaysItRunsTheOperator() {
    System.setProperty(
        Config.KUBERNETES_KUBECONFIG_FILE, dir.resolve("no-such-kubeconfig").toString());
    Result r = run();
    assertThat(r.code()).isEqualTo(Keyward.CLUSTER_UNAVAILABLE);
    List<String> lines = r.err().strip().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("running the operator").contains("keyward --help");
    assertThat(lines.get(1)).startsWith("keyward operator: no kubeconfig");
    assertThat(r.took()).isLessThan(FAST);
  }

  @Test
  void aMissingOrBadPublicKeysFileIsOneLineWithTheFix() throws Exception {
    Path missing = dir.resolve("keys.json");
    Result r =
        run("seal", "--namespace", "agents", "--name", "t", "--public-keys", missing.toString());
    assertOneLine(r, 2, "--public-keys " + missing + " does not exist", "--fetch-public-keys");

    r = run("seal", "--namespace", "agents", "--name", "t", "--public-keys", dir.toString());
    assertOneLine(r, 2, "--public-keys " + dir + " is a folder");

    Files.writeString(missing, "{\"not\": \"a keyset\"}");
    r = run("seal", "--namespace", "agents", "--name", "t", "--public-keys", missing.toString());
    assertOneLine(r, 2, "not Keyward's public sealing keys", "--fetch-public-keys");
    assertThat(r.err()).doesNotContain("a-token-value");
  }
}
