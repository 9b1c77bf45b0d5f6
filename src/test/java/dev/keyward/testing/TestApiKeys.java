package dev.keyward.testing;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeySpec;
import dev.keyward.apikey.RotationSettings;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.function.Consumer;

/** ApiKey objects for tests, with only what a test says set. */
public final class TestApiKeys {

  private TestApiKeys() {}

  public static ApiKey apiKey(String name, Consumer<ApiKeySpec> spec) {
    ApiKey key = new ApiKey();
    key.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ApiKeySpec s = new ApiKeySpec();
    spec.accept(s);
    key.setSpec(s);
    return key;
  }

  public static RotationSettings rotation(Boolean enabled, String overlap) {
    RotationSettings rotation = new RotationSettings();
    rotation.setEnabled(enabled);
    rotation.setOverlap(overlap);
    return rotation;
  }
}
