package dev.keyward.bench;

import dev.keyward.dev.LocalApiServer;
import dev.keyward.testing.RealServerShape;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fresh, empty API server for one benchmark phase, in another process than the operator, so the
 * operator's heap and the server's do not mix and every phase starts from the same empty store. The
 * fabric8 mock server runs in a child JVM (this class's {@link #main}); kube-api-test runs its own
 * kube-apiserver and etcd processes.
 */
final class BenchApiServer implements AutoCloseable {

  private final Process child;
  private final KubeAPIServer kubeApiServer;
  private final Config config;
  private final String phase;
  private final KubernetesClient admin;

  private BenchApiServer(Process child, KubeAPIServer kubeApiServer, Config config, String phase) {
    this.child = child;
    this.kubeApiServer = kubeApiServer;
    this.config = config;
    this.phase = phase;
    this.admin = new KubernetesClientBuilder().withConfig(config).build();
    TestApiServer.installCrds(admin);
  }

  /** Starts the backend {@code -Dkeyward.apiserver} names; the mock's log goes to {@code logs}. */
  static BenchApiServer start(Path logs, String phase) throws IOException {
    return start(logs, phase, false);
  }

  /**
   * {@link #start(Path, String)}; with {@code realShape}, a mock server stores ApiKeys and Secrets
   * with the managedFields a real API server adds ({@link RealServerShape}). A real server always
   * does.
   */
  static BenchApiServer start(Path logs, String phase, boolean realShape) throws IOException {
    if (!TestApiServer.isMock()) {
      KubeAPIServer server = LocalApiServer.start(false);
      return new BenchApiServer(
          null, server, Config.fromKubeconfig(server.getKubeConfigYaml()), phase);
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx8g");
    // e.g. -Dkeyward.bench.apiserver.jvmArgs=-XX:StartFlightRecording=filename=server.jfr
    String extra = System.getProperty("keyward.bench.apiserver.jvmArgs", "").strip();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            BenchApiServer.class.getName(),
            realShape ? "real" : "plain"));
    Process child =
        new ProcessBuilder(command)
            .redirectError(logs.resolve(phase + "-apiserver.log").toFile())
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("http")) {
      // skip anything printed before the address
    }
    if (line == null) {
      throw new IOException(
          "the mock API server exited; see " + logs + "/" + phase + "-apiserver.log");
    }
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(line)
            .withTrustCerts(true)
            .withHttp2Disable(true)
            .build();
    return new BenchApiServer(child, null, config, phase);
  }

  /**
   * CPU time the API server used so far: the mock's JVM, or kube-api-test's kube-apiserver and etcd
   * processes (children of this JVM).
   */
  Duration cpu() {
    if (child != null) {
      return child.info().totalCpuDuration().orElse(Duration.ZERO);
    }
    return ProcessHandle.current()
        .descendants()
        .filter(
            p -> {
              String command = p.info().command().orElse("");
              return command.endsWith("kube-apiserver") || command.endsWith("etcd");
            })
        .map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
        .reduce(Duration.ZERO, Duration::plus);
  }

  Config config() {
    return config;
  }

  /**
   * Writes a kubeconfig with this server's address and the admin's credentials to {@code dir} and
   * returns its path: what a child process (a verifier) needs to reach the server. A real API
   * server refuses a client without credentials (RBAC; anonymous may list nothing).
   */
  Path kubeconfig(Path dir) throws IOException {
    Path file = dir.resolve(phase + "-kubeconfig");
    java.nio.file.Files.writeString(file, Kubeconfigs.of(config));
    return file;
  }

  /** The benchmark's own client; its requests are never counted as the operator's. */
  KubernetesClient admin() {
    return admin;
  }

  @Override
  public void close() throws InterruptedException {
    admin.close();
    if (kubeApiServer != null) {
      kubeApiServer.stop();
    }
    if (child != null) {
      child.destroy();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  /**
   * The child JVM: a mock server in CRUD mode ({@code real} as argument: {@link RealServerShape});
   * prints its address, runs until stdin closes.
   */
  public static void main(String[] args) throws IOException {
    Config config =
        args.length > 0 && args[0].equals("real")
            ? TestApiServer.startMock(RealServerShape::new)
            : TestApiServer.startMock();
    // The owner of the verifier benchmark's keys may grant every scope there.
    dev.keyward.testing.ScopeRbac.grantUser(VerifierBench.NS, VerifierBench.OWNER);
    System.out.println(config.getMasterUrl());
    System.out.flush();
    while (System.in.read() != -1) {
      // the parent holds stdin open for as long as it needs the server
    }
    System.exit(0);
  }
}
