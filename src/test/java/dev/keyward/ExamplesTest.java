package dev.keyward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Applies every file in {@code examples/} and checks each Keyward resource in it reaches the phase
 * its {@code # keyward-example: phase=...} comment promises. Sealed examples are sealed afresh for
 * the test cluster's keys with the value the comment names.
 */
class ExamplesTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  static final Pattern PROMISE = Pattern.compile("(?m)^# keyward-example: (.*)$");

  static Stream<Path> examples() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("examples"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void reachesThePhaseItsCommentPromises(Path example) throws Exception {
    String yaml = Files.readString(example);
    Matcher promise = PROMISE.matcher(yaml);
    assertThat(promise.find()).as("%s has a '# keyward-example: phase=...' line", example).isTrue();
    assertThat(yaml).as("%s says when to use it", example).containsIgnoringCase("use ");
    Map<String, String> promised =
        Stream.of(promise.group(1).trim().split("\\s+"))
            .map(kv -> kv.split("=", 2))
            .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));

    List<HasMetadata> items =
        harness
            .admin()
            .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
            .items();
    assertThat(items).as("%s holds Keyward resources", example).isNotEmpty();
    for (HasMetadata item : items) {
      item.getMetadata().setNamespace(harness.namespace());
      if (item instanceof ToolSecret t && t.getSpec().getEncryptedValue() != null) {
        assertThat(promised).as("%s names its sealed value", example).containsKey("sealed-value");
        t.getSpec()
            .setEncryptedValue(
                harness.seal(promised.get("sealed-value"), t.getMetadata().getName()));
      }
      harness.admin().resource(item).create();
    }

    String phase = promised.get("phase");
    for (HasMetadata item : items) {
      String name = item.getMetadata().getName();
      if (item instanceof ApiKey) {
        harness.awaitApiKey(
            name, k -> k.getStatus() != null && phase.equals(k.getStatus().getPhase()));
      } else if (item instanceof ToolSecret) {
        harness.awaitToolSecret(
            name, t -> t.getStatus() != null && phase.equals(t.getStatus().getPhase()));
      }
    }
  }
}
