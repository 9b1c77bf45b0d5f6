package dev.keyward;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keyward.apikey.ApiKey;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jars the build made, run as a user runs them: {@code keyward-slim.jar} (the image's) holds no
 * test library and still runs the operator; both report the version Maven built.
 */
class KeywardJarIT {

  static final Path FULL = Path.of("target", "keyward.jar");
  static final Path SLIM = Path.of("target", "keyward-slim.jar");
  static final String VERSION = System.getProperty("keyward.expectedVersion");

  @TempDir Path dir;

  record Result(int code, String out) {}

  Result java(List<String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("KUBERNETES_SERVICE_HOST");
    for (int i = 0; i < env.size(); i += 2) {
      pb.environment().put(env.get(i), env.get(i + 1));
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  @Test
  void slimJarCarriesNoTestLibrary() throws IOException {
    List<String> testOnly = new ArrayList<>();
    try (ZipFile jar = new ZipFile(SLIM.toFile())) {
      jar.stream()
          .map(e -> e.getName())
          .filter(
              n ->
                  n.startsWith("org/junit/")
                      || n.startsWith("io/fabric8/kubeapitest/")
                      || n.startsWith("org/bouncycastle/")
                      || n.startsWith("org/apache/commons/compress/"))
          .forEach(testOnly::add);
    }
    assertThat(testOnly).isEmpty();
    assertThat(Files.size(SLIM)).isLessThan(Files.size(FULL) * 3 / 4);
    System.out.printf(
        "keyward.jar %.1f MB, keyward-slim.jar %.1f MB%n",
        Files.size(FULL) / 1e6, Files.size(SLIM) / 1e6);
  }

  @Test
  void bothJarsKnowTheirVersionAndTheSlimOneSaysWhyDevIsMissing() throws Exception {
    assertThat(VERSION).isNotBlank();
    for (Path jar : List.of(FULL, SLIM)) {
      Result r = java(List.of(), "-jar", jar.toString(), "--version");
      assertThat(r.code()).as(r.out()).isZero();
      assertThat(r.out().strip()).isEqualTo("keyward " + VERSION);
    }
    Result dev = java(List.of(), "-jar", SLIM.toString(), "dev", "--dir", dir.toString());
    assertThat(dev.code()).isEqualTo(2);
    assertThat(dev.out().strip())
        .startsWith("keyward dev: this jar is built without kube-api-test")
        .contains("target/keyward.jar")
        .doesNotContain("\tat ");
  }

  @Test
  void slimJarRunsTheOperator() throws Exception {
    KubernetesClient admin = TestApiServer.get().admin();
    String ns = "jar-" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, kubeconfig(TestApiServer.get().config()));
    Path log = dir.resolve("operator.log");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1",
            "-jar",
            SLIM.toString(),
            "operator",
            "--namespace",
            ns,
            "--watch-namespaces",
            ns,
            "--http-port",
            "0");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove("KUBERNETES_SERVICE_HOST");
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    Process operator = pb.start();
    try {
      ApiKey key = apiKey("from-slim-jar", s -> {});
      key.getMetadata().setNamespace(ns);
      admin.resources(ApiKey.class).inNamespace(ns).resource(key).create();
      ApiKey active =
          await()
              .atMost(Duration.ofSeconds(90))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> {
                    assertThat(operator.isAlive()).as(Files.readString(log)).isTrue();
                    return admin
                        .resources(ApiKey.class)
                        .inNamespace(ns)
                        .withName("from-slim-jar")
                        .get();
                  },
                  k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
      assertThat(active.getStatus().getKeyVersion()).isEqualTo(1);
      assertThat(admin.secrets().inNamespace(ns).withName("from-slim-jar").get().getData())
          .containsKey("apiKey");
    } finally {
      operator.destroy();
      operator.waitFor(20, TimeUnit.SECONDS);
      operator.destroyForcibly();
    }
    assertThat(Files.readString(log))
        .doesNotContain("NoClassDefFoundError")
        .doesNotContain("ClassNotFoundException");
  }

  /** A kubeconfig for the test API server, as kubectl would write it. */
  static String kubeconfig(Config c) throws IOException {
    StringBuilder cluster = new StringBuilder("    server: " + c.getMasterUrl() + "\n");
    StringBuilder user = new StringBuilder();
    if (c.isTrustCerts()) {
      cluster.append("    insecure-skip-tls-verify: true\n");
    }
    String ca = data(c.getCaCertData(), c.getCaCertFile());
    if (ca != null && !c.isTrustCerts()) {
      cluster.append("    certificate-authority-data: ").append(ca).append('\n');
    }
    String cert = data(c.getClientCertData(), c.getClientCertFile());
    String key = data(c.getClientKeyData(), c.getClientKeyFile());
    if (cert != null && key != null) {
      user.append("    client-certificate-data: ").append(cert).append('\n');
      user.append("    client-key-data: ").append(key).append('\n');
    }
    if (c.getOauthToken() != null) {
      user.append("    token: ").append(c.getOauthToken()).append('\n');
    }
    if (user.isEmpty()) {
      user.append("    {}\n");
    }
    return "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n"
        + cluster
        + "users:\n- name: test\n  user:\n"
        + user
        + "contexts:\n- name: test\n  context: {cluster: test, user: test}\n"
        + "current-context: test\n";
  }

  private static String data(String inline, String file) throws IOException {
    if (inline != null) {
      return inline;
    }
    if (file != null && new File(file).isFile()) {
      return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
    }
    return null;
  }
}
