package dev.keyward.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Utils;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * How Keyward finds its cluster: the current kubeconfig ({@code KUBECONFIG} or {@code
 * ~/.kube/config}), or the in-cluster configuration, but only inside a pod. Without either it stops
 * with what is missing instead of trying {@code https://kubernetes.default.svc} from a laptop. The
 * helper commands' clients give up within seconds (short timeouts, no retries): a person is
 * waiting. Tests put their own client here.
 */
public final class ClusterAccess {

  /** How long a helper command waits for a TCP connection to the API server. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  /** How long a helper command waits for an answer to one request. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private static volatile Supplier<KubernetesClient> clients = ClusterAccess::commandClient;
  private static volatile String lastServer;

  private ClusterAccess() {}

  /** A client for one helper command; the command closes it. */
  public static KubernetesClient client() {
    KubernetesClient client = clients.get();
    lastServer = client.getMasterUrl() == null ? null : client.getMasterUrl().toString();
    return client;
  }

  /** Makes the helper commands use {@code supplier}; the commands close what it returns. */
  public static void use(Supplier<KubernetesClient> supplier) {
    clients = supplier;
  }

  /** Back to the kubeconfig or in-cluster configuration (after {@link #use}). */
  public static void useCurrentContext() {
    clients = ClusterAccess::commandClient;
  }

  private static KubernetesClient commandClient() {
    // Set on the configuration itself: a ConfigBuilder would read the kubeconfig a second time.
    Config config = checkedConfig();
    config.setConnectionTimeout((int) CONNECT_TIMEOUT.toMillis());
    config.setRequestTimeout((int) REQUEST_TIMEOUT.toMillis());
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Whether this process runs in a pod: the kubelet sets {@code KUBERNETES_SERVICE_HOST}. */
  public static boolean inPod() {
    String host = Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_SERVICE_HOST_PROPERTY);
    return host != null && !host.isBlank();
  }

  /**
   * fabric8's automatic configuration, after checking that it has something to go on: a readable
   * kubeconfig, an explicit {@code KUBERNETES_MASTER}, or a pod to take the in-cluster
   * configuration from.
   *
   * @throws Unavailable with what is missing and what to do
   */
  public static Config checkedConfig() {
    if (!inPod()
        && Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY) == null) {
      List<Path> files = Config.getKubeconfigFilenames().stream().map(Path::of).toList();
      List<Path> present = files.stream().filter(Files::exists).toList();
      if (present.isEmpty()) {
        throw new Unavailable(
            "no kubeconfig: "
                + (files.size() == 1 ? files.get(0) : files)
                + " does not exist, and this is not a pod. Point KUBECONFIG at your cluster's"
                + " kubeconfig (kubectl config view shows the current one), or try Keyward"
                + " without a cluster: keyward dev");
      }
      for (Path file : present) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
          throw new Unavailable(
              "kubeconfig "
                  + file
                  + " is "
                  + (Files.isDirectory(file) ? "a folder" : "not readable")
                  + ": point KUBECONFIG at a readable kubeconfig file");
        }
      }
      Config config = Config.autoConfigure(null);
      if (config.getCurrentContext() == null) {
        // fabric8 would go on with https://kubernetes.default.svc, the in-cluster address.
        throw new Unavailable(
            "kubeconfig "
                + (present.size() == 1 ? present.get(0) : present)
                + " has no current context: pick one with kubectl config use-context NAME"
                + " (kubectl config get-contexts lists them)");
      }
      return config;
    }
    return Config.autoConfigure(null);
  }

  /**
   * One line for a failure to reach or use the API server: what went wrong, where, and what to
   * check. Never a stack trace; API error messages name objects, never values.
   */
  public static String explain(Throwable e) {
    if (e instanceof Unavailable) {
      return e.getMessage();
    }
    String server = lastServer == null ? "the API server" : "the API server at " + lastServer;
    if (e instanceof KubernetesClientException k && k.getCode() > 0) {
      String detail = k.getStatus() != null ? k.getStatus().getMessage() : k.getMessage();
      return switch (k.getCode()) {
        case 401 ->
            server
                + " does not accept your credentials (401 Unauthorized): log in again or refresh"
                + " the kubeconfig's user";
        case 403 -> "not allowed (403 Forbidden): " + detail;
        default -> server + " answered " + k.getCode() + ": " + detail;
      };
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      String why = null;
      if (cause instanceof UnknownHostException) {
        why = "unknown host " + cause.getMessage();
      } else if (cause instanceof NoRouteToHostException) {
        why = "no route to host";
      } else if (cause instanceof ConnectException) {
        String m = String.valueOf(cause.getMessage()).toLowerCase();
        why =
            m.contains("refused")
                ? "connection refused"
                : m.contains("timed out")
                    ? "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s"
                    : "cannot connect";
      } else if (cause instanceof SSLException) {
        why = "TLS failed: " + cause.getMessage();
      } else if (cause instanceof TimeoutException || cause instanceof InterruptedIOException) {
        why = "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
      }
      if (why != null) {
        return "cannot reach "
            + server
            + " ("
            + why
            + "). Is the cluster running, and is the current context the one you mean? (kubectl"
            + " config current-context)";
      }
    }
    return "request to " + server + " failed: " + e.getMessage();
  }

  /** The cluster cannot be used: no configuration, or the configuration does not work. */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String message) {
      super(message);
    }
  }
}
