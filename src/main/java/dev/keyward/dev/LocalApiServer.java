package dev.keyward.dev;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throwaway kube-apiserver with etcd from kube-api-test, for {@code keyward dev} and the tests.
 * kube-api-test keeps its binaries under {@code ~/.kubeapitest/k8s/<version>-linux-amd64/} (or
 * {@code KUBE_API_TEST_DIR}) and downloads them there on first use.
 */
public final class LocalApiServer {

  private LocalApiServer() {}

  /** Where kube-api-test looks for binaries. */
  public static Path binariesDir() {
    String dir = System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR);
    return dir != null
        ? Path.of(dir, "k8s")
        : Path.of(System.getProperty("user.home"), ".kubeapitest", "k8s");
  }

  /** Whether kube-api-test is on the class path: keyward-slim.jar (the image's) leaves it out. */
  public static boolean libraryPresent() {
    try {
      Class.forName(
          "io.fabric8.kubeapitest.KubeAPIServer", false, LocalApiServer.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  public static boolean binariesPresent() {
    Path dir = binariesDir();
    try (var entries = Files.list(dir)) {
      return entries.findAny().isPresent();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * Starts a server. With binaries present it never downloads; otherwise it downloads unless {@code
   * offline}, in which case it fails at once with what is missing and how to provide it.
   */
  public static KubeAPIServer start(boolean offline) {
    if (!libraryPresent()) {
      throw new IllegalStateException(
          "this jar is built without kube-api-test, the local API server `dev` runs on (the"
              + " operator image carries no test libraries): run `dev` from the full jar,"
              + " target/keyward.jar");
    }
    boolean present = binariesPresent();
    if (!present && offline) {
      throw new IllegalStateException(missing("offline mode was asked for"));
    }
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(present)
                .withUpdateKubeConfig(false)
                .build());
    try {
      server.start();
    } catch (RuntimeException e) {
      if (present) {
        throw e;
      }
      throw new IllegalStateException(
          missing("downloading them failed: " + e.getClass().getSimpleName()), e);
    }
    return server;
  }

  private static String missing(String why) {
    return "No kube-apiserver and etcd binaries in "
        + binariesDir()
        + " ("
        + why
        + "). Put a kube-apiserver and etcd of one Kubernetes version in "
        + binariesDir()
        + "/<version>-linux-amd64/ (or set KUBE_API_TEST_DIR to a folder holding k8s/), or run"
        + " once with internet access so kube-api-test can download them";
  }
}
