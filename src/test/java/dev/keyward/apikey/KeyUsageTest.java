package dev.keyward.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ApiKey's last use as the roll-up of its versions' uses: it never moves back. */
class KeyUsageTest {

  static ApiKeyStatus status(String lastUsedAt, String keyLastUsedAt, String previousLastUsedAt) {
    ApiKeyStatus s = new ApiKeyStatus();
    s.setFingerprint("sha256:current");
    s.setLastUsedAt(lastUsedAt);
    s.setKeyLastUsedAt(keyLastUsedAt);
    PreviousKey previous = new PreviousKey("kw_a…b", "sha256:previous", "2027-01-08T00:00:00Z");
    previous.setLastUsedAt(previousLastUsedAt);
    s.setPreviousKey(previous);
    return s;
  }

  @Test
  void eachVersionsUseIsAttachedToItsFingerprint() {
    KeyUsage usage =
        KeyUsage.from(
            status("2027-01-03T00:00:00Z", "2027-01-02T00:00:00Z", "2027-01-03T00:00:00Z"));

    assertThat(usage.text("sha256:current")).isEqualTo("2027-01-02T00:00:00Z");
    assertThat(usage.text("sha256:previous")).isEqualTo("2027-01-03T00:00:00Z");
    assertThat(usage.latest()).isEqualTo("2027-01-03T00:00:00Z");
  }

  @Test
  void theApiKeysLastUseIsTheNewestOfItselfAndEveryVersion() {
    assertThat(KeyUsage.from(status("2027-01-05T00:00:00Z", "2027-01-02T00:00:00Z", null)).latest())
        .as("older versions' uses do not move it back")
        .isEqualTo("2027-01-05T00:00:00Z");
    assertThat(KeyUsage.from(status("2027-01-01T00:00:00Z", null, "2027-01-04T00:00:00Z")).latest())
        .as("a version's newer use, written by a verifier that knows no roll-up, moves it on")
        .isEqualTo("2027-01-04T00:00:00Z");
    assertThat(KeyUsage.from(status(null, "2027-01-02T00:00:00Z", null)).latest())
        .isEqualTo("2027-01-02T00:00:00Z");
    assertThat(KeyUsage.from(status("2027-01-05T00:00:00Z", null, null)).latest())
        .as("kept when no version holds a use any more")
        .isEqualTo("2027-01-05T00:00:00Z");
    assertThat(KeyUsage.from(status(null, null, null)).latest()).isNull();
    assertThat(new KeyUsage("not a time", Map.of("f", "2027-01-01T00:00:00Z")).latest())
        .isEqualTo("2027-01-01T00:00:00Z");
  }
}
