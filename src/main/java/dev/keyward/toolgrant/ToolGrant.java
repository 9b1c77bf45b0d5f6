package dev.keyward.toolgrant;

import dev.keyward.toolsecret.ToolIndexSecret;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The tools one agent calls, each with the environment variable it reads. Keyward resolves every
 * entry with the tool index's rules and writes only those values into the grant's own Secret, so a
 * pod mounts its tools' secrets and nothing else.
 */
@Group("keyward.dev")
@Version("v1alpha1")
@Plural("toolgrants")
@Singular("toolgrant")
@ShortNames("tg")
@Categories("keyward")
// The columns appear in this order: the build reorders the generator's output (CrdColumnOrder).
@AdditionalPrinterColumn(name = "Display name", jsonPath = ".spec.displayName")
@AdditionalPrinterColumn(name = "Tools", jsonPath = ".status.tools")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Missing", jsonPath = ".status.missingEnv")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "has(self.spec)",
    message = "MissingTools: the ToolGrant has no spec; list the agent's tools in spec.tools")
@ValidationRule(
    value =
        "!has(self.spec) || "
            + ToolGrant.WRITTEN_SECRET
            + " != '"
            + ToolIndexSecret.DEFAULT_NAME
            + "'",
    message =
        "InvalidSecret: spec.secret.name (default metadata.name-tools) is the namespace's tool"
            + " index "
            + ToolIndexSecret.DEFAULT_NAME
            + "; choose another name")
@ValidationRule(
    value = "!has(self.spec) || " + ToolGrant.WRITTEN_SECRET + ".size() <= 253",
    message =
        "InvalidSecret: the grant's Secret name (default metadata.name-tools) is longer than 253"
            + " characters; set spec.secret.name")
public class ToolGrant extends CustomResource<ToolGrantSpec, ToolGrantStatus>
    implements Namespaced {

  /** Suffix of the default Secret name: {@code <name>-tools}. */
  public static final String SECRET_SUFFIX = "-tools";

  /** CEL for the name of the Secret Keyward writes: spec.secret.name, else name-tools. */
  static final String WRITTEN_SECRET =
      "(has(self.spec.secret) && has(self.spec.secret.name) ? self.spec.secret.name"
          + " : self.metadata.name + '"
          + SECRET_SUFFIX
          + "')";

  @Override
  protected ToolGrantSpec initSpec() {
    return new ToolGrantSpec();
  }

  /** The name of the Secret the grant's values go to. */
  public String secretName() {
    ToolGrantSpec spec = getSpec();
    return spec != null && spec.getSecret() != null && spec.getSecret().getName() != null
        ? spec.getSecret().getName()
        : getMetadata().getName() + SECRET_SUFFIX;
  }
}
