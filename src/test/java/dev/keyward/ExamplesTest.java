package dev.keyward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.common.Conditions;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Applies the files in {@code examples/} as {@code kubectl apply -n <ns> -f examples/} would and
 * checks each Keyward resource reaches the phase (and reason) its {@code # keyward-example:
 * phase=...} comment promises. A sealed example promises what a user applying it to another cluster
 * sees; with {@code resealed=} it also promises the phase after sealing {@code sealed-value} afresh
 * for the test cluster, as its comment tells the user to.
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
    assertThat(yaml).as("%s says when to use it", example).containsIgnoringCase("use ");
    Map<String, String> promised = promise(example, yaml);
    List<HasMetadata> items = apply(example, yaml);
    awaitPromised(items, promised.get("phase"), promised.get("reason"));

    if (promised.containsKey("resealed")) {
      assertThat(promised).as("%s names its sealed value", example).containsKey("sealed-value");
      for (HasMetadata item : items) {
        if (item instanceof ToolSecret t && t.getSpec().getEncryptedValue() != null) {
          String name = t.getMetadata().getName();
          String sealed = harness.seal(promised.get("sealed-value"), name);
          harness.editToolSecret(
              name,
              current -> {
                current.getSpec().setEncryptedValue(sealed);
                return current;
              });
        }
      }
      awaitPromised(items, promised.get("resealed"), null);
    }
  }

  @Test
  void everyExampleAppliesTogetherIntoOneNamespace() throws Exception {
    List<HasMetadata> all = new ArrayList<>();
    Map<HasMetadata, Map<String, String>> promises = new java.util.HashMap<>();
    for (Path example : examples().toList()) {
      String yaml = Files.readString(example);
      Map<String, String> promised = promise(example, yaml);
      for (HasMetadata item : apply(example, yaml)) {
        all.add(item);
        promises.put(item, promised);
      }
    }
    Set<String> names =
        all.stream()
            .map(i -> i.getKind() + "/" + i.getMetadata().getName())
            .collect(Collectors.toSet());
    assertThat(names).as("no two examples declare the same object").hasSize(all.size());
    for (HasMetadata item : all) {
      Map<String, String> promised = promises.get(item);
      awaitPromised(List.of(item), promised.get("phase"), promised.get("reason"));
    }
  }

  @Test
  void anAgentWithToolsGetsBothValuesInItsGrantsSecretForEnvFrom() throws Exception {
    Path folder = Path.of("examples", "agent-with-tools");
    List<Path> files;
    try (Stream<Path> list = Files.list(folder)) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSize(3);
    Deployment deployment = null;
    Map<List<HasMetadata>, Map<String, String>> applied = new java.util.LinkedHashMap<>();
    for (Path file : files) {
      String yaml = Files.readString(file);
      assertThat(yaml).as("%s says when to use it", file).containsIgnoringCase("use ");
      List<HasMetadata> items = apply(file, yaml);
      applied.put(items, promise(file, yaml));
      for (HasMetadata item : items) {
        if (item instanceof Deployment d) {
          deployment = d;
        }
      }
    }
    applied.forEach(
        (items, promised) -> awaitPromised(items, promised.get("phase"), promised.get("reason")));
    ToolGrant grant = harness.toolGrant("research-agent");
    assertThat(grant.getStatus().getTools()).isEqualTo("2/2");
    Secret delivered = harness.secret(grant.getStatus().getSecretName());
    assertThat(OperatorHarness.value(delivered, "LINEAR_API_KEY"))
        .isEqualTo("lin_api_example_0123456789");
    assertThat(OperatorHarness.value(delivered, "GITHUB_TOKEN"))
        .isEqualTo("ghp_example_research_token");
    assertThat(delivered.getData()).containsOnlyKeys("LINEAR_API_KEY", "GITHUB_TOKEN");
    assertThat(deployment).isNotNull();
    String workload = deployment.getMetadata().getName();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom())
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getSecretRef().getName())
                    .isEqualTo(grant.getStatus().getSecretName()));
    assertThat(grant.getSpec().getRolloutRestartTargets())
        .singleElement()
        .satisfies(t -> assertThat(t.getName()).isEqualTo(workload));
  }

  private static Map<String, String> promise(Path example, String yaml) {
    Matcher promise = PROMISE.matcher(yaml);
    assertThat(promise.find()).as("%s has a '# keyward-example: phase=...' line", example).isTrue();
    return Stream.of(promise.group(1).trim().split("\\s+"))
        .map(kv -> kv.split("=", 2))
        .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
  }

  /** Creates the file's objects in the test namespace, refusing files that name a namespace. */
  private List<HasMetadata> apply(Path example, String yaml) {
    List<HasMetadata> items =
        harness
            .admin()
            .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
            .items();
    assertThat(items).as("%s holds Keyward resources", example).isNotEmpty();
    for (HasMetadata item : items) {
      assertThat(item.getMetadata().getNamespace())
          .as("%s fixes no namespace, so `kubectl apply -n <ns>` puts it there", example)
          .isNull();
      item.getMetadata().setNamespace(harness.namespace());
      harness.admin().resource(item).create();
    }
    return items;
  }

  /** Waits for every Keyward resource in {@code items} to show the phase and one of the reasons. */
  private void awaitPromised(List<HasMetadata> items, String phase, String reasons) {
    Set<String> allowed = reasons == null ? null : Set.of(reasons.split(","));
    for (HasMetadata item : items) {
      String name = item.getMetadata().getName();
      if (item instanceof ApiKey) {
        harness.awaitApiKey(
            name,
            k ->
                k.getStatus() != null
                    && phase.equals(k.getStatus().getPhase())
                    && reasonIn(k.getStatus().getConditions(), allowed));
      } else if (item instanceof ToolGrant) {
        harness.awaitToolGrant(
            name,
            g ->
                g.getStatus() != null
                    && phase.equals(g.getStatus().getPhase())
                    && reasonIn(g.getStatus().getConditions(), allowed));
      } else if (item instanceof ToolSecret) {
        harness.awaitToolSecret(
            name,
            t ->
                t.getStatus() != null
                    && phase.equals(t.getStatus().getPhase())
                    && reasonIn(t.getStatus().getConditions(), allowed));
      }
    }
  }

  private static boolean reasonIn(
      List<io.fabric8.kubernetes.api.model.Condition> conditions, Set<String> allowed) {
    if (allowed == null) {
      return true;
    }
    var ready = Conditions.find(conditions, Conditions.READY);
    return ready != null && allowed.contains(ready.getReason());
  }
}
