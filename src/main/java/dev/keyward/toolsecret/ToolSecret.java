package dev.keyward.toolsecret;

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
 * A credential someone else issued (a GitHub, Jira or Linear token), sealed with Keyward's public
 * key or taken from a Secret, that Keyward opens into a Secret and into its namespace's tool index.
 * The resource never holds the plaintext.
 */
@Group("keyward.dev")
@Version("v1alpha1")
// Spelled out, so that fabric8 does not derive them with regular expressions for every object.
@Plural("toolsecrets")
@Singular("toolsecret")
@ShortNames("ts")
@Categories("keyward")
// The columns appear in this order: the build reorders the generator's output (CrdColumnOrder).
@AdditionalPrinterColumn(name = "Display name", jsonPath = ".spec.displayName")
@AdditionalPrinterColumn(name = "Tool", jsonPath = ".spec.tool")
@AdditionalPrinterColumn(name = "Arg", jsonPath = ".spec.toolArg")
@AdditionalPrinterColumn(
    name = "Default",
    jsonPath = ".spec.defaultForTool",
    type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Value", jsonPath = ".status.display")
@AdditionalPrinterColumn(name = "Created By", jsonPath = ".status.createdBy")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "has(self.spec)",
    message =
        "MissingValue: the ToolSecret has no spec; seal the value with `keyward seal` or point"
            + " spec.valueFrom.secretKeyRef at a Secret")
@ValidationRule(
    value = "self.metadata.name != '" + ToolIndexSecret.INDEX_KEY + "'",
    message =
        "InvalidName: a ToolSecret cannot be named "
            + ToolIndexSecret.INDEX_KEY
            + ": that name is the tool index's own entry. Choose another name")
@ValidationRule(
    value =
        "!has(self.spec) || "
            + ToolSecret.WRITTEN_SECRET
            + " != '"
            + ToolIndexSecret.DEFAULT_NAME
            + "'",
    message =
        "InvalidSecret: spec.secret.name (default metadata.name) is the namespace's tool index "
            + ToolIndexSecret.DEFAULT_NAME
            + "; choose another name")
@ValidationRule(
    value =
        "!has(self.spec) || !has(self.spec.valueFrom) || "
            + "!has(self.spec.valueFrom.secretKeyRef) || "
            + "!has(self.spec.valueFrom.secretKeyRef.name) || "
            + "self.spec.valueFrom.secretKeyRef.name != "
            + ToolSecret.WRITTEN_SECRET,
    message =
        "InvalidSecret: spec.secret.name (default metadata.name) is also the Secret"
            + " spec.valueFrom reads; choose another name for one of them")
public class ToolSecret extends CustomResource<ToolSecretSpec, ToolSecretStatus>
    implements Namespaced {

  /** CEL for the name of the Secret Keyward writes: spec.secret.name, else metadata.name. */
  static final String WRITTEN_SECRET =
      "(has(self.spec.secret) && has(self.spec.secret.name) ? self.spec.secret.name"
          + " : self.metadata.name)";

  @Override
  protected ToolSecretSpec initSpec() {
    return new ToolSecretSpec();
  }
}
