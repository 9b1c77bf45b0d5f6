package dev.keyward.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.PrintWriter;
import picocli.CommandLine.Parameters;

/** {@code KIND NAME}, shared by the commands that act on one ApiKey or ToolSecret. */
public class NamedObject {

  @Parameters(
      index = "0",
      converter = Kind.Converter.class,
      completionCandidates = Kind.Choices.class,
      paramLabel = "KIND",
      description = "apikey (ak), toolsecret (ts) or toolgrant (tg).")
  Kind kind;

  @Parameters(index = "1", paramLabel = "NAME", description = "The object's name.")
  String name;

  /** Refuses a name no Kubernetes object can have, before anything connects. */
  void checkName() {
    Names.checkName("NAME", name)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(problem);
            });
  }

  Resource<? extends HasMetadata> in(KubernetesClient client, String namespace) {
    return client.resources(kind.type).inNamespace(namespace).withName(name);
  }

  /** The object, or null after telling {@code err} it is not there and how to list what is. */
  HasMetadata find(KubernetesClient client, String namespace, String command, PrintWriter err) {
    HasMetadata object = in(client, namespace).get();
    if (object == null) {
      err.printf(
          "keyward %s: %s %s not found in namespace %s (kubectl get %s -n %s lists them)%n",
          command, kind.kind, name, namespace, kind.names.get(1), namespace);
      err.flush();
    }
    return object;
  }
}
