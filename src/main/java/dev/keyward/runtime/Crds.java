package dev.keyward.runtime;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Keyward's CRDs as the build generated them (inside the jar), and how to install them. */
public final class Crds {

  public static final List<String> FILES =
      List.of(
          "apikeys.keyward.dev-v1.yml",
          "toolsecrets.keyward.dev-v1.yml",
          "toolgrants.keyward.dev-v1.yml");

  private Crds() {}

  /**
   * Creates or updates every CRD and waits until the API server serves them.
   *
   * @param established false for servers that keep no CRD status (the fabric8 mock server)
   */
  public static void install(KubernetesClient client, boolean established, Duration timeout) {
    for (String file : FILES) {
      CustomResourceDefinition crd;
      try (InputStream in = Crds.class.getResourceAsStream("/META-INF/fabric8/" + file)) {
        if (in == null) {
          throw new IllegalStateException(file + " is missing from the jar: build it with Maven");
        }
        crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      client.resource(crd).createOr(existing -> existing.update());
      Instant deadline = Instant.now().plus(timeout);
      while (established && !established(client, crd.getMetadata().getName())) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "CRD " + crd.getMetadata().getName() + " was not established in " + timeout);
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static boolean established(KubernetesClient client, String name) {
    CustomResourceDefinition crd =
        client.apiextensions().v1().customResourceDefinitions().withName(name).get();
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
