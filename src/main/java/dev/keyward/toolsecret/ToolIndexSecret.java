package dev.keyward.toolsecret;

import dev.keyward.common.LeanItemStore;
import dev.keyward.common.StatusReporter;
import dev.keyward.secrets.Fingerprints;
import dev.keyward.secrets.ManagedSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The per-namespace tool index Secret that pods mount: one data key per active ToolSecret (its
 * name) holding the value, and {@code index.json} describing the bindings, so a client can answer
 * "which value does tool T get for argument A" with the rules of {@link ToolIndex}.
 */
public final class ToolIndexSecret {

  public static final String DEFAULT_NAME = "keyward-tools";
  public static final String INDEX_KEY = "index.json";
  public static final String LABEL = "keyward.dev/tool-index";

  /** An active ToolSecret as the index holds it. */
  public record Member(ToolSecret toolSecret, ToolSecretPolicy policy, String value) {
    public ToolBinding binding() {
      return new ToolBinding(
          toolSecret.getMetadata().getName(),
          policy.tool(),
          policy.toolArg(),
          policy.defaultForTool(),
          StatusReporter.createdAt(toolSecret),
          Fingerprints.fingerprint(value),
          value.getBytes(StandardCharsets.UTF_8).length);
    }
  }

  private ToolIndexSecret() {}

  public static ToolIndex index(List<Member> members) {
    return ToolIndex.of(members.stream().map(Member::binding).toList());
  }

  /** The index Secret as it should be, with the values, keeping what others added. */
  public static Secret desired(
      String namespace, String name, Secret observed, List<Member> members, ToolIndex index) {
    return desired(namespace, name, observed, members, index, true);
  }

  /**
   * The index Secret as it should be, keeping labels and annotations others added.
   *
   * @param values false leaves the values out: {@code index.json} only
   */
  public static Secret desired(
      String namespace,
      String name,
      Secret observed,
      List<Member> members,
      ToolIndex index,
      boolean values) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(INDEX_KEY, encode(index.toJson()));
    if (values) {
      for (Member member : members) {
        data.put(member.toolSecret().getMetadata().getName(), encode(member.value()));
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (observed != null && observed.getMetadata().getLabels() != null) {
      labels.putAll(observed.getMetadata().getLabels());
    }
    labels.putAll(ManagedSecrets.managedLabels());
    labels.put(LABEL, "true");
    SecretBuilder builder = observed == null ? new SecretBuilder() : new SecretBuilder(observed);
    return builder
        .editOrNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels)
        .endMetadata()
        .withType("Opaque")
        .withData(data)
        .withStringData(null)
        .build();
  }

  /** Watches the index Secrets by label; a change concerns every ToolSecret of its namespace. */
  static InformerEventSource<Secret, ToolSecret> informer(
      EventSourceContext<ToolSecret> context, IndexerResourceCache<ToolSecret> primaries) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Secret.class, ToolSecret.class)
            .withName("toolsecret-indexes")
            .withLabelSelector(LABEL)
            .withItemStore(new LeanItemStore<>())
            .withSecondaryToPrimaryMapper(
                s ->
                    primaries
                        .byIndex(NamespaceIndex.BY_NAMESPACE, s.getMetadata().getNamespace())
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build(),
        context);
  }

  public static boolean isOurs(Secret secret) {
    return secret.getMetadata().getLabels() != null
        && "true".equals(secret.getMetadata().getLabels().get(LABEL));
  }

  private static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
