package dev.keyward.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code keyward revoke}: sets {@code spec.revoked: true} with a merge patch, the field a kubectl
 * or GitOps user would set. In a GitOps setup, change the manifest too, or the next sync undoes it.
 */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = {
      "Revoke an ApiKey or ToolSecret: sets spec.revoked to true (a merge patch), so the operator"
          + " removes every value from its Secret at once. Setting it back to false gives an ApiKey"
          + " a new key; a revoked value never comes back.",
      "Example: keyward revoke apikey research-agent -n agents"
    })
public class RevokeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin NamedObject object;

  @Mixin Target target;

  @Override
  public Integer call() {
    object.checkName();
    if (object.kind == Kind.TOOLGRANT) {
      throw new IllegalArgumentException(
          "a ToolGrant holds no credential of its own: revoke the ToolSecrets it uses, or delete"
              + " the grant");
    }
    try (KubernetesClient client = ClusterAccess.client()) {
      String ns = target.namespace(client);
      if (object.find(client, ns, "revoke", spec.commandLine().getErr()) == null) {
        return 1;
      }
      object
          .in(client, ns)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"revoked\":true}}");
      var out = spec.commandLine().getOut();
      out.printf(
          "%s %s/%s: revoked (spec.revoked=true); the operator removes its values now. If a GitOps"
              + " tool manages it, set revoked: true in the manifest too.%n",
          object.kind.kind, ns, object.name);
      out.flush();
    }
    return 0;
  }
}
