package dev.keyward.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyward.Keyward;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The verifier's flags parse the way the README's table says; it is a keyward subcommand. */
class VerifierCommandTest {

  private static VerifierCommand parse(String... args) {
    VerifierCommand command = new VerifierCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void defaults() {
    VerifierCommand c = parse();
    assertThat(c.httpPort)
        .isEqualTo(Integer.parseInt(System.getenv().getOrDefault("KEYWARD_HTTP_PORT", "8081")));
    assertThat(c.usageGranularity)
        .isEqualTo(System.getenv().getOrDefault("KEYWARD_USAGE_GRANULARITY", "1h"));
    if (System.getenv("KEYWARD_WATCH_NAMESPACES") == null) {
      assertThat(c.watchNamespaces).isNull();
    }
  }

  @Test
  void flagsOverrideDefaults() {
    VerifierCommand c =
        parse("--http-port", "9091", "--watch-namespaces", "a,b", "--usage-granularity", "5m");
    assertThat(c.httpPort).isEqualTo(9091);
    assertThat(c.watchNamespaces).containsExactlyInAnyOrder("a", "b");
    assertThat(c.usageGranularity).isEqualTo("5m");
  }

  @Test
  void rateLimitsAreDividedAmongTheVerifierServiceWithoutAStore() throws Exception {
    if (System.getenv("KEYWARD_RATE_LIMIT_STORE") != null
        || System.getenv("KEYWARD_RATE_LIMIT_REPLICAS_OF") != null
        || System.getenv("POD_NAMESPACE") != null) {
      return; // the defaults below are the ones without those variables
    }
    RateLimiting limits = parse().rateLimiting("keyward");
    assertThat(limits.storeUrl()).isNull();
    assertThat(limits.onStoreError()).isEqualTo(RedisRateLimits.OnStoreError.LOCAL);
    assertThat(limits.replicasService()).isEqualTo("keyward-verifier");
    assertThat(limits.replicasNamespace()).isEqualTo("keyward");
    assertThat(parse("--rate-limit-replicas-of", "none").rateLimiting("keyward").replicasService())
        .isNull();
  }

  @Test
  void theStorePasswordComesFromAFileNeverFromTheUrl(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("password");
    Files.writeString(file, "hunter2-from-file\n");
    RateLimiting limits =
        parse(
                "--rate-limit-store",
                "rediss://valkey.cache:6380/2",
                "--rate-limit-store-password-file",
                file.toString(),
                "--rate-limit-on-store-error",
                "deny")
            .rateLimiting("keyward");
    assertThat(limits.storeUrl()).isEqualTo("rediss://valkey.cache:6380/2");
    assertThat(limits.storePassword()).isEqualTo("hunter2-from-file");
    assertThat(limits.onStoreError()).isEqualTo(RedisRateLimits.OnStoreError.DENY);
    assertThat(limits.toString()).doesNotContain("hunter2");

    assertThatThrownBy(
            () ->
                parse("--rate-limit-store", "redis://:hunter2@valkey:6379").rateLimiting("keyward"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not carry a password")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> parse("--rate-limit-store", "http://valkey:6379").rateLimiting("k"))
        .hasMessageContaining("redis://HOST:PORT[/DB]");
    assertThatThrownBy(() -> parse("--rate-limit-on-store-error", "maybe").rateLimiting("k"))
        .hasMessageContaining("local, allow or deny");
  }

  @Test
  void isASubcommandOfKeyward() {
    assertThat(Keyward.commandLine().getSubcommands()).containsKey("verifier");
  }

  @Test
  void granularityBelowOneSecondIsRefused() {
    try (var client = new KubernetesClientBuilder().build()) {
      Verifier.Settings settings = Verifier.Settings.of(client, Clock.systemUTC());
      assertThatThrownBy(() -> settings.withUsageGranularity(Duration.ofMillis(500)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least 1s");
      assertThat(settings.withUsageGranularity(Duration.ofSeconds(1)).usageGranularity())
          .isEqualTo(Duration.ofSeconds(1));
    }
  }
}
