package dev.keyward.verifier;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parent and child namespaces ({@code --namespace-hierarchy}): a key from namespace P reaches a
 * namespace C that descends from P. A namespace's parents come from its labels: the Hierarchical
 * Namespace Controller's {@code P.tree.hnc.x-k8s.io/depth: "1"}, or Keyward's own {@code
 * keyward.dev/parent: P}. Followed up to {@link #MAX_DEPTH} levels; a namespace whose ancestry runs
 * into a cycle reaches nothing but itself, and the cycle is logged and counted.
 *
 * <p>The request path reads one immutable map (namespace to ancestors), rebuilt on every Namespace
 * watch event.
 */
public final class NamespaceTree implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NamespaceTree.class);

  public static final String PARENT_LABEL = "keyward.dev/parent";
  static final String HNC_SUFFIX = ".tree.hnc.x-k8s.io/depth";
  public static final int MAX_DEPTH = 8;

  /** Each namespace's direct parents, from its labels. */
  private final Map<String, Set<String>> parents = new ConcurrentHashMap<>();

  private volatile Map<String, Set<String>> ancestors = Map.of();
  private volatile Set<String> inCycles = Set.of();
  private volatile Set<String> tooDeep = Set.of();
  private SharedIndexInformer<Namespace> informer;

  /**
   * Watches Namespaces with {@code client}; returns at once (the tree fills as they are listed).
   */
  public void start(KubernetesClient client) {
    informer = client.namespaces().runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Namespace ns) {
            put(ns.getMetadata().getName(), ns.getMetadata().getLabels());
          }

          @Override
          public void onUpdate(Namespace old, Namespace ns) {
            put(ns.getMetadata().getName(), ns.getMetadata().getLabels());
          }

          @Override
          public void onDelete(Namespace ns, boolean unknownFinalState) {
            remove(ns.getMetadata().getName());
          }
        });
    informer.exceptionHandler(
        (started, t) -> {
          log.warn("Namespace watch failed, retrying: {}", t.getClass().getSimpleName());
          return true;
        });
    try {
      informer.start();
    } catch (RuntimeException e) {
      log.warn(
          "Namespaces cannot be listed ({}): keys reach only their own namespace",
          e.getClass().getSimpleName());
    }
  }

  /** Whether the Namespace informer has listed once; before that keys reach only themselves. */
  public boolean synced() {
    return informer != null && informer.hasSynced();
  }

  /** Whether a key from {@code keyNamespace} may be used where {@code required} is required. */
  public boolean reaches(String keyNamespace, String required) {
    if (keyNamespace.equals(required)) {
      return true;
    }
    Set<String> above = ancestors.get(required);
    return above != null && above.contains(keyNamespace);
  }

  /** Whether a key from {@code keyNamespace} reaches any of {@code required}. */
  public boolean reachesAny(String keyNamespace, List<String> required) {
    for (String namespace : required) {
      if (reaches(keyNamespace, namespace)) {
        return true;
      }
    }
    return false;
  }

  /** Namespaces whose ancestry runs into a cycle (they reach nothing above them). */
  public int cycles() {
    return inCycles.size();
  }

  void put(String name, Map<String, String> labels) {
    parents.put(name, parentsOf(name, labels));
    rebuild();
  }

  void remove(String name) {
    parents.remove(name);
    rebuild();
  }

  /** The direct parents a namespace's labels name. */
  static Set<String> parentsOf(String name, Map<String, String> labels) {
    Set<String> out = new TreeSet<>();
    if (labels == null) {
      return out;
    }
    String parent = labels.get(PARENT_LABEL);
    if (parent != null && !parent.isEmpty() && !parent.equals(name)) {
      out.add(parent);
    }
    labels.forEach(
        (key, value) -> {
          if (key.endsWith(HNC_SUFFIX) && "1".equals(value)) {
            String hncParent = key.substring(0, key.length() - HNC_SUFFIX.length());
            if (!hncParent.isEmpty() && !hncParent.equals(name)) {
              out.add(hncParent);
            }
          }
        });
    return out;
  }

  /**
   * Recomputes every namespace's ancestors (breadth first, at most MAX_DEPTH levels up). A
   * namespace that is its own ancestor, or has one that is, is in a cycle: it keeps no ancestors.
   */
  synchronized void rebuild() {
    Map<String, Set<String>> edges = new HashMap<>(parents);
    Map<String, Set<String>> found = new HashMap<>();
    Set<String> cyclic = new TreeSet<>();
    Set<String> deep = new TreeSet<>();
    for (String namespace : edges.keySet()) {
      Set<String> above = new HashSet<>();
      Deque<String> level = new ArrayDeque<>(edges.getOrDefault(namespace, Set.of()));
      for (int depth = 1; depth <= MAX_DEPTH && !level.isEmpty(); depth++) {
        Deque<String> next = new ArrayDeque<>();
        for (String ancestor : level) {
          if (above.add(ancestor)) {
            next.addAll(edges.getOrDefault(ancestor, Set.of()));
          }
        }
        level = next;
      }
      if (above.contains(namespace)) {
        cyclic.add(namespace);
      } else if (level.stream().anyMatch(a -> !above.contains(a))) {
        deep.add(namespace);
      }
      found.put(namespace, above);
    }
    Map<String, Set<String>> result = new HashMap<>();
    found.forEach(
        (namespace, above) -> {
          if (above.stream().anyMatch(cyclic::contains)) {
            cyclic.add(namespace);
          }
        });
    found.forEach(
        (namespace, above) -> {
          if (!cyclic.contains(namespace) && !above.isEmpty()) {
            result.put(namespace, Set.copyOf(above));
          }
        });
    if (!cyclic.equals(inCycles) && !cyclic.isEmpty()) {
      log.warn(
          "Namespace parents form a cycle through {}: keys from their ancestors do not reach them;"
              + " fix label {} or HNC's tree labels",
          new ArrayList<>(cyclic),
          PARENT_LABEL);
    }
    if (!deep.equals(tooDeep) && !deep.isEmpty()) {
      log.warn(
          "Namespaces {} have ancestors more than {} levels up, which their keys do not reach",
          new ArrayList<>(deep),
          MAX_DEPTH);
    }
    this.ancestors = Map.copyOf(result);
    this.inCycles = Set.copyOf(cyclic);
    this.tooDeep = Set.copyOf(deep);
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.stop();
    }
  }
}
