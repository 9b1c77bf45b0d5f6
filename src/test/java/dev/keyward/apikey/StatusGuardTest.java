package dev.keyward.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Telling the operator's own status writes from someone else's, on plain objects. */
class StatusGuardTest {

  private final StatusGuard guard = new StatusGuard();

  @Test
  void theOperatorsOwnWriteIsNotSuspectAndItsNoteIsUsedOnce() {
    ApiKey before = key(status("a", 1));
    ApiKey after = key(status("b", 2));
    guard.writing(after, after.getStatus());
    assertThat(guard.changedByOthers(after, before)).isFalse();
    assertThat(guard.suspect(after)).isNull();
    assertThat(guard.changedByOthers(after, before))
        .as("the same change again, with no write noted for it")
        .isTrue();
  }

  @Test
  void writesInQuickSuccessionAreAllKnownAsOwn() {
    ApiKey first = key(status("a", 1));
    ApiKey second = key(status("b", 2));
    ApiKey third = key(status("c", 3));
    guard.writing(second, second.getStatus());
    guard.writing(third, third.getStatus());
    assertThat(guard.changedByOthers(second, first)).isFalse();
    assertThat(guard.changedByOthers(third, second)).isFalse();
    assertThat(guard.suspect(third)).isNull();
  }

  @Test
  void aVerifiersUsageWriteIsNoChangeToOwnedFields() {
    ApiKey before = key(status("a", 1));
    ApiKeyStatus used = status("a", 1);
    used.setLastUsedAt("2026-12-07T10:00:00Z");
    used.setKeyLastUsedAt("2026-12-07T10:00:00Z");
    used.getPreviousKey().setLastUsedAt("2026-12-07T09:00:00Z");
    assertThat(guard.changedByOthers(key(used), before)).isFalse();
    assertThat(guard.suspect(key(used))).isNull();
  }

  @Test
  void aForeignChangeIsRememberedWithItsFieldsAndTheStatusBefore() {
    ApiKeyStatus genuine = status("a", 1);
    ApiKeyStatus forged = status("f", 9);
    assertThat(guard.changedByOthers(key(forged), key(genuine))).isTrue();
    StatusGuard.Suspect suspect = guard.suspect(key(forged));
    assertThat(suspect.fields()).containsExactly("keyVersion", "keyHash");
    assertThat(suspect.before()).isSameAs(genuine);
    assertThat(guard.suspect(key(forged))).as("handed out once").isNull();

    assertThat(StatusGuard.tampered(suspect, forged, genuine, null))
        .containsExactly("keyVersion", "keyHash");
    assertThat(StatusGuard.tampered(suspect, forged, forged, null))
        .as("nothing to put back")
        .isEmpty();
  }

  @Test
  void aHashOfNoKeyInTheSecretIsTamperedEvenWithoutASuspect() {
    ApiKeyStatus forged = status("f", 1);
    assertThat(StatusGuard.tampered(null, forged, status("a", 1), Set.of("a", "p")))
        .containsExactly("keyHash");
    forged.getPreviousKey().setKeyHash("g");
    assertThat(StatusGuard.tampered(null, forged, status("a", 1), Set.of("a", "p")))
        .containsExactly("keyHash", "previousKey.keyHash");
    assertThat(StatusGuard.tampered(null, status("a", 1), status("a", 1), Set.of("a", "p")))
        .isEmpty();
    assertThat(StatusGuard.tampered(null, forged, status("a", 1), null))
        .as("key material changing in this reconcile: no judgement by hash")
        .isEmpty();
  }

  @Test
  void restoreTakesOwnedFieldsFromBeforeAndUsageFromNow() {
    ApiKeyStatus genuine = status("a", 1);
    ApiKeyStatus forged = status("f", 9);
    forged.setLastUsedAt("2026-12-07T11:00:00Z");
    forged.setKeyLastUsedAt("2026-12-07T10:30:00Z");
    forged.getPreviousKey().setLastUsedAt("2026-12-07T08:00:00Z");
    ApiKeyStatus restored =
        StatusGuard.restore(new StatusGuard.Suspect(List.of("keyHash"), genuine), forged);
    assertThat(restored.getKeyHash()).isEqualTo("a");
    assertThat(restored.getKeyVersion()).isEqualTo(1);
    assertThat(restored.getLastUsedAt()).isEqualTo("2026-12-07T11:00:00Z");
    assertThat(restored.getKeyLastUsedAt()).isEqualTo("2026-12-07T10:30:00Z");
    assertThat(restored.getPreviousKey().getKeyHash()).isEqualTo("p");
    assertThat(restored.getPreviousKey().getLastUsedAt()).isEqualTo("2026-12-07T08:00:00Z");
    assertThat(StatusGuard.restore(null, forged)).isSameAs(forged);
  }

  private static ApiKeyStatus status(String hash, int version) {
    ApiKeyStatus status = new ApiKeyStatus();
    status.setPhase("Active");
    status.setKeyVersion(version);
    status.setKeyHash(hash);
    PreviousKey previous = new PreviousKey("kw_p…0000", "sha256:p", "2026-12-14T00:00:00Z");
    previous.setKeyHash("p");
    status.setPreviousKey(previous);
    return status;
  }

  private static ApiKey key(ApiKeyStatus status) {
    ApiKey key = new ApiKey();
    key.setMetadata(
        new ObjectMetaBuilder().withName("admin-key").withNamespace("sec").withUid("u-1").build());
    key.setStatus(status);
    return key;
  }
}
