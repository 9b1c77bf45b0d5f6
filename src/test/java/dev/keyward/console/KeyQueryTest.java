package dev.keyward.console;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.PreviousKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys table's filters, order and pages on plain ApiKeys, without a server. */
class KeyQueryTest {

  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  static ApiKey key(String name, String lastUsed, String previousLastUsed, String expires) {
    ApiKey key = apiKey(name, s -> {});
    key.getMetadata().setNamespace("ns");
    ApiKeyStatus status = new ApiKeyStatus();
    status.setPhase("Active");
    status.setCreatedAt(NOW.minus(Duration.ofDays(365)).toString());
    status.setLastUsedAt(lastUsed);
    status.setExpiresAt(expires);
    if (previousLastUsed != null) {
      PreviousKey previous = new PreviousKey();
      previous.setLastUsedAt(previousLastUsed);
      status.setPreviousKey(previous);
    }
    key.setStatus(status);
    return key;
  }

  static String ago(Duration d) {
    return NOW.minus(d).toString();
  }

  static String in(Duration d) {
    return NOW.plus(d).toString();
  }

  @Test
  void unusedCountsTheNewerOfCurrentAndPreviousUseElseCreation() {
    Duration limit = KeyQuery.UNUSED_FOR;
    assertThat(KeyQuery.unusedSince(key("a", ago(limit.plusSeconds(1)), null, null), NOW)).isTrue();
    assertThat(KeyQuery.unusedSince(key("b", ago(limit.minusSeconds(1)), null, null), NOW))
        .isFalse();
    // The previous key was used yesterday during an overlap: in use.
    assertThat(
            KeyQuery.unusedSince(
                key("c", ago(limit.plusDays(10)), ago(Duration.ofDays(1)), null), NOW))
        .isFalse();
    // Never used, created a year ago.
    assertThat(KeyQuery.unusedSince(key("d", null, null, null), NOW)).isTrue();
    ApiKey fresh = key("e", null, null, null);
    fresh.getStatus().setCreatedAt(ago(Duration.ofDays(2)));
    assertThat(KeyQuery.unusedSince(fresh, NOW)).isFalse();
  }

  @Test
  void expiringMeansWithinSevenDaysAndNotAlreadyPast() {
    Duration within = KeyQuery.EXPIRING_WITHIN;
    assertThat(KeyQuery.expiresWithin(key("a", null, null, in(within)), NOW)).isTrue();
    assertThat(KeyQuery.expiresWithin(key("b", null, null, in(within.plusSeconds(1))), NOW))
        .isFalse();
    assertThat(KeyQuery.expiresWithin(key("c", null, null, ago(Duration.ofSeconds(1))), NOW))
        .isFalse();
    assertThat(KeyQuery.expiresWithin(key("d", null, null, null), NOW)).isFalse();
    assertThat(KeyQuery.expiresWithin(key("e", null, null, "not a time"), NOW)).isFalse();
  }

  @Test
  void pagesAreFiftyAndAPageBeyondTheEndShowsTheLast() {
    List<ApiKey> keys = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      keys.add(key(String.format("k%03d", i), null, null, null));
    }
    KeyQuery.Result first = KeyQuery.from(Map.of()).apply(keys, NOW);
    assertThat(first.rows()).hasSize(50);
    assertThat(first.pages()).isEqualTo(3);
    KeyQuery.Result beyond = KeyQuery.from(Map.of("page", "99")).apply(keys, NOW);
    assertThat(beyond.page()).isEqualTo(3);
    assertThat(beyond.rows()).extracting(k -> k.getMetadata().getName()).containsExactly("k100");
    assertThat(KeyQuery.from(Map.of("page", "-4")).page()).isEqualTo(1);
    assertThat(KeyQuery.from(Map.of("page", "x")).page()).isEqualTo(1);
    assertThat(KeyQuery.from(Map.of("sort", "<script>")).sort()).isEqualTo("name");
    assertThat(KeyQuery.from(Map.of()).apply(List.of(), NOW).pages()).isEqualTo(1);
  }

  @Test
  void lastUsedSortPutsTheMostRecentFirstAndNeverUsedLast() {
    List<ApiKey> keys =
        List.of(
            key("never", null, null, null),
            key("old", ago(Duration.ofDays(30)), null, null),
            key("overlap", ago(Duration.ofDays(60)), ago(Duration.ofHours(1)), null),
            key("recent", ago(Duration.ofDays(1)), null, null));
    assertThat(
            KeyQuery.from(Map.of("sort", "lastUsed")).apply(keys, NOW).rows().stream()
                .map(k -> k.getMetadata().getName()))
        .containsExactly("overlap", "recent", "old", "never");
  }
}
