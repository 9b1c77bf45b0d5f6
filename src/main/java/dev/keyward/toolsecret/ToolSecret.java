package dev.keyward.toolsecret;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
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
@AdditionalPrinterColumn(name = "Display name", jsonPath = ".spec.displayName")
@AdditionalPrinterColumn(name = "Tool", jsonPath = ".spec.tool")
@AdditionalPrinterColumn(name = "Arg", jsonPath = ".spec.toolArg")
@AdditionalPrinterColumn(name = "Default", jsonPath = ".spec.defaultForTool")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Value", jsonPath = ".status.display")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ToolSecret extends CustomResource<ToolSecretSpec, ToolSecretStatus>
    implements Namespaced {

  @Override
  protected ToolSecretSpec initSpec() {
    return new ToolSecretSpec();
  }
}
