package dev.keyward.toolsecret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyward.toolsecret.NamespaceQuota.Candidate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NamespaceQuotaTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static Candidate c(String name, int bytes, boolean active, int minute) {
    return new Candidate(name, bytes, active, T0.plusSeconds(60L * minute));
  }

  @Test
  void activeValuesStayWhenANewOneWouldPassTheLimit() {
    // The new one is older than an active one, and still does not push it out.
    var admitted =
        NamespaceQuota.admitted(
            List.of(c("active-a", 40, true, 5), c("active-b", 40, true, 6), c("new", 30, false, 0)),
            100);
    assertThat(admitted).containsExactlyInAnyOrder("active-a", "active-b");
  }

  @Test
  void exactlyAtTheLimitFitsAndOneByteOverDoesNot() {
    assertThat(NamespaceQuota.admitted(List.of(c("a", 60, true, 0), c("b", 40, false, 1)), 100))
        .contains("b");
    assertThat(NamespaceQuota.admitted(List.of(c("a", 60, true, 0), c("b", 41, false, 1)), 100))
        .doesNotContain("b");
  }

  @Test
  void aSmallerLaterValueStillFits() {
    assertThat(
            NamespaceQuota.admitted(
                List.of(c("a", 60, true, 0), c("big", 50, false, 1), c("small", 30, false, 2)),
                100))
        .containsExactlyInAnyOrder("a", "small");
  }

  @ParameterizedTest
  @CsvSource({"512Ki,524288", "1Mi,1048576", "524288,524288", "0,0", "2Gi,2147483648"})
  void sizes(String text, long bytes) {
    assertThat(NamespaceQuota.parseSize(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "512K", "1.5Mi", "-1", "lots"})
  void badSizes(String text) {
    assertThatThrownBy(() -> NamespaceQuota.parseSize(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("512Ki");
  }
}
