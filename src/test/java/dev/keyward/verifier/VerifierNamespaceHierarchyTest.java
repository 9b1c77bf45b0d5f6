package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.VerifierHarness;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code keyward verifier --namespace-hierarchy}: a key from a parent namespace is accepted where a
 * child namespace is required. The test labels real Namespaces on the test API server, also while
 * the verifier runs.
 */
class VerifierNamespaceHierarchyTest {

  @RegisterExtension
  final VerifierHarness kv = new VerifierHarness().access(a -> a.withNamespaceHierarchy(true));

  /** A namespace named after the test's, with {@code labels}. */
  String namespace(String suffix, Map<String, String> labels) {
    String name = kv.namespace() + "-" + suffix;
    kv.admin()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
    return name;
  }

  void label(String namespace, Map<String, String> labels) {
    kv.admin()
        .namespaces()
        .withName(namespace)
        .edit(
            n -> {
              n.getMetadata().setLabels(labels);
              return n;
            });
  }

  String code(String key, String namespace) throws Exception {
    return kv.verify("?namespace=" + namespace, key).code();
  }

  void awaitCode(String key, String namespace, String code) {
    OperatorHarness.waiting().until(() -> code.equals(code(key, namespace)));
  }

  @Test
  void aParentsKeyReachesChildrenLabelledByHncOrKeyward() throws Exception {
    String parent = kv.namespace();
    String hncChild =
        namespace(
            "hnc",
            Map.of(parent + ".tree.hnc.x-k8s.io/depth", "1", "x.tree.hnc.x-k8s.io/depth", "2"));
    String grandchild =
        namespace(
            "hnc-deep",
            Map.of(
                hncChild + ".tree.hnc.x-k8s.io/depth",
                "1",
                parent + ".tree.hnc.x-k8s.io/depth",
                "2"));
    String keywardChild = namespace("kw", Map.of("keyward.dev/parent", parent));
    String stranger = namespace("other", Map.of());
    kv.startSynced();
    String key = kv.issue("parent-key", s -> s.setScopes(List.of()));
    kv.awaitCode(key, "OK");
    awaitCode(key, hncChild, "OK");
    assertThat(code(key, grandchild)).isEqualTo("OK");
    assertThat(code(key, keywardChild)).isEqualTo("OK");
    assertThat(code(key, parent)).isEqualTo("OK");
    assertThat(code(key, stranger)).isEqualTo("WRONG_NAMESPACE");
    assertThat(kv.verify("?namespace=" + stranger + "&namespace=" + keywardChild, key).code())
        .isEqualTo("OK");
  }

  @Test
  void aChildsKeyDoesNotReachItsParent() throws Exception {
    String child = namespace("child", Map.of("keyward.dev/parent", kv.namespace()));
    kv.alsoWatching(child);
    kv.startSynced();
    String key = kv.issue(child, "child-key", s -> {}, s -> {});
    kv.awaitCode(key, "OK");
    assertThat(code(key, child)).isEqualTo("OK");
    assertThat(code(key, kv.namespace())).isEqualTo("WRONG_NAMESPACE");
  }

  @Test
  void relabellingANamespaceAtRunTimeGivesAndTakesAccess() throws Exception {
    String child = namespace("later", Map.of());
    kv.startSynced();
    String key = kv.issue("parent-key", s -> {});
    kv.awaitCode(key, "OK");
    assertThat(code(key, child)).isEqualTo("WRONG_NAMESPACE");
    label(child, Map.of("keyward.dev/parent", kv.namespace()));
    awaitCode(key, child, "OK");
    label(child, Map.of());
    awaitCode(key, child, "WRONG_NAMESPACE");
  }

  @Test
  void aCycleIsRefusedAndCounted() throws Exception {
    String a = namespace("a", Map.of("keyward.dev/parent", kv.namespace()));
    String b = namespace("b", Map.of("keyward.dev/parent", a));
    kv.startSynced();
    String key = kv.issue("parent-key", s -> {});
    awaitCode(key, b, "OK");
    // The parent now names its own grandchild as parent: a cycle.
    label(kv.namespace(), Map.of("keyward.dev/parent", b));
    awaitCode(key, b, "WRONG_NAMESPACE");
    assertThat(code(key, a)).isEqualTo("WRONG_NAMESPACE");
    assertThat(kv.verifier().namespaceTree().cycles()).isGreaterThanOrEqualTo(3);
    assertThat(kv.get("/metrics").body()).contains("keyward_verifier_namespace_cycles");
    label(kv.namespace(), Map.of());
    awaitCode(key, b, "OK");
  }

  @Test
  void ancestorsMoreThanEightLevelsUpAreNotReached() throws Exception {
    String above = kv.namespace();
    String level8 = null;
    String level9 = null;
    for (int i = 1; i <= 9; i++) {
      above = namespace("l" + i, Map.of("keyward.dev/parent", above));
      if (i == 8) {
        level8 = above;
      }
      level9 = above;
    }
    kv.startSynced();
    String key = kv.issue("top", s -> {});
    awaitCode(key, level8, "OK");
    assertThat(code(key, level9)).isEqualTo("WRONG_NAMESPACE");
  }
}
