package dev.keyward.dev;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBindingBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The ApiKey status policy the chart ships (templates/status-guard.yaml), built for {@code keyward
 * dev}: the same rules, read from the jar, with the dev identity as the operator. Operator and
 * verifier share that identity in dev, so there the policy keeps every other user (a {@code kubectl
 * --as} impersonation, say) from changing status.
 */
public final class StatusGuardPolicy {

  public static final String NAME = "keyward-apikey-status";

  private StatusGuardPolicy() {}

  /** The policy for an operator running as {@code operatorUser} and verifiers as the others. */
  public static ValidatingAdmissionPolicy policy(String operatorUser, List<String> verifierUsers) {
    String verifiers =
        verifierUsers.stream().map(u -> "'" + u + "'").collect(Collectors.joining(", "));
    return new ValidatingAdmissionPolicyBuilder()
        .withNewMetadata()
        .withName(NAME)
        .endMetadata()
        .withNewSpec()
        .withFailurePolicy("Fail")
        .withNewMatchConstraints()
        .addNewResourceRule()
        .withApiGroups("keyward.dev")
        .withApiVersions("*")
        .withOperations("UPDATE")
        .withResources("apikeys/status")
        .endResourceRule()
        .endMatchConstraints()
        .addNewVariable()
        .withName("operator")
        .withExpression("request.userInfo.username == '" + operatorUser + "'")
        .endVariable()
        .addNewVariable()
        .withName("verifier")
        .withExpression("request.userInfo.username in [" + verifiers + "]")
        .endVariable()
        .withValidations(validations())
        .endSpec()
        .build();
  }

  /** The binding that makes the policy refuse. */
  public static ValidatingAdmissionPolicyBinding binding() {
    return new ValidatingAdmissionPolicyBindingBuilder()
        .withNewMetadata()
        .withName(NAME)
        .endMetadata()
        .withNewSpec()
        .withPolicyName(NAME)
        .withValidationActions("Deny")
        .endSpec()
        .build();
  }

  /** The rules, as the chart has them. */
  public static List<Validation> validations() {
    try (InputStream in =
        StatusGuardPolicy.class.getResourceAsStream("apikey-status-validations.yaml")) {
      if (in == null) {
        throw new IllegalStateException("apikey-status-validations.yaml is missing from the jar");
      }
      return Arrays.asList(Serialization.unmarshal(in, Validation[].class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Installs the policy with the client's own identity as the operator's. */
  public static void install(KubernetesClient client) {
    SelfSubjectReview self =
        client.authentication().v1().selfSubjectReviews().create(new SelfSubjectReview());
    String user = self.getStatus().getUserInfo().getUsername();
    client.resource(policy(user, List.of())).createOr(existing -> existing.update());
    client.resource(binding()).createOr(existing -> existing.update());
  }
}
