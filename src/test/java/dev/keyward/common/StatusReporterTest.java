package dev.keyward.common;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reconcile that runs on a cached object from before the last status write reached the informer
 * must not warn again about the problem it just reported.
 */
class StatusReporterTest {

  final List<String> warnings = new ArrayList<>();
  final EventRecorder events =
      new EventRecorder(null, Clock.systemUTC()) {
        @Override
        public void warning(HasMetadata object, String reason, String message) {
          warnings.add(reason);
        }
      };
  final StatusReporter<ApiKey, ApiKeyStatus> report = new StatusReporter<>(events, (k, s) -> {});
  final SpecProblem badType = new SpecProblem("InvalidType", "spec.type must be Agent or Standard");

  ApiKey stale(long generation) {
    ApiKey key = apiKey("k", s -> s.setType("Robot"));
    key.getMetadata().setUid("uid-1");
    key.getMetadata().setGeneration(generation);
    return key;
  }

  @Test
  void aStaleCopyDoesNotWarnTwice() {
    report.warnOnce(stale(1), badType);
    report.warnOnce(stale(1), badType);
    assertThat(warnings).containsExactly("InvalidType");
  }

  @Test
  void aNewGenerationWithTheSameMistakeWarnsAgain() {
    report.warnOnce(stale(1), badType);
    report.warnOnce(stale(2), badType);
    assertThat(warnings).containsExactly("InvalidType", "InvalidType");
  }

  @Test
  void aRecoveryClearsTheMemorySoTheSameMistakeLaterWarnsAgain() {
    report.warnOnce(stale(1), badType);
    ApiKeyStatus ready = new ApiKeyStatus();
    ready.setConditions(
        Conditions.ready(true, "KeyActive", "ok", 1L, null, Instant.parse("2026-11-30T00:00:00Z")));
    report.settle(stale(1), ready);
    report.warnOnce(stale(1), badType);
    assertThat(warnings).containsExactly("InvalidType", "InvalidType");
  }
}
