package dev.keyward.toolsecret;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestToolSecrets.plainSecret;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static dev.keyward.testing.TestToolSecrets.valueFrom;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.common.Conditions;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.Condition;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The watch on the Secrets {@code valueFrom} reads: started from a list's resourceVersion so any
 * API server serves it, opened only while a ToolSecret needs it, and visible when it fails.
 */
class SourceSecretWatchTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();

  /** What kube-apiserver 1.32 on etcd 3.4 answers to a watch that asks for initial events. */
  static final String NO_WATCH_PROGRESS =
      "a watch stream was requested by the client but the required storage feature"
          + " RequestWatchProgress is disabled";

  private static String decoded(RequestLog.Request r) {
    return URLDecoder.decode(r.path(), StandardCharsets.UTF_8);
  }

  private static boolean secretWatch(RequestLog.Request r) {
    return "GET".equals(r.method())
        && r.path().contains("/secrets?")
        && decoded(r).contains("watch=true");
  }

  /** A watch that the old etcd cannot serve: no resourceVersion, or initial events asked for. */
  private static boolean needsWatchProgress(RequestLog.Request r) {
    return secretWatch(r)
        && (!decoded(r).contains("resourceVersion=")
            || decoded(r).contains("sendInitialEvents=true"));
  }

  private static boolean sourceWatch(RequestLog.Request r) {
    return secretWatch(r) && decoded(r).contains("!" + ToolValueSecret.LABEL);
  }

  private void createSource(String value) {
    harness
        .admin()
        .secrets()
        .resource(plainSecret(harness.namespace(), "jira-source", "token", value))
        .createOr(s -> s.update());
  }

  private void createValueFromToolSecret() {
    harness.create(
        toolSecret(
            "jira-token",
            s -> {
              s.setValueFrom(valueFrom("jira-source", "token"));
              s.setTool("jira");
            }));
  }

  private static Condition sourceWatched(ToolSecret t) {
    return t.getStatus() == null
        ? null
        : Conditions.find(t.getStatus().getConditions(), ToolSecretStatuses.SOURCE_WATCHED);
  }

  private String watchGauge() {
    return harness
        .operator()
        .registry()
        .scrape()
        .lines()
        .filter(l -> l.startsWith("keyward_source_secret_watch_up{"))
        .filter(l -> l.contains("namespace=\"" + harness.namespace() + "\""))
        .findFirst()
        .orElse(null);
  }

  @Test
  void valueFromIsFollowedOnAServerThatRefusesWatchesAskingForInitialEvents() {
    harness.refuse(SourceSecretWatchTest::needsWatchProgress, 500, NO_WATCH_PROGRESS);
    createSource("jira-first-value");
    createValueFromToolSecret();
    waiting().until(() -> value(harness.secret("jira-token"), "value"), "jira-first-value"::equals);

    createSource("jira-second-value");
    waiting()
        .until(() -> value(harness.secret("jira-token"), "value"), "jira-second-value"::equals);
    assertThat(harness.requests().requests()).anyMatch(SourceSecretWatchTest::sourceWatch);
    assertThat(harness.requests().requests()).noneMatch(SourceSecretWatchTest::needsWatchProgress);
    assertThat(sourceWatched(harness.toolSecret("jira-token"))).isNull();
    assertThat(harness.operator().ready()).isTrue();
    assertThat(watchGauge()).endsWith(" 1.0");
  }

  @Test
  void aWatchThatCannotBeEstablishedFailsReadinessAndIsShownOnTheToolSecretUntilItWorks() {
    harness.refuse(SourceSecretWatchTest::sourceWatch, 500, NO_WATCH_PROGRESS);
    createSource("jira-first-value");
    createValueFromToolSecret();

    ToolSecret unwatched =
        harness.awaitToolSecret(
            "jira-token",
            t -> sourceWatched(t) != null && "Active".equals(t.getStatus().getPhase()));
    assertThat(sourceWatched(unwatched).getStatus()).isEqualTo("False");
    assertThat(sourceWatched(unwatched).getReason()).isEqualTo("SourceWatchFailed");
    assertThat(sourceWatched(unwatched).getMessage()).contains("RequestWatchProgress");
    assertThat(value(harness.secret("jira-token"), "value")).isEqualTo("jira-first-value");
    assertThat(harness.operator().ready()).isFalse();
    assertThat(watchGauge()).endsWith(" 0.0");

    harness.stopRefusing();
    harness.awaitToolSecret("jira-token", t -> sourceWatched(t) == null);
    waiting().until(() -> harness.operator().ready());
    assertThat(watchGauge()).endsWith(" 1.0");
    createSource("jira-second-value");
    waiting()
        .until(() -> value(harness.secret("jira-token"), "value"), "jira-second-value"::equals);
  }

  @Test
  void secretsAreWatchedOnlyWhileAToolSecretUsesValueFrom() {
    harness.create(
        toolSecret(
            "sealed",
            s -> {
              s.setEncryptedValue(harness.seal("lin_api_0123456789abcdefABCDEF", "sealed"));
              s.setTool("linear");
            }));
    harness.awaitToolSecret(
        "sealed", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    assertThat(harness.requests().requests()).noneMatch(SourceSecretWatchTest::sourceWatch);
    assertThat(watchGauge()).isNull();

    createSource("jira-first-value");
    createValueFromToolSecret();
    waiting().until(() -> "1.0".equals(lastField(watchGauge())));
    assertThat(harness.requests().requests()).anyMatch(SourceSecretWatchTest::sourceWatch);

    harness.toolSecrets().inNamespace(harness.namespace()).withName("jira-token").delete();
    waiting().until(() -> watchGauge() == null);
  }

  private static String lastField(String line) {
    return line == null ? null : line.substring(line.lastIndexOf(' ') + 1);
  }
}
