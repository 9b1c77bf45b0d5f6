package dev.keyward.toolsecret;

import dev.keyward.common.LeanItemStore;
import dev.keyward.secrets.Fingerprints;
import dev.keyward.secrets.ManagedSecrets;
import dev.keyward.secrets.SecretConflictException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How a ToolSecret's own Secret is laid out: the value under the data key, and the facts status is
 * rebuilt from in {@code keyward.dev/*} annotations.
 */
public final class ToolValueSecret {

  public static final String LABEL = "keyward.dev/tool-secret";
  static final String FINGERPRINT = "keyward.dev/fingerprint";
  static final String SEALING_KEY_ID = "keyward.dev/sealing-key-id";
  static final String UPDATED_AT = "keyward.dev/updated-at";
  static final String REVOKED_AT = "keyward.dev/revoked-at";
  static final String EXPIRED_AT = "keyward.dev/expired-at";
  static final String DISPLAY_NAME = "keyward.dev/display-name";

  /** What the Secret says; {@code value} is null when it holds none. */
  public record State(
      String value, String fingerprint, String sealingKeyId, String updatedAt, String revokedAt) {
    static final State NONE = new State(null, null, null, null, null);
  }

  private ToolValueSecret() {}

  public static State read(Secret secret, ToolSecretPolicy policy) {
    if (secret == null) {
      return State.NONE;
    }
    Map<String, String> annotations =
        secret.getMetadata().getAnnotations() == null
            ? Map.of()
            : secret.getMetadata().getAnnotations();
    return new State(
        ManagedSecrets.decodedData(secret).get(policy.dataKey()),
        annotations.get(FINGERPRINT),
        annotations.get(SEALING_KEY_ID),
        annotations.get(UPDATED_AT),
        annotations.get(REVOKED_AT));
  }

  public static Map<String, String> labels(ToolSecret toolSecret, ToolSecretPolicy policy) {
    Map<String, String> labels = new LinkedHashMap<>(policy.extraLabels());
    labels.putAll(ManagedSecrets.managedLabels());
    labels.put(LABEL, toolSecret.getMetadata().getName());
    return labels;
  }

  /**
   * Annotations for a Secret holding {@code value}; {@code updated-at} moves only when the value
   * changed, so an unchanged value writes nothing.
   */
  public static Map<String, String> holding(
      ToolSecretPolicy policy, State before, String fingerprint, String keyId, Instant now) {
    Map<String, String> annotations = base(policy);
    annotations.put(FINGERPRINT, fingerprint);
    annotations.put(SEALING_KEY_ID, keyId);
    annotations.put(
        UPDATED_AT,
        fingerprint.equals(before.fingerprint()) && before.updatedAt() != null
            ? before.updatedAt()
            : text(now));
    annotations.put(REVOKED_AT, null);
    annotations.put(EXPIRED_AT, null);
    return annotations;
  }

  /** Annotations for a Secret whose value was taken away (revoked, expired or refused). */
  public static Map<String, String> emptied(
      ToolSecretPolicy policy, Secret observed, String whyAnnotation, Instant now) {
    Map<String, String> annotations = base(policy);
    annotations.put(FINGERPRINT, null);
    annotations.put(SEALING_KEY_ID, null);
    for (String marker : new String[] {REVOKED_AT, EXPIRED_AT}) {
      String before =
          observed == null || observed.getMetadata().getAnnotations() == null
              ? null
              : observed.getMetadata().getAnnotations().get(marker);
      annotations.put(
          marker, marker.equals(whyAnnotation) ? (before != null ? before : text(now)) : null);
    }
    return annotations;
  }

  private static Map<String, String> base(ToolSecretPolicy policy) {
    Map<String, String> annotations = new LinkedHashMap<>(policy.extraAnnotations());
    annotations.put(DISPLAY_NAME, policy.displayName());
    return annotations;
  }

  /** Watches the ToolSecrets' own Secrets by label; each maps to the ToolSecret it names. */
  static InformerEventSource<Secret, ToolSecret> informer(EventSourceContext<ToolSecret> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Secret.class, ToolSecret.class)
            .withName("toolsecret-values")
            .withLabelSelector(LABEL)
            .withItemStore(new LeanItemStore<>())
            .withSecondaryToPrimaryMapper(
                s ->
                    Set.of(
                        new ResourceID(
                            s.getMetadata().getLabels().get(LABEL),
                            s.getMetadata().getNamespace())))
            .build(),
        context);
  }

  /** What {@link #write} left: the Secret as it is now, and whether it was written. */
  record Written(Secret secret, boolean changed) {}

  /**
   * Writes the own Secret as {@code plan} says; nothing when it already is so, or when the plan
   * leaves it alone.
   *
   * @throws SecretConflictException when the Secret was created by someone else meanwhile
   */
  static Written write(
      KubernetesClient client,
      InformerEventSource<Secret, ToolSecret> cache,
      ToolSecret toolSecret,
      ValuePlan plan,
      Secret observed,
      Instant now)
      throws SecretConflictException {
    ToolSecretPolicy policy = plan.policy();
    if (plan.target() == ValuePlan.Target.UNTOUCHED
        || (plan.target() == ValuePlan.Target.EMPTY && observed == null)) {
      return new Written(observed, false);
    }
    boolean hold = plan.target() == ValuePlan.Target.HOLD;
    Secret desired =
        ManagedSecrets.desired(
            toolSecret,
            observed,
            policy.secretName(),
            hold ? Map.of(policy.dataKey(), plan.value()) : Map.of(),
            labels(toolSecret, policy),
            hold
                ? holding(
                    policy,
                    read(observed, policy),
                    Fingerprints.fingerprint(plan.value()),
                    plan.keyId(),
                    now)
                : emptied(policy, observed, plan.marker(), now));
    if (ManagedSecrets.upToDate(observed, desired)) {
      return new Written(observed, false);
    }
    return new Written(ManagedSecrets.write(client, cache, toolSecret, observed, desired), true);
  }

  static String text(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
