package dev.keyward.dev;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code keyward dev --apply FOLDER}: every {@code .yaml} file in the folder and its subfolders, in
 * path order, the way {@code kubectl apply -R -f} takes them. A local API server is a sandbox, so a
 * namespace a document names is created when missing, and a document of a kind the server does not
 * serve (a proxy's own CRDs, such as Traefik's Middleware) is skipped with a line saying so.
 */
final class ApplyFolder {

  private ApplyFolder() {}

  /** The folder's YAML files, subfolders included, in path order. */
  static List<Path> files(Path folder) throws IOException {
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(p -> p.toString().endsWith(".yaml") && Files.isRegularFile(p))
          .sorted()
          .toList();
    }
  }

  /**
   * The folder exists and holds YAML that parses, checked before the API server starts: a typo
   * should cost a second, not the half minute a local API server takes to start.
   */
  static void check(Path folder) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(
          "--apply "
              + folder
              + (Files.exists(folder) ? " is a file, not a folder" : " does not exist")
              + ": give a folder of .yaml files, such as examples/");
    }
    List<Path> files;
    try {
      files = files(folder);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("--apply " + folder + " cannot be read");
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "--apply " + folder + " holds no .yaml file: give a folder such as examples/");
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        Serialization.unmarshal(in);
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(
            file
                + " is not Kubernetes YAML Keyward can read (a syntax error, or a field its kind"
                + " does not have): fix it or take it out of "
                + folder);
      }
    }
  }

  /** Creates or updates every document; prints one line per document, applied or skipped. */
  static void apply(KubernetesClient client, Path folder, PrintWriter out) throws IOException {
    Set<String> namespaces = new HashSet<>();
    for (Path file : files(folder)) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata item : client.load(in).items()) {
          String namespace = item.getMetadata().getNamespace();
          if (namespace == null) {
            item.getMetadata().setNamespace(namespace = "default");
          }
          String what = item.getKind() + " " + namespace + "/" + item.getMetadata().getName();
          if (!served(client, item)) {
            out.printf(
                "skipped %s: this API server does not serve %s (install its CRDs to try it)%n",
                what, item.getApiVersion());
            continue;
          }
          if (namespaces.add(namespace) && client.namespaces().withName(namespace).get() == null) {
            client
                .namespaces()
                .resource(
                    new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(namespace)
                        .endMetadata()
                        .build())
                .create();
          }
          client.resource(item).createOr(existing -> existing.update());
          out.printf("applied %s%n", what);
        }
      }
    }
    out.flush();
  }

  /** A kind fabric8 has a class for is Kubernetes' own or Keyward's; any other is looked up. */
  private static boolean served(KubernetesClient client, HasMetadata item) {
    if (!(item instanceof GenericKubernetesResource)) {
      return true;
    }
    try {
      return client.getApiResources(item.getApiVersion()).getResources().stream()
          .anyMatch(r -> item.getKind().equals(r.getKind()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }
}
