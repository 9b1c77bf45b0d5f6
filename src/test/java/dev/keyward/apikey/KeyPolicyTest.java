package dev.keyward.apikey;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.secrets.SecretTarget;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyPolicyTest {

  static Arguments bad(String what, String reason, String mentions, Consumer<ApiKeySpec> spec) {
    return Arguments.of(what, reason, mentions, spec);
  }

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        bad("unknown type", "InvalidType", "Agent or Standard", s -> s.setType("Robot")),
        bad("lower-case type", "InvalidType", "Agent or Standard", s -> s.setType("agent")),
        bad("empty display name", "InvalidDisplayName", "1 to 1024", s -> s.setDisplayName("")),
        bad(
            "display name too long",
            "InvalidDisplayName",
            "1 to 1024",
            s -> s.setDisplayName("x".repeat(1025))),
        bad("words for a duration", "InvalidDuration", "90d", s -> s.setExpiresAfter("90 days")),
        bad("ISO duration", "InvalidDuration", "spec.expiresAfter", s -> s.setExpiresAfter("P90D")),
        bad("zero lifetime", "InvalidDuration", "longer than zero", s -> s.setExpiresAfter("0s")),
        bad(
            "negative overlap",
            "InvalidDuration",
            "spec.rotation.overlap",
            s -> {
              s.setExpiresAfter("90d");
              s.setRotation(rotation(true, "-1d"));
            }),
        bad(
            "overlap longer than lifetime",
            "InvalidRotation",
            "at most half",
            s -> {
              s.setExpiresAfter("1d");
              s.setRotation(rotation(true, "2d"));
            }),
        bad(
            "prefix with space",
            "InvalidKeyFormat",
            "spec.format.prefix",
            s -> {
              s.setFormat(new FormatSettings());
              s.getFormat().setPrefix("my key");
            }),
        bad(
            "too few random characters",
            "InvalidKeyFormat",
            "128 bits",
            s -> {
              s.setFormat(new FormatSettings());
              s.getFormat().setLength(16);
            }),
        bad(
            "upper-case Secret name",
            "InvalidSecret",
            "spec.secret.name",
            s -> {
              s.setSecret(new SecretTarget());
              s.getSecret().setName("My_Secret");
            }),
        bad(
            "data key with slash",
            "InvalidSecret",
            "spec.secret.key",
            s -> {
              s.setSecret(new SecretTarget());
              s.getSecret().setKey("a/b");
            }),
        bad(
            "words for revokeWhenUnusedFor",
            "InvalidDuration",
            "spec.revokeWhenUnusedFor",
            s -> s.setRevokeWhenUnusedFor("three months")),
        bad(
            "zero revokeWhenUnusedFor",
            "InvalidDuration",
            "longer than zero",
            s -> s.setRevokeWhenUnusedFor("0d")),
        bad(
            "rate limit of zero requests",
            "InvalidRateLimit",
            "spec.rateLimit.requests (0) must be at least 1",
            s -> s.setRateLimit(new RateLimit(0, "1m"))),
        bad(
            "rate limit without requests",
            "InvalidRateLimit",
            "spec.rateLimit.requests",
            s -> s.setRateLimit(new RateLimit(null, "1m"))),
        bad(
            "rate limit without a period",
            "InvalidRateLimit",
            "spec.rateLimit.per is required",
            s -> s.setRateLimit(new RateLimit(100, null))),
        bad(
            "rate limit per a fraction of a second",
            "InvalidRateLimit",
            "spec.rateLimit.per",
            s -> s.setRateLimit(new RateLimit(100, "500ms"))),
        bad(
            "rate limit per zero seconds",
            "InvalidRateLimit",
            "longer than zero",
            s -> s.setRateLimit(new RateLimit(100, "0s"))));
  }

  @Test
  void revokeWhenUnusedForIsOptionalAndAcceptsNever() {
    assertThat(KeyPolicy.from(apiKey("a", s -> {})).policy().revokeWhenUnusedFor()).isEmpty();
    assertThat(
            KeyPolicy.from(apiKey("a", s -> s.setRevokeWhenUnusedFor("never")))
                .policy()
                .revokeWhenUnusedFor())
        .isEmpty();
    assertThat(
            KeyPolicy.from(apiKey("a", s -> s.setRevokeWhenUnusedFor("90d")))
                .policy()
                .revokeWhenUnusedFor())
        .contains(Duration.ofDays(90));
  }

  @Test
  void aValidRateLimitIsAccepted() {
    KeyPolicy.Checked checked =
        KeyPolicy.from(apiKey("a", s -> s.setRateLimit(new RateLimit(1, "1s"))));
    assertThat(checked.problem()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSpecs")
  void refusesBadSpecWithItsOwnReasonAndAHint(
      String what, String reason, String mentions, Consumer<ApiKeySpec> spec) {
    KeyPolicy.Checked checked = KeyPolicy.from(apiKey("k", spec));

    assertThat(checked.policy()).isNull();
    assertThat(checked.problem().reason()).isEqualTo(reason);
    assertThat(checked.problem().message()).contains(mentions);
  }

  @Test
  void agentDefaults() {
    KeyPolicy p = KeyPolicy.from(apiKey("a", s -> s.setType("Agent"))).policy();

    assertThat(p.lifetime()).contains(Duration.ofDays(90));
    assertThat(p.rotationEnabled()).isTrue();
    assertThat(p.overlap()).isEqualTo(Duration.ofDays(7));
    assertThat(p.prefix()).isEqualTo("kwa_");
    assertThat(p.length()).isEqualTo(32);
    assertThat(p.displayName()).isEqualTo("a");
    assertThat(p.secretName()).isEqualTo("a");
    assertThat(p.dataKey()).isEqualTo("apiKey");
  }

  @Test
  void standardDefaultsNeverExpire() {
    KeyPolicy p = KeyPolicy.from(apiKey("s", s -> {})).policy();

    assertThat(p.lifetime()).isEmpty();
    assertThat(p.rotationEnabled()).isFalse();
    assertThat(p.prefix()).isEqualTo("kw_");
  }

  @Test
  void shortLifetimesDefaultToAQuarterOverlap() {
    KeyPolicy p = KeyPolicy.from(apiKey("s", s -> s.setExpiresAfter("40s"))).policy();

    assertThat(p.rotationEnabled()).isTrue();
    assertThat(p.overlap()).isEqualTo(Duration.ofSeconds(10));
  }
}
