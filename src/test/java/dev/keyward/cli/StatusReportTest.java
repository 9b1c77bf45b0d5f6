package dev.keyward.cli;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.PreviousKey;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code keyward status} says for the states a key can be in, without a cluster. */
class StatusReportTest {

  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  static ApiKey key(String phase, Long generation, Long observed) {
    ApiKey key = apiKey("k", s -> {});
    key.getMetadata().setNamespace("agents");
    key.getMetadata().setGeneration(generation);
    ApiKeyStatus status = new ApiKeyStatus();
    status.setPhase(phase);
    status.setObservedGeneration(observed);
    key.setStatus(status);
    return key;
  }

  static Event event(String reason, Instant at) {
    return new EventBuilder()
        .withNewMetadata()
        .withName("k." + reason + at.getEpochSecond())
        .endMetadata()
        .withType("Normal")
        .withReason(reason)
        .withMessage(reason + " message")
        .withLastTimestamp(at.toString())
        .build();
  }

  @Test
  void aKeyThatNeverExpiresHasNothingScheduled() {
    ApiKey key = key("Active", 1L, 1L);
    key.getStatus().setKeyVersion(1);
    key.getStatus().setIssuedAt("2026-05-01T00:00:00Z");
    String report = StatusReport.apiKey(key, List.of(), NOW);
    assertThat(report)
        .contains("Expires:      never")
        .contains("Issued:       2026-05-01T00:00:00Z (31d 12h ago)")
        .contains("Next:\n  nothing scheduled: it does not expire");
  }

  @Test
  void aFailedKeyShowsItsReasonAndThatNothingHappensUntilFixed() {
    ApiKey key = key("Failed", 2L, 2L);
    key.getStatus()
        .setConditions(
            List.of(
                new ConditionBuilder()
                    .withType("Ready")
                    .withStatus("False")
                    .withReason("InvalidDuration")
                    .withMessage("spec.expiresAfter \"9x\" is not a duration")
                    .build()));
    assertThat(StatusReport.apiKey(key, List.of(), NOW))
        .containsPattern("Phase: +Failed  Ready=False InvalidDuration")
        .contains("Message:      spec.expiresAfter \"9x\" is not a duration")
        .contains("nothing until the spec or the conflict is fixed");
  }

  @Test
  void aSpecTheOperatorHasNotSeenYetIsPointedOut() {
    assertThat(StatusReport.apiKey(key("Active", 3L, 2L), List.of(), NOW))
        .contains("not yet acted on the latest spec (generation 3, status describes 2)");
    assertThat(StatusReport.apiKey(key("Active", 2L, 2L), List.of(), NOW))
        .doesNotContain("latest spec");
    assertThat(StatusReport.apiKey(key(null, 1L, null), List.of(), NOW))
        .contains("(none yet: the operator has not looked at it)")
        .contains("the operator's first look at it");
  }

  @Test
  void upcomingTimesAreSortedAndPastOnesAreOverdue() {
    ApiKey key = key("Active", 1L, 1L);
    key.getStatus().setExpiresAt("2026-06-08T12:00:00Z");
    key.getStatus().setRotatesAt("2026-06-01T11:00:00Z");
    key.getStatus()
        .setPreviousKey(new PreviousKey("kw_a…1234", "sha256:00", "2026-06-01T12:30:00Z"));
    String next = StatusReport.apiKey(key, List.of(), NOW).split("Next:\n")[1];
    List<String> lines = next.lines().takeWhile(l -> l.startsWith("  ")).toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .contains("(1h ago)  rotation")
        .endsWith("OVERDUE: is the operator running?");
    assertThat(lines.get(1))
        .contains("(in 30m)  the previous key stops working")
        .doesNotContain("OVERDUE");
  }

  @Test
  void showsTheNewestTenEventsOldestFirst() {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      events.add(event("Reason" + i, NOW.minus(Duration.ofMinutes(14 - i))));
    }
    java.util.Collections.shuffle(events);
    String report = StatusReport.apiKey(key("Active", 1L, 1L), events, NOW);
    List<String> shown =
        report.split("Events \\(newest last\\):\n")[1].lines().map(l -> l.split("  ")[3]).toList();
    assertThat(shown)
        .containsExactly(
            "Reason4",
            "Reason5",
            "Reason6",
            "Reason7",
            "Reason8",
            "Reason9",
            "Reason10",
            "Reason11",
            "Reason12",
            "Reason13");
  }

  @Test
  void humanDurations() {
    assertThat(StatusReport.human(Duration.ofSeconds(59))).isEqualTo("59s");
    assertThat(StatusReport.human(Duration.ofSeconds(90))).isEqualTo("1m 30s");
    assertThat(StatusReport.human(Duration.ofHours(5))).isEqualTo("5h");
    assertThat(StatusReport.human(Duration.ofDays(89).plusHours(23).plusMinutes(59)))
        .isEqualTo("89d 23h");
  }
}
