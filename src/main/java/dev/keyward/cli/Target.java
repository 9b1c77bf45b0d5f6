package dev.keyward.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Option;

/** {@code -n/--namespace}, shared by the commands that name one object, defaulting like kubectl. */
public class Target {

  @Option(
      names = {"-n", "--namespace"},
      description =
          "Namespace of the object. Default: the current kubeconfig context's, or default.")
  String namespace;

  /** The namespace asked for, else the client's (the kubeconfig context's), else default. */
  String namespace(KubernetesClient client) {
    if (namespace != null) {
      Names.checkNamespace("--namespace", namespace)
          .ifPresent(
              problem -> {
                throw new IllegalArgumentException(problem);
              });
      return namespace;
    }
    return client.getNamespace() == null ? "default" : client.getNamespace();
  }
}
