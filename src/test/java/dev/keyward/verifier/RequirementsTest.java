package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The two ways a proxy states what it demands, and what a client cannot change. */
class RequirementsTest {

  private static Function<String, List<String>> query(Map<String, List<String>> params) {
    return name -> params.getOrDefault(name, List.of());
  }

  @Test
  void queryParametersAreRepeatable() {
    Requirements r =
        Requirements.of(
            "/v1/verify",
            query(
                Map.of(
                    "scope",
                    List.of("a", "b"),
                    "namespace",
                    List.of("x", "y"),
                    "denyAs",
                    List.of("403"))));
    assertThat(r.scopes()).containsExactly("a", "b");
    assertThat(r.namespaces()).containsExactly("x", "y");
    assertThat(r.denyAs403()).isTrue();
    assertThat(Requirements.of("/v1/verify", query(Map.of()))).isEqualTo(Requirements.NONE);
  }

  @Test
  void pathSegmentsEndedByUnderscoreWinAndTheClientsQueryIsIgnored() {
    Function<String, List<String>> clientQuery =
        query(Map.of("namespace", List.of("evil"), "scope", List.of("x")));
    Requirements r =
        Requirements.of(
            "/v1/verify/scope=orders%3Aread/namespace=shop/_/namespace=evil/_/orders", clientQuery);
    assertThat(r.scopes()).containsExactly("orders:read");
    assertThat(r.namespaces()).containsExactly("shop");
    assertThat(r.denyAs403()).isFalse();
  }

  @Test
  void aPathWithoutTheFormIsTheClientsOwn() {
    Function<String, List<String>> q = query(Map.of("scope", List.of("s")));
    assertThat(Requirements.of("/v1/verify/orders/42", q).scopes()).containsExactly("s");
    assertThat(Requirements.of("/v1/verify/scope=a/orders", q).scopes()).containsExactly("s");
    assertThat(Requirements.of("/v1/verify/scope=a", q).scopes()).containsExactly("s");
    assertThat(Requirements.of("/v1/verify/_/x", q).scopes()).containsExactly("s");
  }

  @Test
  void denyAsTakesOnly403() {
    assertThatThrownBy(() -> Requirements.of("/v1/verify", query(Map.of("denyAs", List.of("500")))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Requirements.of("/v1/verify/denyAs=403/_", query(Map.of())).denyAs403()).isTrue();
  }
}
