package dev.keyward.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({
    "90d, PT2160H",
    "36h, PT36H",
    "15m, PT15M",
    "30s, PT30S",
    "1s, PT1S",
    "1h30m, PT1H30M",
    "1d12h, PT36H",
    "' 40s ', PT40S"
  })
  void parsesWhatPeopleWrite(String text, Duration expected) {
    assertThat(Durations.parse("spec.expiresAfter", text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "90", "d", "-5d", "5x", "1.5h", "P90D", "90 d", "never", "5dd"})
  void refusesMalformedDurationsWithAnActionableMessage(String text) {
    assertThatThrownBy(() -> Durations.parse("spec.expiresAfter", text))
        .isInstanceOf(Durations.InvalidDurationException.class)
        .hasMessageContaining("spec.expiresAfter")
        .hasMessageContaining("for example 90d");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "0d", "0h0m"})
  void refusesZero(String text) {
    assertThatThrownBy(() -> Durations.parse("spec.rotation.overlap", text))
        .hasMessageContaining("longer than zero");
  }

  @ParameterizedTest
  @ValueSource(strings = {"36501d", "999999999d"})
  void refusesAbsurdlyLongDurations(String text) {
    assertThatThrownBy(() -> Durations.parse("spec.expiresAfter", text))
        .hasMessageContaining("maximum");
  }

  @ParameterizedTest
  @ValueSource(strings = {"never", " never "})
  void neverMeansNoExpiry(String text) {
    assertThat(Durations.parseOrNever("spec.expiresAfter", text)).isEqualTo(Optional.empty());
  }

  @ParameterizedTest
  @CsvSource({"PT2160H, 90d", "PT36H, 1d12h", "PT40S, 40s", "PT0S, 0s", "PT1H0M1S, 1h1s"})
  void formatsLargestUnitsFirst(Duration duration, String expected) {
    assertThat(Durations.format(duration)).isEqualTo(expected);
  }
}
