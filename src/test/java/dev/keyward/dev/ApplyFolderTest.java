package dev.keyward.dev;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.TestApiServer;
import dev.keyward.toolgrant.ToolGrant;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code keyward dev --apply examples/} applies the examples in subfolders too (the agent with its
 * tools), creates the namespaces they name, and skips, saying so, what the API server cannot take.
 */
class ApplyFolderTest {

  @Test
  void appliesSubfoldersAndSkipsKindsTheServerDoesNotServe() throws Exception {
    KubernetesClient client = TestApiServer.get().admin();
    StringWriter out = new StringWriter();

    ApplyFolder.apply(client, Path.of("examples"), new PrintWriter(out));

    assertThat(out.toString())
        .contains(
            "applied ApiKey default/try-rotation",
            "applied ToolGrant default/research-agent",
            "applied ToolSecret default/research-linear",
            "applied Deployment default/research-agent",
            "applied Ingress shop/",
            "skipped Middleware shop/",
            "does not serve traefik.io/v1alpha1 (install its CRDs to try it)");
    assertThat(
            client
                .resources(ToolGrant.class)
                .inNamespace("default")
                .withName("research-agent")
                .get())
        .isNotNull();
    assertThat(client.namespaces().withName("shop").get())
        .as("created for the example")
        .isNotNull();
  }
}
