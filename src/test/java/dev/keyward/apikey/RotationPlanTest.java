package dev.keyward.apikey;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.RotationPlan.Change;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RotationPlanTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration DAY = Duration.ofDays(1);

  private final AtomicInteger generated = new AtomicInteger();
  private final Supplier<String> keys = () -> key(generated.incrementAndGet());

  static String key(int n) {
    return "kwa_key-number-" + n;
  }

  static KeyPolicy policy(Consumer<ApiKeySpec> spec) {
    KeyPolicy.Checked checked = KeyPolicy.from(apiKey("k", spec));
    assertThat(checked.problem()).isNull();
    return checked.policy();
  }

  /** Agent key: 90d lifetime, 7d overlap, rotation on. */
  static final KeyPolicy AGENT = policy(s -> s.setType("Agent"));

  static KeyState active(int version, String value, Instant issuedAt) {
    return KeyState.issued(version, value, issuedAt, null, null);
  }

  RotationPlan decide(KeyPolicy policy, KeyState observed, Instant now) {
    return RotationPlan.decide(policy, null, observed, 0, now, keys);
  }

  @Test
  void firstReconcileIssuesVersionOneAndSchedulesRotation() {
    RotationPlan plan = decide(AGENT, null, T0);

    assertThat(plan.change()).isEqualTo(Change.ISSUED);
    assertThat(plan.state().version()).isEqualTo(1);
    assertThat(plan.state().current()).isEqualTo(key(1));
    assertThat(plan.state().issuedAt()).isEqualTo(T0);
    assertThat(plan.nextCheck()).isEqualTo(T0.plus(DAY.multipliedBy(83)));
  }

  @Test
  void steadyStateChangesNothingAndWaitsForRotation() {
    KeyState v1 = active(1, key(99), T0);

    RotationPlan plan = decide(AGENT, v1, T0.plus(DAY));

    assertThat(plan.change()).isEqualTo(Change.NONE);
    assertThat(plan.state()).isEqualTo(v1);
    assertThat(plan.delayFrom(T0.plus(DAY))).isEqualTo(DAY.multipliedBy(82));
    assertThat(generated).hasValue(0);
  }

  @Test
  void oneSecondBeforeRotatesAtNothingHappens() {
    Instant rotatesAt = T0.plus(DAY.multipliedBy(83));
    RotationPlan plan = decide(AGENT, active(1, key(99), T0), rotatesAt.minusSeconds(1));

    assertThat(plan.change()).isEqualTo(Change.NONE);
    assertThat(plan.delayFrom(rotatesAt.minusSeconds(1))).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void exactlyAtRotatesAtRotatesAndKeepsPreviousUntilItsExpiry() {
    Instant rotatesAt = T0.plus(DAY.multipliedBy(83));
    RotationPlan plan = decide(AGENT, active(1, key(99), T0), rotatesAt);

    assertThat(plan.change()).isEqualTo(Change.ROTATED);
    KeyState s = plan.state();
    assertThat(s.version()).isEqualTo(2);
    assertThat(s.current()).isEqualTo(key(1));
    assertThat(s.issuedAt()).isEqualTo(rotatesAt);
    assertThat(s.lastRotatedAt()).isEqualTo(rotatesAt);
    assertThat(s.previous()).isEqualTo(key(99));
    assertThat(s.previousValidUntil()).isEqualTo(T0.plus(DAY.multipliedBy(90)));
    assertThat(s.previousIntact()).isTrue();
    // Next: the end of the overlap, before the new version's own rotation.
    assertThat(plan.nextCheck()).isEqualTo(T0.plus(DAY.multipliedBy(90)));
  }

  @Test
  void previousKeyIsRemovedExactlyWhenItsValidityEnds() {
    Instant rotatesAt = T0.plus(DAY.multipliedBy(83));
    KeyState rotated = decide(AGENT, active(1, key(99), T0), rotatesAt).state();
    Instant end = rotated.previousValidUntil();

    assertThat(decide(AGENT, rotated, end.minusSeconds(1)).change()).isEqualTo(Change.NONE);
    RotationPlan plan = decide(AGENT, rotated, end);
    assertThat(plan.change()).isEqualTo(Change.PREVIOUS_REMOVED);
    assertThat(plan.state().previous()).isNull();
    assertThat(plan.state().current()).isEqualTo(rotated.current());
    assertThat(plan.state().version()).isEqualTo(2);
  }

  @Test
  void withRotationOffTheKeyExpiresExactlyAtExpiresAt() {
    KeyPolicy noRotation =
        policy(
            s -> {
              s.setType("Agent");
              s.setRotation(rotation(false, null));
            });
    Instant expiresAt = T0.plus(DAY.multipliedBy(90));
    KeyState v1 = active(1, key(99), T0);

    RotationPlan before = decide(noRotation, v1, expiresAt.minusSeconds(1));
    assertThat(before.change()).isEqualTo(Change.NONE);
    assertThat(before.nextCheck()).isEqualTo(expiresAt);

    RotationPlan at = decide(noRotation, v1, expiresAt);
    assertThat(at.change()).isEqualTo(Change.EXPIRED);
    assertThat(at.state().current()).isNull();
    assertThat(at.state().previous()).isNull();
    assertThat(at.state().expiredAt()).isEqualTo(expiresAt);
    assertThat(at.state().version()).isEqualTo(1);
    assertThat(at.nextCheck()).isNull();

    // Expired stays expired: no new key, no schedule.
    RotationPlan later = decide(noRotation, at.state(), expiresAt.plus(DAY));
    assertThat(later.change()).isEqualTo(Change.NONE);
    assertThat(generated).hasValue(0);
  }

  @Test
  void exactlyAtExpiresAtWithRotationOnRotatesWithoutKeepingTheExpiredKey() {
    Instant expiresAt = T0.plus(DAY.multipliedBy(90));
    RotationPlan plan = decide(AGENT, active(1, key(99), T0), expiresAt);

    assertThat(plan.change()).isEqualTo(Change.ROTATED_AFTER_EXPIRY);
    assertThat(plan.state().version()).isEqualTo(2);
    assertThat(plan.state().previous()).isNull();
  }

  @Test
  void overlapLongerThanHalfTheLifetimeIsRefusedInsteadOfRotatingInALoop() {
    KeyPolicy.Checked longer =
        KeyPolicy.from(
            apiKey(
                "k",
                s -> {
                  s.setExpiresAfter("1h");
                  s.setRotation(rotation(true, "2h"));
                }));
    assertThat(longer.problem().reason()).isEqualTo("InvalidRotation");
    assertThat(longer.problem().message()).contains("2h").contains("1h");

    KeyPolicy.Checked equal =
        KeyPolicy.from(
            apiKey(
                "k",
                s -> {
                  s.setExpiresAfter("1h");
                  s.setRotation(rotation(true, "1h"));
                }));
    assertThat(equal.problem().reason()).isEqualTo("InvalidRotation");

    KeyPolicy half =
        policy(
            s -> {
              s.setExpiresAfter("40s");
              s.setRotation(rotation(true, "20s"));
            });
    assertThat(half.rotatesAt(T0)).isEqualTo(T0.plusSeconds(20));
  }

  @Test
  void clockMovedBackwardsBeforeIssuedAtDoesNothingAndWaitsForTheRealSchedule() {
    KeyState v1 = active(1, key(99), T0);
    Instant earlier = T0.minus(Duration.ofHours(3));

    RotationPlan plan = decide(AGENT, v1, earlier);

    assertThat(plan.change()).isEqualTo(Change.NONE);
    assertThat(plan.state()).isEqualTo(v1);
    assertThat(plan.nextCheck()).isEqualTo(T0.plus(DAY.multipliedBy(83)));
    assertThat(plan.delayFrom(earlier)).isPositive();
  }

  @Test
  void clockMovedBackwardsDuringOverlapKeepsBothKeys() {
    KeyState rotated = decide(AGENT, active(1, key(99), T0), T0.plus(DAY.multipliedBy(83))).state();

    RotationPlan plan = decide(AGENT, rotated, T0.plus(DAY.multipliedBy(80)));

    assertThat(plan.change()).isEqualTo(Change.NONE);
    assertThat(plan.state().previous()).isEqualTo(key(99));
  }

  @Test
  void manualRotationRotatesOnceForEachDistinctValue() {
    KeyState v1 = active(1, key(99), T0);
    Instant now = T0.plus(DAY);

    RotationPlan first = RotationPlan.decide(AGENT, "2026-01-02", v1, 0, now, keys);
    assertThat(first.change()).isEqualTo(Change.ROTATED_ON_REQUEST);
    assertThat(first.state().version()).isEqualTo(2);
    assertThat(first.state().rotateHandled()).isEqualTo("2026-01-02");
    // Manual rotation: previous valid for at most the overlap (7d), not its full 89 days.
    assertThat(first.state().previousValidUntil()).isEqualTo(now.plus(DAY.multipliedBy(7)));

    RotationPlan again =
        RotationPlan.decide(AGENT, "2026-01-02", first.state(), 2, now.plusSeconds(5), keys);
    assertThat(again.change()).isEqualTo(Change.NONE);

    RotationPlan next =
        RotationPlan.decide(AGENT, "second", first.state(), 2, now.plusSeconds(5), keys);
    assertThat(next.change()).isEqualTo(Change.ROTATED_ON_REQUEST);
    assertThat(next.state().version()).isEqualTo(3);
  }

  @Test
  void rotateAnnotationPresentAtCreationDoesNotRotateRightAfterIssue() {
    RotationPlan issued = RotationPlan.decide(AGENT, "copied-from-git", null, 0, T0, keys);
    RotationPlan after =
        RotationPlan.decide(AGENT, "copied-from-git", issued.state(), 1, T0.plusSeconds(1), keys);

    assertThat(after.change()).isEqualTo(Change.NONE);
    assertThat(after.state().version()).isEqualTo(1);
  }

  @Test
  void revokeRemovesEveryValueAndUnrevokeIssuesANewVersion() {
    KeyState rotated = decide(AGENT, active(1, key(99), T0), T0.plus(DAY.multipliedBy(83))).state();
    KeyPolicy revokedPolicy =
        policy(
            s -> {
              s.setType("Agent");
              s.setRevoked(true);
            });
    Instant now = T0.plus(DAY.multipliedBy(84));

    RotationPlan revoked = decide(revokedPolicy, rotated, now);
    assertThat(revoked.change()).isEqualTo(Change.REVOKED);
    assertThat(revoked.state().current()).isNull();
    assertThat(revoked.state().previous()).isNull();
    assertThat(revoked.state().revokedAt()).isEqualTo(now);
    assertThat(revoked.nextCheck()).isNull();
    assertThat(decide(revokedPolicy, revoked.state(), now.plus(DAY)).change())
        .isEqualTo(Change.NONE);

    RotationPlan back = decide(AGENT, revoked.state(), now.plus(DAY));
    assertThat(back.change()).isEqualTo(Change.REISSUED_AFTER_REVOCATION);
    assertThat(back.state().version()).isEqualTo(3);
    assertThat(back.state().current()).isNotIn(key(99), rotated.current());
    assertThat(back.state().revokedAt()).isNull();
  }

  @Test
  void missingSecretIsReissuedWithTheNextVersionNeverAnOldOne() {
    RotationPlan plan = RotationPlan.decide(AGENT, null, null, 4, T0, keys);

    assertThat(plan.change()).isEqualTo(Change.SECRET_RECREATED);
    assertThat(plan.state().version()).isEqualTo(5);
  }

  @Test
  void valueChangedByHandIsReplacedWithANewVersion() {
    KeyState v1 = active(1, key(99), T0);
    KeyState edited =
        new KeyState(
            1,
            "typed-by-hand",
            v1.currentFingerprint(),
            T0,
            null,
            null,
            null,
            null,
            null,
            null,
            null);

    RotationPlan plan = decide(AGENT, edited, T0.plus(DAY));

    assertThat(plan.change()).isEqualTo(Change.VALUE_REPLACED);
    assertThat(plan.state().version()).isEqualTo(2);
    assertThat(plan.state().current()).isNotEqualTo("typed-by-hand");
  }

  @Test
  void longerLifetimeExtendsTheCurrentVersionWithoutReissuing() {
    KeyPolicy longer =
        policy(
            s -> {
              s.setType("Agent");
              s.setExpiresAfter("180d");
            });
    KeyState v1 = active(1, key(99), T0);

    RotationPlan plan = decide(longer, v1, T0.plus(DAY.multipliedBy(85)));

    assertThat(plan.change()).isEqualTo(Change.NONE);
    assertThat(longer.expiresAt(v1.issuedAt())).isEqualTo(T0.plus(DAY.multipliedBy(180)));
  }

  @Test
  void shorterLifetimeRotatesAtOnceWhenTheNewRotationTimeHasPassed() {
    KeyPolicy shorter =
        policy(
            s -> {
              s.setType("Agent");
              s.setExpiresAfter("30d");
            });
    RotationPlan plan = decide(shorter, active(1, key(99), T0), T0.plus(DAY.multipliedBy(40)));

    assertThat(plan.change()).isEqualTo(Change.ROTATED_AFTER_EXPIRY);
    assertThat(plan.state().version()).isEqualTo(2);
  }

  @Test
  void standardKeyNeverExpiresAndSchedulesNothing() {
    KeyPolicy standard = policy(s -> {});
    RotationPlan plan = decide(standard, null, T0);

    assertThat(standard.lifetime()).isEmpty();
    assertThat(standard.rotationEnabled()).isFalse();
    assertThat(plan.state().current()).startsWith("kwa_key"); // supplier decides the value
    assertThat(plan.nextCheck()).isNull();
    assertThat(decide(standard, plan.state(), T0.plus(DAY.multipliedBy(10_000))).change())
        .isEqualTo(Change.NONE);
  }

  @Test
  void subSecondNowNeverSchedulesEarly() {
    KeyPolicy shortKey =
        policy(
            s -> {
              s.setExpiresAfter("40s");
              s.setRotation(rotation(true, "20s"));
            });
    RotationPlan plan = decide(shortKey, null, T0.plusMillis(400));

    assertThat(plan.state().issuedAt()).isEqualTo(T0);
    assertThat(plan.nextCheck()).isEqualTo(T0.plusSeconds(20));
    assertThat(plan.delayFrom(T0.plusMillis(400))).isEqualTo(Duration.ofSeconds(20));
  }

  // --- spec.revokeWhenUnusedFor

  static final Duration UNUSED_FOR = DAY.multipliedBy(30);

  /** A key that never expires and is revoked after 30 days without use. */
  static final KeyPolicy UNUSED_30D = policy(s -> s.setRevokeWhenUnusedFor("30d"));

  static KeyUsage used(String... fingerprintThenTime) {
    java.util.Map<String, String> byFingerprint = new java.util.HashMap<>();
    for (int i = 0; i < fingerprintThenTime.length; i += 2) {
      byFingerprint.put(fingerprintThenTime[i], fingerprintThenTime[i + 1]);
    }
    return new KeyUsage(byFingerprint);
  }

  RotationPlan decide(KeyPolicy policy, KeyState observed, KeyUsage usage, Instant now) {
    return RotationPlan.decide(policy, null, observed, 0, usage, now, keys);
  }

  @Test
  void neverUsedKeyIsRevokedWhenItsIssueTimeIsOlderThanRevokeWhenUnusedFor() {
    KeyState v1 = active(1, key(99), T0);
    Instant deadline = T0.plus(UNUSED_FOR);

    RotationPlan before = decide(UNUSED_30D, v1, deadline.minusSeconds(1));
    assertThat(before.change()).isEqualTo(Change.NONE);
    assertThat(before.nextCheck()).isEqualTo(deadline);
    assertThat(decide(UNUSED_30D, v1, T0.plus(DAY)).delayFrom(T0.plus(DAY)))
        .isEqualTo(DAY.multipliedBy(29));

    RotationPlan at = decide(UNUSED_30D, v1, deadline);
    assertThat(at.change()).isEqualTo(Change.REVOKED_UNUSED);
    assertThat(at.change().eventReason()).isEqualTo("Unused");
    assertThat(at.state().current()).isNull();
    assertThat(at.state().previous()).isNull();
    assertThat(at.state().revokedAt()).isEqualTo(deadline);
    assertThat(at.state().revokedForBeingUnused()).isTrue();
    assertThat(at.state().version()).isEqualTo(1);
    assertThat(at.nextCheck()).isNull();
    assertThat(generated).hasValue(0);
  }

  @Test
  void recordedUseMovesTheDeadlineWithoutAnyWrite() {
    KeyState v1 = active(1, key(99), T0);
    KeyUsage usedOnDay10 = used(v1.currentFingerprint(), T0.plus(DAY.multipliedBy(10)).toString());

    RotationPlan plan = decide(UNUSED_30D, v1, usedOnDay10, T0.plus(UNUSED_FOR));

    assertThat(plan.change()).isEqualTo(Change.NONE);
    assertThat(plan.state()).isEqualTo(v1);
    assertThat(plan.nextCheck()).isEqualTo(T0.plus(DAY.multipliedBy(40)));
    assertThat(decide(UNUSED_30D, v1, usedOnDay10, T0.plus(DAY.multipliedBy(40))).change())
        .isEqualTo(Change.REVOKED_UNUSED);
  }

  @Test
  void useOfThePreviousKeyDuringAnOverlapCountsAsUse() {
    KeyPolicy policy =
        policy(
            s -> {
              s.setType("Agent");
              s.setRevokeWhenUnusedFor("100d");
            });
    KeyState v1 = active(1, key(1), T0);
    RotationPlan rotated = decide(policy, v1, T0.plus(DAY.multipliedBy(83)));
    assertThat(rotated.change()).isEqualTo(Change.ROTATED);
    KeyState v2 = rotated.state();
    // Callers still send v1 on day 89; v2 was never used.
    KeyUsage usage = used(v2.previousFingerprint(), T0.plus(DAY.multipliedBy(89)).toString());

    assertThat(usage.lastUse(v2)).isEqualTo(T0.plus(DAY.multipliedBy(89)));
    assertThat(decide(policy, v2, usage, T0.plus(DAY.multipliedBy(89))).nextCheck())
        .isEqualTo(T0.plus(DAY.multipliedBy(90))); // end of overlap comes first
  }

  @Test
  void aScheduledRotationDoesNotRestartTheUnusedClock() {
    KeyPolicy policy =
        policy(
            s -> {
              s.setType("Agent");
              s.setRevokeWhenUnusedFor("100d");
            });
    KeyState v1 = active(1, key(1), T0);

    RotationPlan rotated = decide(policy, v1, T0.plus(DAY.multipliedBy(83)));
    assertThat(rotated.change()).isEqualTo(Change.ROTATED);
    assertThat(rotated.state().idleSince()).isEqualTo(T0);

    RotationPlan dropped = decide(policy, rotated.state(), T0.plus(DAY.multipliedBy(90)));
    assertThat(dropped.change()).isEqualTo(Change.PREVIOUS_REMOVED);
    assertThat(dropped.state().idleSince()).isEqualTo(T0);
    assertThat(dropped.nextCheck()).isEqualTo(T0.plus(DAY.multipliedBy(100)));

    RotationPlan revoked = decide(policy, dropped.state(), T0.plus(DAY.multipliedBy(100)));
    assertThat(revoked.change()).isEqualTo(Change.REVOKED_UNUSED);
  }

  @Test
  void theLastUseOfADroppedPreviousKeyIsKeptAsTheClockStart() {
    KeyPolicy policy =
        policy(
            s -> {
              s.setType("Agent");
              s.setRevokeWhenUnusedFor("100d");
            });
    KeyState v2 = decide(policy, active(1, key(1), T0), T0.plus(DAY.multipliedBy(83))).state();
    Instant day88 = T0.plus(DAY.multipliedBy(88));

    RotationPlan dropped =
        decide(
            policy,
            v2,
            used(v2.previousFingerprint(), day88.toString()),
            T0.plus(DAY.multipliedBy(90)));

    assertThat(dropped.change()).isEqualTo(Change.PREVIOUS_REMOVED);
    assertThat(dropped.state().idleSince()).isEqualTo(day88);
    // Status no longer holds v1's use, and the unused clock still counts from it.
    assertThat(KeyUsage.NONE.unusedUntil(policy, dropped.state()))
        .isEqualTo(day88.plus(DAY.multipliedBy(100)));
  }

  @Test
  void theApiKeysLastUseCountsEvenWhenNoVersionInStatusHoldsIt() {
    KeyPolicy policy = policy(s -> s.setRevokeWhenUnusedFor("100d"));
    KeyState v1 = active(1, key(1), T0);
    Instant day88 = T0.plus(DAY.multipliedBy(88));
    // status.lastUsedAt alone: the version that was used then is gone from status.
    KeyUsage objectOnly = new KeyUsage(day88.toString(), java.util.Map.of());

    assertThat(objectOnly.lastUse(v1)).isEqualTo(day88);
    assertThat(decide(policy, v1, objectOnly, T0.plus(DAY.multipliedBy(100))).change())
        .isEqualTo(Change.NONE);
    assertThat(decide(policy, v1, objectOnly, T0.plus(DAY.multipliedBy(100))).nextCheck())
        .isEqualTo(day88.plus(DAY.multipliedBy(100)));
  }

  @Test
  void aKeyIssuedAfterAnOlderUseCountsFromItsIssue() {
    Instant day50 = T0.plus(DAY.multipliedBy(50));
    KeyState reissued = active(2, key(2), day50);
    KeyUsage usedBefore =
        new KeyUsage(T0.plus(DAY.multipliedBy(10)).toString(), java.util.Map.of());

    assertThat(usedBefore.lastUse(reissued)).isEqualTo(day50);
    assertThat(decide(UNUSED_30D, reissued, usedBefore, day50.plus(DAY)).nextCheck())
        .isEqualTo(day50.plus(UNUSED_FOR));
  }

  @Test
  void secretsWrittenBeforeTheUnusedClockExistedCountFromTheIssueTime() {
    KeyState legacy =
        new KeyState(
            1, key(1), KeyFormat.fingerprint(key(1)), T0, null, null, null, null, null, null, null);

    assertThat(legacy.idleSince()).isNull();
    assertThat(decide(UNUSED_30D, legacy, T0.plus(DAY)).nextCheck()).isEqualTo(T0.plus(UNUSED_FOR));
  }

  @Test
  void aRotateRequestWinsOverAnUnusedRevocation() {
    RotationPlan plan =
        RotationPlan.decide(
            UNUSED_30D, "now", active(1, key(1), T0), 0, KeyUsage.NONE, T0.plus(UNUSED_FOR), keys);

    assertThat(plan.change()).isEqualTo(Change.ROTATED_ON_REQUEST);
    assertThat(plan.state().current()).isNotNull();
  }

  @Test
  void anUnusedRevocationStaysUntilARotateRequestIssuesANewKey() {
    KeyState revoked = decide(UNUSED_30D, active(3, key(1), T0), T0.plus(UNUSED_FOR)).state();
    int generatedBefore = generated.get();

    // spec.revoked is false, and nothing else asks for a key: it stays revoked, quietly.
    RotationPlan again = decide(UNUSED_30D, revoked, T0.plus(UNUSED_FOR).plus(DAY));
    assertThat(again.change()).isEqualTo(Change.NONE);
    assertThat(again.state()).isEqualTo(revoked);
    assertThat(again.nextCheck()).isNull();
    assertThat(generated).hasValue(generatedBefore);

    Instant later = T0.plus(UNUSED_FOR).plus(DAY.multipliedBy(2));
    RotationPlan back =
        RotationPlan.decide(UNUSED_30D, "give-it-back", revoked, 3, KeyUsage.NONE, later, keys);
    assertThat(back.change()).isEqualTo(Change.REISSUED_AFTER_REVOCATION);
    assertThat(back.state().version()).isEqualTo(4);
    assertThat(back.state().revokedAt()).isNull();
    assertThat(back.state().idleSince()).isEqualTo(later);
    assertThat(back.nextCheck()).isEqualTo(later.plus(UNUSED_FOR));
  }

  @Test
  void specRevokedTakesOverAnUnusedRevocationSoUnrevokingIssuesAKey() {
    KeyState unused = decide(UNUSED_30D, active(1, key(1), T0), T0.plus(UNUSED_FOR)).state();
    KeyPolicy revokedBySpec =
        policy(
            s -> {
              s.setRevokeWhenUnusedFor("30d");
              s.setRevoked(true);
            });

    RotationPlan bySpec = decide(revokedBySpec, unused, T0.plus(UNUSED_FOR).plus(DAY));
    assertThat(bySpec.state().revokedAt()).isEqualTo(unused.revokedAt());
    assertThat(bySpec.state().revokedReason()).isNull();

    RotationPlan back = decide(UNUSED_30D, bySpec.state(), T0.plus(UNUSED_FOR).plus(DAY));
    assertThat(back.change()).isEqualTo(Change.REISSUED_AFTER_REVOCATION);
  }

  @Test
  void withoutRevokeWhenUnusedForAnUnusedKeyIsKeptForever() {
    KeyPolicy standard = policy(s -> {});
    RotationPlan plan = decide(standard, active(1, key(1), T0), T0.plus(DAY.multipliedBy(10_000)));

    assertThat(plan.change()).isEqualTo(Change.NONE);
    assertThat(plan.nextCheck()).isNull();
  }
}
