package dev.keyward.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The status patch names only what changed, under {@code /status}: a field another writer owns (the
 * verifier's {@code lastUsedAt}) is never part of it unless Keyward changed it.
 */
class StatusPatchTest {

  final KubernetesSerialization json = new KubernetesSerialization();

  ApiKeyStatus active(int version) {
    ApiKeyStatus status = new ApiKeyStatus();
    status.setPhase("Active");
    status.setKeyVersion(version);
    status.setConditions(
        Conditions.ready(true, "KeyActive", "ok", 1L, null, Instant.parse("2026-11-30T00:00:00Z")));
    return status;
  }

  @Test
  void aFirstStatusIsAddedWhole() {
    String ops = StatusPatch.ops(json, null, active(1)).toString();
    assertThat(ops).startsWith("[{\"op\":\"add\",\"path\":\"/status\",\"value\":{");
    assertThat(ops).contains("\"phase\":\"Active\"");
  }

  @Test
  void aChangeNamesOnlyTheFieldsThatChanged() {
    ApiKeyStatus before = active(1);
    before.setLastUsedAt("2026-11-30T01:00:00Z");
    ApiKeyStatus after = active(2);
    after.setLastUsedAt("2026-11-30T01:00:00Z");
    assertThat(StatusPatch.ops(json, before, after).toString())
        .isEqualTo("[{\"op\":\"replace\",\"path\":\"/status/keyVersion\",\"value\":2}]");
  }

  @Test
  void aClearedFieldIsRemoved() {
    ApiKeyStatus before = active(1);
    before.setRevokedAt("2026-11-30T01:00:00Z");
    assertThat(StatusPatch.ops(json, before, active(1)).toString())
        .isEqualTo("[{\"op\":\"remove\",\"path\":\"/status/revokedAt\"}]");
  }

  @Test
  void anEmptyListAndNoListAreTheSame() {
    ApiKeyStatus before = active(1);
    ApiKeyStatus after = active(1);
    after.setConditions(List.of());
    before.setConditions(null);
    assertThat(StatusPatch.ops(json, before, after)).isEmpty();
  }

  @Test
  void thePatchIsAddressedByNameAndNamespaceAlone() {
    ApiKey key = new ApiKey();
    key.setMetadata(
        new ObjectMetaBuilder()
            .withName("k1")
            .withNamespace("team-a")
            .withResourceVersion("12")
            .withLabels(Map.of("team", "a"))
            .build());
    key.setStatus(active(1));

    ApiKey address = StatusPatch.addressOf(key);

    assertThat(address).isNotSameAs(key).isInstanceOf(ApiKey.class);
    assertThat(address.getKind()).isEqualTo("ApiKey");
    assertThat(address.getApiVersion()).isEqualTo("keyward.dev/v1alpha1");
    assertThat(address.getMetadata().getName()).isEqualTo("k1");
    assertThat(address.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(address.getMetadata().getResourceVersion()).isNull();
    assertThat(address.getStatus()).isNull();
  }
}
