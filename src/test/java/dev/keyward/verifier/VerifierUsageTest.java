package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.apikey.PreviousKey;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.VerifierHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** lastUsedAt: written from verifications, at most once per key version per granularity. */
class VerifierUsageTest {

  @RegisterExtension
  final VerifierHarness kv =
      new VerifierHarness().configure(s -> s.withUsageGranularity(Duration.ofMinutes(1)));

  @Test
  void usageIsWrittenAtMostOncePerGranularity() throws Exception {
    kv.startSynced();
    String key = kv.issue("busy", s -> {});
    kv.awaitCode(key, "OK");
    Instant firstUse = kv.instant();
    for (int i = 0; i < 20; i++) {
      assertThat(kv.verify("", key).status()).isEqualTo(200);
    }
    Instant lastUse = kv.instant();
    assertThat(kv.verifier().writeUsageNow()).isEqualTo(1);
    ApiKey written = kv.apiKey("busy");
    assertThat(Instant.parse(written.getStatus().getLastUsedAt()))
        .isBetween(firstUse.minusSeconds(1), lastUse.plusSeconds(1));
    assertThat(written.getStatus().getKeyLastUsedAt())
        .as("the version's use and the ApiKey's, in one patch")
        .isEqualTo(written.getStatus().getLastUsedAt());
    assertThat(written.getStatus().getKeyHash()).isEqualTo(KeyFormat.keyHash(key));
    awaitCachedLastUsed(written.getStatus().getLastUsedAt());

    // Used again within the granularity: nothing to write, however often it is asked. (10s on the
    // clock, so a busy machine has 50s of real time before this use leaves the granularity.)
    kv.clock().advance(Duration.ofSeconds(10));
    kv.verify("", key);
    assertThat(kv.verifier().writeUsageNow()).isZero();
    assertThat(kv.verifier().writeUsageNow()).isZero();

    // A granularity after the written use: one more write.
    kv.clock().advance(Duration.ofSeconds(51));
    kv.verify("", key);
    assertThat(kv.verifier().writeUsageNow()).isEqualTo(1);
    assertThat(kv.verifier().writeUsageNow()).isZero();
    assertThat(kv.statusPatches()).hasSize(2);
    assertThat(kv.statusPatches())
        .allMatch(r -> r.path().endsWith("/apikeys/busy/status"), "only status is patched");
    assertThat(kv.requests().writes()).hasSize(2);

    // Not used any more: no further writes.
    kv.clock().advance(Duration.ofHours(1));
    assertThat(kv.verifier().writeUsageNow()).isZero();
  }

  @Test
  void useOfThePreviousKeyIsWrittenToPreviousKeyAndMovesTheApiKeysLastUseOnlyForward()
      throws Exception {
    kv.startSynced();
    String old = kv.issue("switching", s -> {});
    String current = kv.newKey();
    kv.writeStatus(
        "switching",
        s -> {
          s.setKeyVersion(2);
          s.setKeyHash(KeyFormat.keyHash(current));
          s.setLastUsedAt("2026-01-01T00:00:00Z");
          s.setPreviousKey(new PreviousKey(null, null, kv.in(Duration.ofDays(7))));
          s.getPreviousKey().setKeyHash(KeyFormat.keyHash(old));
        });
    kv.awaitCode(old, "OK");

    assertThat(kv.verifier().writeUsageNow()).isEqualTo(1);
    ApiKeyStatus status = kv.apiKey("switching").getStatus();
    assertThat(status.getPreviousKey().getLastUsedAt()).isNotNull();
    assertThat(status.getPreviousKey().getKeyHash()).isEqualTo(KeyFormat.keyHash(old));
    assertThat(status.getKeyLastUsedAt()).as("the current key was not used").isNull();
    assertThat(status.getLastUsedAt())
        .as("the ApiKey's last use is its newest use by any version")
        .isEqualTo(status.getPreviousKey().getLastUsedAt());

    // An ApiKey whose recorded last use is newer than this use: it is not moved back.
    String ahead = kv.in(Duration.ofDays(1));
    String older = kv.issue("ahead", s -> {});
    String newer = kv.newKey();
    kv.writeStatus(
        "ahead",
        s -> {
          s.setKeyVersion(2);
          s.setKeyHash(KeyFormat.keyHash(newer));
          s.setLastUsedAt(ahead);
          s.setPreviousKey(new PreviousKey(null, null, kv.in(Duration.ofDays(7))));
          s.getPreviousKey().setKeyHash(KeyFormat.keyHash(older));
        });
    kv.awaitCode(older, "OK");
    assertThat(kv.verifier().writeUsageNow()).isEqualTo(1);
    ApiKeyStatus aheadStatus = kv.apiKey("ahead").getStatus();
    assertThat(aheadStatus.getPreviousKey().getLastUsedAt()).isNotNull().isNotEqualTo(ahead);
    assertThat(aheadStatus.getLastUsedAt()).isEqualTo(ahead);
  }

  @Test
  void aRefusedKeyIsNotAUse() throws Exception {
    kv.startSynced();
    String key = kv.issue("scoped", s -> s.setScopes(java.util.List.of("read")));
    kv.awaitCode(key, "OK");
    kv.clock().advance(Duration.ofMinutes(5));
    long before = kv.verifier().writeUsageNow();
    assertThat(kv.verify("?scope=write", key).status()).isEqualTo(403);
    assertThat(kv.verifier().writeUsageNow()).isZero();
    assertThat(before).isEqualTo(1); // the awaitCode success itself
  }

  private void awaitCachedLastUsed(String lastUsedAt) {
    long seconds = Instant.parse(lastUsedAt).getEpochSecond();
    OperatorHarness.waiting()
        .until(
            () -> {
              boolean[] seen = {false};
              kv.verifier()
                  .registry()
                  .forEachRecord(
                      r -> seen[0] |= Objects.equals(r.statusLastUsedSeconds(), seconds));
              return seen[0];
            });
  }
}
