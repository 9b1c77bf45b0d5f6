package dev.keyward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRDs in {@code crds/} (and the Helm chart's copies) are generated from the model classes and
 * committed; this fails the build when a committed copy differs from what the build generates.
 */
class CrdDriftTest {

  static final String REFRESH = "./mvnw -Pupdate-crds process-classes";

  static List<String> crds() {
    return dev.keyward.runtime.Crds.FILES;
  }

  @ParameterizedTest
  @MethodSource("crds")
  void committedCrdMatchesTheGeneratedOne(String file) throws IOException {
    String generated;
    try (InputStream in = CrdDriftTest.class.getResourceAsStream("/META-INF/fabric8/" + file)) {
      assertThat(in).as("generated CRD %s", file).isNotNull();
      generated = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (Path copy : List.of(Path.of("crds", file), Path.of("helm", "keyward", "crds", file))) {
      assertThat(copy).as("%s is missing: run %s", copy, REFRESH).exists();
      assertThat(Files.readString(copy))
          .as(
              "%s differs from the CRD generated from the model classes; run %s and commit",
              copy, REFRESH)
          .isEqualTo(generated);
    }
  }
}
