package dev.keyward.apikey;

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
 * A key that Keyward issues, keeps in a Secret, expires and rotates. The resource never holds the
 * key itself: only its Secret does.
 */
@Group("keyward.dev")
@Version("v1alpha1")
// Spelled out, so that fabric8 does not derive them with regular expressions for every object.
@Plural("apikeys")
@Singular("apikey")
@ShortNames("ak")
@Categories("keyward")
// The columns appear in this order: the build reorders the generator's output (CrdColumnOrder).
@AdditionalPrinterColumn(name = "Display name", jsonPath = ".spec.displayName")
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.type")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Key", jsonPath = ".status.maskedKey")
// A string, not a date: kubectl (and the API server's Table) shows a date column as an age, and an
// age of a future time is "<invalid>". Shown as written, the RFC 3339 time of expiry.
@AdditionalPrinterColumn(name = "Expires", jsonPath = ".status.expiresAt")
@AdditionalPrinterColumn(
    name = "Last Used",
    jsonPath = ".status.lastUsedAt",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Created By", jsonPath = ".status.createdBy")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ApiKey extends CustomResource<ApiKeySpec, ApiKeyStatus> implements Namespaced {

  /** Annotation on the ApiKey asking for a manual rotation; each distinct value rotates once. */
  public static final String ROTATE_ANNOTATION = "keyward.dev/rotate";

  /**
   * Annotation the admission webhook sets on create to the requesting user; the manifest cannot set
   * it, and updates cannot change it.
   */
  public static final String CREATED_BY_ANNOTATION = "keyward.dev/created-by";

  @Override
  protected ApiKeySpec initSpec() {
    return new ApiKeySpec();
  }
}
