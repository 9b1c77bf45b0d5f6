package dev.keyward.runtime;

import static dev.keyward.testing.OperatorHarness.value;
import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.sealing.PublicKeys;
import dev.keyward.testing.OperatorHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator's HTTP port as Kubernetes probes, Prometheus and `keyward seal` use it. */
class OperatorEndpointsTest {

  @RegisterExtension final OperatorHarness harness = new OperatorHarness();
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void withHttp() {
    harness.configure(s -> s.withHttpPort(0));
    harness.restart();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + harness.operator().httpPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void probesAnswer() throws Exception {
    harness.stop();
    long started = System.nanoTime();
    harness.start();
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    waiting().pollInterval(Duration.ofMillis(5)).until(() -> get("/readyz").statusCode() == 200);
    System.out.printf(
        "startup to ready: %d ms%n", Duration.ofNanos(System.nanoTime() - started).toMillis());
    assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + harness.operator().httpPort() + "/healthz"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void publicKeysFromHttpSealValuesTheOperatorOpens() throws Exception {
    HttpResponse<String> keys = get("/v1/sealing-public-keys");
    assertThat(keys.statusCode()).isEqualTo(200);
    assertThat(keys.headers().firstValue("Content-Type")).hasValue("application/json");
    PublicKeys publicKeys = PublicKeys.fromJson(keys.body());
    harness.create(
        toolSecret(
            "via-http",
            s ->
                s.setEncryptedValue(
                    publicKeys.seal("tok-via-http", harness.namespace(), "via-http"))));
    harness.awaitToolSecret(
        "via-http", t -> t.getStatus() != null && "Active".equals(t.getStatus().getPhase()));
    assertThat(value(harness.secret("via-http"), "value")).isEqualTo("tok-via-http");
  }

  /** A timestamp as the Prometheus text format prints a gauge: seconds, in scientific notation. */
  private static String epochSeconds(String time) {
    return Double.toString((double) java.time.OffsetDateTime.parse(time).toEpochSecond());
  }

  @Test
  void metricsAfterARotation() throws Exception {
    String ns = harness.namespace();
    harness.create(
        apiKey(
            "rotating",
            s -> {
              s.setExpiresAfter("40m"); // minutes: no second rotation on a busy machine
              s.setRotation(rotation(true, "20m"));
            }));
    harness.create(
        apiKey(
            "expiring",
            s -> {
              s.setExpiresAfter("30d");
              s.setRotation(rotation(false, null));
            }));
    // Well-formed, so the CRD's rules let it in, but sealed for another object.
    harness.create(
        toolSecret("broken", s -> s.setEncryptedValue(harness.seal("tok-1234", "other"))));
    harness.awaitApiKey(
        "rotating",
        k -> k.getStatus() != null && Integer.valueOf(1).equals(k.getStatus().getKeyVersion()));
    harness.awaitApiKey(
        "expiring", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    harness.tick(Duration.ofMinutes(21));
    harness.awaitApiKey("rotating", k -> Integer.valueOf(2).equals(k.getStatus().getKeyVersion()));
    harness.awaitToolSecret(
        "broken", t -> t.getStatus() != null && "Failed".equals(t.getStatus().getPhase()));

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/plain; version=0.0.4");
    String body = metrics.body();
    System.out.println(
        body.lines()
            .filter(l -> l.startsWith("keyward_") || l.startsWith("operator_sdk_reconciliations"))
            .reduce("", (a, b) -> a + b + "\n"));
    assertThat(body)
        .contains("keyward_api_keys{namespace=\"" + ns + "\",phase=\"Active\"} 2.0")
        .contains(
            "keyward_api_key_rotations_total{namespace=\"" + ns + "\",reason=\"Scheduled\"} 1.0")
        .contains(
            "keyward_api_key_expiration_timestamp_seconds{name=\"expiring\",namespace=\""
                + ns
                + "\"}")
        .contains(
            "keyward_api_key_expiration_timestamp_seconds{name=\"rotating\",namespace=\""
                + ns
                + "\"} "
                + epochSeconds(harness.apiKey("rotating").getStatus().getExpiresAt()))
        .contains(
            "keyward_api_key_rotation_timestamp_seconds{name=\"rotating\",namespace=\""
                + ns
                + "\"} "
                + epochSeconds(harness.apiKey("rotating").getStatus().getRotatesAt()))
        .doesNotContain("keyward_api_key_rotation_timestamp_seconds{name=\"expiring\"")
        .contains("keyward_tool_secrets{namespace=\"" + ns + "\",phase=\"Failed\"} 1.0")
        .contains(
            "keyward_unseal_failures_total{namespace=\"" + ns + "\",reason=\"WrongObject\"} 1.0")
        .contains("keyward_events_dropped_total 0.0")
        .contains("operator_sdk_");
    String key = value(harness.secret("rotating"), "apiKey");
    assertThat(body).doesNotContain(key);
    harness.edit(
        "expiring",
        k -> {
          k.getSpec().setRevoked(true);
          return k;
        });
    harness.awaitApiKey("expiring", k -> "Revoked".equals(k.getStatus().getPhase()));
    assertThat(get("/metrics").body())
        .as("a revoked key has no value left to expire")
        .doesNotContain("keyward_api_key_expiration_timestamp_seconds{name=\"expiring\"");
    assertThat(body).doesNotContain(key);
  }

  @Test
  void lastUsedMetricFollowsTheVerifiersStatusWritesWithoutAReconcile() throws Exception {
    String ns = harness.namespace();
    harness.create(apiKey("used", s -> {}));
    harness.create(apiKey("never-used", s -> {}));
    harness.awaitApiKey(
        "used", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    harness.awaitApiKey(
        "never-used", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    int reconciles = harness.reconcileCount("used");
    String lastUsed = "2026-03-01T12:00:00Z";
    harness
        .apiKeys()
        .inNamespace(ns)
        .withName("used")
        .subresource("status")
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"status\":{\"lastUsedAt\":\"" + lastUsed + "\"}}");

    String usedSeries =
        "keyward_api_key_last_used_timestamp_seconds{name=\"used\",namespace=\"" + ns + "\"} ";
    String body = waiting().until(() -> get("/metrics").body(), b -> b.contains(usedSeries));
    double value =
        Double.parseDouble(
            body.lines()
                .filter(l -> l.startsWith(usedSeries))
                .findFirst()
                .orElseThrow()
                .substring(usedSeries.length()));
    assertThat((long) value).isEqualTo(java.time.Instant.parse(lastUsed).getEpochSecond());
    assertThat(body)
        .doesNotContain("keyward_api_key_last_used_timestamp_seconds{name=\"never-used\"")
        .contains(
            "keyward_api_key_created_timestamp_seconds{name=\"never-used\",namespace=\""
                + ns
                + "\"}");
    assertThat(harness.reconcileCount("used"))
        .as("a usage write is no reason to reconcile")
        .isEqualTo(reconciles);
  }
}
