package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which namespaces a key reaches, from namespace labels alone. */
class NamespaceTreeTest {

  static Map<String, String> hnc(String... ancestorsByDepth) {
    var labels = new java.util.HashMap<String, String>();
    for (int depth = 0; depth < ancestorsByDepth.length; depth++) {
      labels.put(ancestorsByDepth[depth] + ".tree.hnc.x-k8s.io/depth", Integer.toString(depth));
    }
    return labels;
  }

  static Map<String, String> parent(String parent) {
    return Map.of(NamespaceTree.PARENT_LABEL, parent);
  }

  @Test
  void hncTreeLabelsMakeEveryAncestorReachItsDescendants() {
    NamespaceTree tree = new NamespaceTree();
    tree.put("org", hnc("org"));
    tree.put("team", hnc("team", "org"));
    tree.put("svc", hnc("svc", "team", "org"));
    assertThat(tree.reaches("org", "svc")).isTrue();
    assertThat(tree.reaches("team", "svc")).isTrue();
    assertThat(tree.reaches("svc", "svc")).isTrue();
    // Never upwards, never sideways.
    assertThat(tree.reaches("svc", "team")).isFalse();
    assertThat(tree.reaches("team", "org")).isFalse();
    tree.put("other", hnc("other", "org"));
    assertThat(tree.reaches("other", "svc")).isFalse();
    assertThat(tree.reachesAny("team", List.of("other", "svc"))).isTrue();
  }

  @Test
  void keywardsParentLabelWorksAloneAndBesideHnc() {
    NamespaceTree tree = new NamespaceTree();
    tree.put("shop", Map.of());
    tree.put("shop-eu", parent("shop"));
    tree.put("shop-eu-1", hnc("shop-eu-1", "shop-eu"));
    assertThat(tree.reaches("shop", "shop-eu")).isTrue();
    assertThat(tree.reaches("shop", "shop-eu-1")).isTrue();
    assertThat(tree.reaches("shop-eu", "shop-eu-1")).isTrue();
    // A label naming the namespace itself is no parent.
    tree.put("self", parent("self"));
    assertThat(tree.cycles()).isZero();
  }

  @Test
  void aCycleReachesNothingAndIsCounted() {
    NamespaceTree tree = new NamespaceTree();
    tree.put("a", parent("b"));
    tree.put("b", parent("a"));
    tree.put("c", parent("a"));
    assertThat(tree.reaches("a", "b")).isFalse();
    assertThat(tree.reaches("b", "a")).isFalse();
    // Below a cycle: refused too.
    assertThat(tree.reaches("a", "c")).isFalse();
    assertThat(tree.cycles()).isEqualTo(3);
    // Broken up: the tree works again.
    tree.put("b", Map.of());
    assertThat(tree.cycles()).isZero();
    assertThat(tree.reaches("b", "a")).isTrue();
    assertThat(tree.reaches("b", "c")).isTrue();
  }

  @Test
  void ancestorsAreFollowedUpToEightLevels() {
    NamespaceTree tree = new NamespaceTree();
    tree.put("l0", Map.of());
    for (int i = 1; i <= 9; i++) {
      tree.put("l" + i, parent("l" + (i - 1)));
    }
    assertThat(tree.reaches("l0", "l8")).isTrue();
    assertThat(tree.reaches("l1", "l9")).isTrue();
    assertThat(tree.reaches("l0", "l9")).isFalse();
  }

  @Test
  void relabellingOrDeletingANamespaceChangesWhatItsAncestorsReach() {
    NamespaceTree tree = new NamespaceTree();
    tree.put("p", Map.of());
    tree.put("q", Map.of());
    tree.put("c", parent("p"));
    assertThat(tree.reaches("p", "c")).isTrue();
    tree.put("c", parent("q"));
    assertThat(tree.reaches("p", "c")).isFalse();
    assertThat(tree.reaches("q", "c")).isTrue();
    tree.put("m", parent("q"));
    tree.put("c", parent("m"));
    assertThat(tree.reaches("q", "c")).isTrue();
    tree.remove("m");
    assertThat(tree.reaches("q", "c")).isFalse();
  }
}
