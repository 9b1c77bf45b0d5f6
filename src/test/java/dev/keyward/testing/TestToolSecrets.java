package dev.keyward.testing;

import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Consumer;

/** ToolSecret objects and source Secrets for tests, with only what a test says set. */
public final class TestToolSecrets {

  private TestToolSecrets() {}

  public static ToolSecret toolSecret(String name, Consumer<ToolSecretSpec> spec) {
    ToolSecret toolSecret = new ToolSecret();
    toolSecret.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ToolSecretSpec s = new ToolSecretSpec();
    spec.accept(s);
    toolSecret.setSpec(s);
    return toolSecret;
  }

  public static ToolSecretSpec.ValueFrom valueFrom(String secret, String key) {
    ToolSecretSpec.ValueFrom from = new ToolSecretSpec.ValueFrom();
    from.setSecretKeyRef(new ToolSecretSpec.SecretKeyRef(secret, key));
    return from;
  }

  /** A plain Secret someone made by hand, as valueFrom reads it. */
  public static Secret plainSecret(String namespace, String name, String key, String value) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToData(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)))
        .build();
  }
}
