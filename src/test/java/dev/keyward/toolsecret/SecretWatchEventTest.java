package dev.keyward.toolsecret;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the `valueFrom` watch reads each line the API server streams. */
class SecretWatchEventTest {

  @Test
  void aChangedSecretIsNamed() {
    SecretWatchEvent event =
        SecretWatchEvent.read(
            "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Secret\",\"metadata\":{\"name\":\"gh\"}}}");
    assertThat(event.changedSecret()).isEqualTo("gh");
    assertThat(event.error()).isFalse();
  }

  @Test
  void goneEndsTheStreamWithoutARefusal() {
    SecretWatchEvent event =
        SecretWatchEvent.read(
            "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
                + "\"message\":\"too old resource version\"}}");
    assertThat(event.error()).isTrue();
    assertThat(event.refusal()).isNull();
  }

  @Test
  void anyOtherErrorIsARefusalWithTheServersWords() {
    SecretWatchEvent event =
        SecretWatchEvent.read(
            "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,\"message\":\"a watch"
                + " stream was requested by the client but the required storage feature"
                + " RequestWatchProgress is disabled\"}}");
    assertThat(event.error()).isTrue();
    assertThat(event.refusal()).contains("RequestWatchProgress is disabled");
  }

  @Test
  void bookmarksBlankAndUnreadableLinesAskForNothing() {
    assertThat(SecretWatchEvent.read("{\"type\":\"BOOKMARK\",\"object\":{}}"))
        .isEqualTo(SecretWatchEvent.NOTHING);
    assertThat(SecretWatchEvent.read("  ")).isEqualTo(SecretWatchEvent.NOTHING);
    assertThat(SecretWatchEvent.read("{not json")).isEqualTo(SecretWatchEvent.NOTHING);
  }

  @Test
  void aRefusedRequestShowsTheStatusMessageOrItsCode() {
    assertThat(
            SecretWatchEvent.statusMessage("{\"kind\":\"Status\",\"message\":\"forbidden\"}", 403))
        .isEqualTo("forbidden");
    assertThat(SecretWatchEvent.statusMessage("<html>", 502)).isEqualTo("HTTP 502");
    assertThat(SecretWatchEvent.statusMessage(null, 500)).isEqualTo("HTTP 500");
  }
}
