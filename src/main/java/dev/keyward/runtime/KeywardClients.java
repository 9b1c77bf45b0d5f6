package dev.keyward.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The Kubernetes client of Keyward's long-running processes, the operator and the verifier.
 *
 * <p>Its JSON skips {@code metadata.managedFields}, the API server's field ownership bookkeeping,
 * while it reads. Every object a real API server sends carries it (several nested maps per writer,
 * often larger than the rest of a Secret), and those processes read every ApiKey and every Keyward
 * Secret on each list and watch event. Keyward never uses it: it does not use server-side apply,
 * and an update sent without managedFields leaves the server's as they are. The other code paths
 * (the command line) keep fabric8's stock JSON.
 *
 * <p>The ApiKey and ToolSecret kinds are registered for every client through {@code
 * META-INF/services/io.fabric8.kubernetes.api.model.KubernetesResource}: without it fabric8 decodes
 * each of their watch events into a generic resource first and converts that again.
 */
public final class KeywardClients {

  private KeywardClients() {}

  /** A client builder for {@code config} whose JSON skips managedFields. */
  public static KubernetesClientBuilder builder(Config config) {
    return new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(json());
  }

  /** fabric8's JSON, reading and writing objects without {@code metadata.managedFields}. */
  public static KubernetesSerialization json() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    return new KubernetesSerialization(mapper, true);
  }

  @JsonIgnoreProperties({"managedFields"})
  private abstract static class WithoutManagedFields {}
}
