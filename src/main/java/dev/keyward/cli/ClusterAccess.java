package dev.keyward.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.function.Supplier;

/**
 * How the helper commands reach the cluster: the current kubeconfig ({@code KUBECONFIG} or {@code
 * ~/.kube/config}) or the in-cluster configuration. Tests put their own client here.
 */
public final class ClusterAccess {

  private static volatile Supplier<KubernetesClient> clients =
      () -> new KubernetesClientBuilder().build();

  private ClusterAccess() {}

  public static KubernetesClient client() {
    return clients.get();
  }

  /** Makes the helper commands use {@code supplier}; the commands close what it returns. */
  public static void use(Supplier<KubernetesClient> supplier) {
    clients = supplier;
  }
}
