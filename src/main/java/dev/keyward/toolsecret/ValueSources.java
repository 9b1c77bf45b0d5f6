package dev.keyward.toolsecret;

import dev.keyward.common.SpecProblem;
import dev.keyward.sealing.SealingKeyStore;
import dev.keyward.sealing.UnsealException;
import dev.keyward.sealing.Unsealed;
import dev.keyward.secrets.ManagedSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Opens a ToolSecret's value: unseals {@code encryptedValue} or reads the {@code valueFrom} Secret.
 */
final class ValueSources {

  private final SealingKeyStore sealingKeys;

  ValueSources(SealingKeyStore sealingKeys) {
    this.sealingKeys = sealingKeys;
  }

  /** The value, or why it cannot be had; never throws for bad input. */
  ValuePlan.Opened open(ToolSecret toolSecret, ToolSecretPolicy policy, KubernetesClient client) {
    String namespace = toolSecret.getMetadata().getNamespace();
    if (policy.sealed()) {
      try {
        Unsealed unsealed =
            sealingKeys.unseal(
                policy.encryptedValue(), namespace, toolSecret.getMetadata().getName());
        return ValuePlan.Opened.value(unsealed.value(), unsealed.keyId());
      } catch (UnsealException e) {
        return ValuePlan.Opened.problem(
            new SpecProblem(e.failure().reason(), e.getMessage()), e.failure());
      }
    }
    Secret source = client.secrets().inNamespace(namespace).withName(policy.sourceName()).get();
    if (source == null) {
      return ValuePlan.Opened.problem(
          new SpecProblem(
              "SourceSecretNotFound",
              String.format(
                  "Secret %s named by spec.valueFrom.secretKeyRef does not exist in namespace"
                      + " %s; Keyward picks the value up as soon as it is created",
                  policy.sourceName(), namespace)),
          null);
    }
    String value = ManagedSecrets.decodedData(source).get(policy.sourceKey());
    if (value == null) {
      return ValuePlan.Opened.problem(
          new SpecProblem(
              "SourceKeyNotFound",
              String.format(
                  "Secret %s has no data key %s (spec.valueFrom.secretKeyRef.key); Keyward picks"
                      + " the value up as soon as the key is added",
                  policy.sourceName(), policy.sourceKey())),
          null);
    }
    return ValuePlan.Opened.value(value, null);
  }
}
