package dev.keyward.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.runtime.Crds;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/**
 * The rules-less CRDs {@link WithoutCrdRules} tests run on: the same structure as the real ones,
 * nothing that refuses a value; and the probe objects a real API server is asked about while the
 * copies are swapped in and out are refused by the real rules and stored without them.
 */
class RulesLessCrdsTest {

  @Test
  void theCopiesKeepTheStructureAndDropEveryRuleAndConstraint() {
    for (String file : Crds.FILES) {
      String real = Serialization.asJson(RulesLessCrds.real(file));
      String stripped = Serialization.asJson(RulesLessCrds.stripped(file));
      assertThat(real).as(file).contains("x-kubernetes-validations", "maxLength");
      for (String keyword : RulesLessCrds.REFUSING) {
        // As a schema keyword its value is a string, number or list; a property is an object.
        assertThat(stripped).as(file).doesNotContainPattern("\"" + keyword + "\":[^{]");
      }
      assertThat(CrdSchema.of(RulesLessCrds.stripped(file)).rules()).as(file).isEmpty();
      // Every field is still there: spec.format (a property named like a keyword) included.
      assertThat(stripped).contains("\"displayName\"", "\"secret\"", "\"status\"");
    }
    assertThat(Serialization.asJson(RulesLessCrds.stripped(Crds.FILES.get(0))))
        .contains("\"format\":{\"description\"");
  }

  @Test
  void theProbesAreRefusedByTheRulesAndStoredWithoutThem() {
    for (HasMetadata probe : RulesLessCrds.probes()) {
      assertThat(RulesLessCrds.realSchema(probe).validate(probe)).as(probe.getKind()).isNotEmpty();
      assertThat(RulesLessCrds.strippedSchema(probe).validate(probe)).as(probe.getKind()).isEmpty();
    }
  }
}
