package dev.keyward;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.SelectableField;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code kubectl get ak} and {@code kubectl get ts} show, and which fields {@code
 * --field-selector} accepts, as the generated CRDs define them (and the README promises).
 */
class CrdColumnsTest {

  static CustomResourceDefinitionVersion version(String file) throws Exception {
    try (InputStream in = CrdColumnsTest.class.getResourceAsStream("/META-INF/fabric8/" + file)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class)
          .getSpec()
          .getVersions()
          .get(0);
    }
  }

  static List<String> columns(CustomResourceDefinitionVersion v) {
    return v.getAdditionalPrinterColumns().stream()
        .map(c -> c.getName() + ":" + c.getType() + ":" + c.getJsonPath())
        .toList();
  }

  @Test
  void apiKeyColumnsAreInTheReadmeOrderWithTheExpiryAsWrittenAndPastTimesAsAges() throws Exception {
    CustomResourceDefinitionVersion v = version("apikeys.keyward.dev-v1.yml");
    assertThat(columns(v))
        .containsExactly(
            "Display name:string:.spec.displayName",
            "Type:string:.spec.type",
            "Status:string:.status.phase",
            "Key:string:.status.maskedKey",
            "Expires:string:.status.expiresAt",
            "Last Used:date:.status.lastUsedAt",
            "Created By:string:.status.createdBy",
            "Age:date:.metadata.creationTimestamp");
    assertThat(v.getSelectableFields().stream().map(SelectableField::getJsonPath))
        .containsExactlyInAnyOrder(".spec.displayName", ".spec.type");
  }

  @Test
  void toolSecretColumnsAreInTheReadmeOrderWithTheDefaultAsABoolean() throws Exception {
    CustomResourceDefinitionVersion v = version("toolsecrets.keyward.dev-v1.yml");
    assertThat(columns(v))
        .containsExactly(
            "Display name:string:.spec.displayName",
            "Tool:string:.spec.tool",
            "Arg:string:.spec.toolArg",
            "Default:boolean:.spec.defaultForTool",
            "Status:string:.status.phase",
            "Value:string:.status.display",
            "Created By:string:.status.createdBy",
            "Age:date:.metadata.creationTimestamp");
    assertThat(v.getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getPriority)
        .containsOnly(0);
    assertThat(v.getSelectableFields().stream().map(SelectableField::getJsonPath))
        .containsExactlyInAnyOrder(".spec.displayName", ".spec.tool");
  }
}
