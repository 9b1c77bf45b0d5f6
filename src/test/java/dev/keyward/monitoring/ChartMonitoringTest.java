package dev.keyward.monitoring;

import static dev.keyward.testing.OperatorHarness.waiting;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static dev.keyward.testing.TestApiKeys.rotation;
import static dev.keyward.testing.TestToolSecrets.toolSecret;
import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.WithoutCrdRules;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chart's alert rules and Grafana dashboard against what a running operator exports: every
 * series a rule or a panel reads is scraped, with the labels the rule uses, and each rule,
 * evaluated on the scraped values, fires for the stuck rotation, the key about to expire, the
 * unseal failure and the failing reconcile it is for, and stays quiet for healthy keys.
 */
class ChartMonitoringTest {

  static final Duration TEN_MINUTES_AND_A_BIT = Duration.ofMinutes(10).plusSeconds(30);

  @RegisterExtension final OperatorHarness harness = new OperatorHarness().withClientRetries(0);
  final HttpClient http = HttpClient.newHttpClient();

  /** Alert name to rule, as the chart renders them with prometheusRule.enabled. */
  static Map<String, Map<String, Object>> rules;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void renderRules() {
    String yaml = render("prometheusRule.enabled");
    rules = new LinkedHashMap<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.contains("kind: PrometheusRule")) {
        GenericKubernetesResource rule = Serialization.unmarshal(doc);
        List<Map<String, Object>> groups = rule.get("spec", "groups");
        for (Map<String, Object> group : groups) {
          for (Map<String, Object> r : (List<Map<String, Object>>) group.get("rules")) {
            rules.put((String) r.get("alert"), r);
          }
        }
      }
    }
    assertThat(rules)
        .containsKeys(
            "KeywardApiKeyExpiringSoon",
            "KeywardApiKeyRotationOverdue",
            "KeywardUnsealFailures",
            "KeywardToolGrantIncomplete",
            "KeywardReconcileErrors");
  }

  static String render(String... enabled) {
    var command =
        new Helm(Path.of("helm", "keyward"))
            .template()
            .withName("keyward")
            .withNamespace("keyward-system");
    for (String value : enabled) {
      command.set(value, true);
    }
    return command.call();
  }

  /** The dashboard JSON as the chart ships it in its ConfigMap, or null when none is rendered. */
  static Map<String, Object> dashboard(String yaml) {
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.contains("kind: ConfigMap") && doc.contains("grafana_dashboard")) {
        ConfigMap map = Serialization.unmarshal(doc, ConfigMap.class);
        assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        return Serialization.unmarshal(map.getData().get("keyward.json"), Map.class);
      }
    }
    return null;
  }

  @BeforeEach
  void withHttp() {
    harness.configure(s -> s.withHttpPort(0));
    harness.restart();
  }

  @Test
  void everySeriesARuleReadsIsExportedWithTheLabelsItUses() throws Exception {
    PromQl.Scrape scrape = scrapeWithEverySeries();

    for (var rule : rules.entrySet()) {
      String expr = (String) rule.getValue().get("expr");
      Set<String> metrics = PromQl.metricNames(expr);
      assertThat(metrics).as("%s reads a metric", rule.getKey()).isNotEmpty();
      for (String metric : metrics) {
        var series = scrape.metric(metric);
        assertThat(series)
            .as("%s reads %s, which the operator exports", rule.getKey(), metric)
            .isNotEmpty();
        Set<String> used = new java.util.TreeSet<>(PromQl.matchingLabels(expr));
        used.addAll(labelsInAnnotations(rule.getValue()));
        if (!expr.contains("sum(")) {
          for (Map<String, String> labels : series.keySet()) {
            assertThat(labels.keySet())
                .as("%s: labels of %s", rule.getKey(), metric)
                .containsAll(used);
          }
        }
      }
    }
  }

  @Test
  void stuckRotationFiresOverdueAndExpiringUntilTheKeyRotates() throws Exception {
    createKeys();
    double now = nowSeconds();
    PromQl.Scrape healthy = scrape();
    assertThat(fired("KeywardApiKeyRotationOverdue", healthy, now)).isEmpty();
    assertThat(fired("KeywardApiKeyExpiringSoon", healthy, now)).isEmpty();

    // Every write to the rotating key's Secret fails: its rotation cannot happen.
    AtomicBoolean failWrites = new AtomicBoolean(true);
    harness
        .requests()
        .answerWithErrors(r -> failWrites.get() && isSecretWrite(r, "rotating") ? 500 : 0);
    harness.tick(Duration.ofSeconds(21));
    waiting()
        .until(
            () ->
                scrape().metric("operator_sdk_reconciliations_failed_total").values().stream()
                        .mapToDouble(d -> d)
                        .sum()
                    > 0);
    PromQl.Scrape stuck = scrape();
    assertThat(harness.apiKey("rotating").getStatus().getKeyVersion()).isEqualTo(1);

    double soonAfterDue = nowSeconds();
    assertThat(fired("KeywardApiKeyRotationOverdue", stuck, soonAfterDue))
        .as("less than 10 minutes late is not yet overdue")
        .isEmpty();
    assertThat(fired("KeywardApiKeyExpiringSoon", stuck, soonAfterDue)).isEmpty();
    double late = soonAfterDue + TEN_MINUTES_AND_A_BIT.toSeconds();
    assertThat(names(fired("KeywardApiKeyRotationOverdue", stuck, late)))
        .containsExactly("rotating");
    assertThat(names(fired("KeywardApiKeyExpiringSoon", stuck, late))).containsExactly("rotating");
    assertThat(fired("KeywardReconcileErrors", List.of(healthy, stuck), late)).isNotEmpty();

    failWrites.set(false);
    harness.tick(Duration.ofSeconds(1));
    harness.awaitApiKey("rotating", k -> Integer.valueOf(2).equals(k.getStatus().getKeyVersion()));
    PromQl.Scrape rotated = scrape();
    double after = nowSeconds();
    assertThat(fired("KeywardApiKeyRotationOverdue", rotated, after)).isEmpty();
    assertThat(fired("KeywardApiKeyExpiringSoon", rotated, after)).isEmpty();
    assertThat(rotated.metric("keyward_api_key_rotation_timestamp_seconds"))
        .containsEntry(
            labels("rotating"),
            epochSeconds(harness.apiKey("rotating").getStatus().getRotatesAt()));
  }

  @Test
  @WithoutCrdRules(
      "an overlap over half the lifetime, stored before the rules or while a CRD upgrade lagged")
  void anInvalidEditStopsRotationAndTheOverdueAlertSaysSo() throws Exception {
    harness.create(
        apiKey(
            "edited",
            s -> {
              s.setExpiresAfter("1h");
              s.setRotation(rotation(true, "10m"));
            }));
    harness.awaitApiKey(
        "edited", k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    double rotatesAt = epochSeconds(harness.apiKey("edited").getStatus().getRotatesAt());
    harness.edit(
        "edited",
        k -> {
          k.getSpec().setRotation(rotation(true, "40m")); // more than half the lifetime
          return k;
        });
    harness.awaitApiKey("edited", k -> "Failed".equals(k.getStatus().getPhase()));

    PromQl.Scrape scrape = scrape();
    assertThat(scrape.metric("keyward_api_key_rotation_timestamp_seconds"))
        .as("the current key still works, and nothing will rotate it")
        .containsEntry(labels("edited"), rotatesAt);
    assertThat(fired("KeywardApiKeyRotationOverdue", scrape, rotatesAt + 60)).isEmpty();
    double late = rotatesAt + TEN_MINUTES_AND_A_BIT.toSeconds();
    assertThat(names(fired("KeywardApiKeyRotationOverdue", scrape, late)))
        .containsExactly("edited");
    assertThat(names(fired("KeywardApiKeyExpiringSoon", scrape, late))).containsExactly("edited");
  }

  @Test
  void keyThatDoesNotRotateFiresExpiringSevenDaysBeforeItsExpiry() throws Exception {
    createKeys("fixed", "agent");
    PromQl.Scrape scrape = scrape();
    double expiresAt = epochSeconds(harness.apiKey("fixed").getStatus().getExpiresAt());
    double agentRotatesAt = epochSeconds(harness.apiKey("agent").getStatus().getRotatesAt());
    double eightDaysBefore = expiresAt - Duration.ofDays(8).toSeconds();
    double sixDaysBefore = expiresAt - Duration.ofDays(6).toSeconds();
    assertThat(fired("KeywardApiKeyExpiringSoon", scrape, eightDaysBefore)).isEmpty();
    assertThat(agentRotatesAt)
        .as("the agent key rotates before the fixed key is within 7 days of expiry")
        .isGreaterThan(sixDaysBefore);
    assertThat(names(fired("KeywardApiKeyExpiringSoon", scrape, sixDaysBefore)))
        .containsExactly("fixed");
    assertThat(fired("KeywardApiKeyRotationOverdue", scrape, sixDaysBefore)).isEmpty();
  }

  @Test
  void unsealFailureFiresOnlyAfterItHappened() throws Exception {
    createKeys();
    harness.create(
        toolSecret("first-broken", s -> s.setEncryptedValue(harness.seal("tok-1234", "other"))));
    harness.awaitToolSecret(
        "first-broken", t -> t.getStatus() != null && "Failed".equals(t.getStatus().getPhase()));
    PromQl.Scrape before = scrape();
    assertThat(fired("KeywardUnsealFailures", List.of(before, before), nowSeconds())).isEmpty();
    harness.create(
        toolSecret("second-broken", s -> s.setEncryptedValue(harness.seal("tok-1234", "other"))));
    harness.awaitToolSecret(
        "second-broken", t -> t.getStatus() != null && "Failed".equals(t.getStatus().getPhase()));
    PromQl.Scrape after = scrape();
    assertThat(fired("KeywardUnsealFailures", List.of(before, after), nowSeconds()))
        .hasSize(1)
        .allSatisfy((labels, increase) -> assertThat(increase).isEqualTo(1.0));
  }

  @Test
  void anIncompleteGrantFiresAndAReadyOneDoesNot() throws Exception {
    incompleteGrant();
    waiting().until(() -> !scrape().metric("keyward_tool_grant_entries").isEmpty());
    Map<Map<String, String>, Double> fired =
        fired("KeywardToolGrantIncomplete", scrape(), nowSeconds());
    assertThat(fired)
        .containsExactly(
            Map.entry(Map.of("namespace", harness.namespace(), "state", "missing"), 1.0));
    harness.create(
        toolSecret(
            "linear",
            s -> {
              s.setEncryptedValue(harness.seal("lin_api_0123456789abcdef", "linear"));
              s.setTool("agno__linear__*");
            }));
    harness.awaitToolGrant(
        "incomplete", g -> g.getStatus() != null && "Ready".equals(g.getStatus().getPhase()));
    waiting().until(() -> fired("KeywardToolGrantIncomplete", scrape(), nowSeconds()).isEmpty());
  }

  private void incompleteGrant() {
    harness.create(
        dev.keyward.testing.TestToolGrants.toolGrant(
            "incomplete",
            dev.keyward.testing.TestToolGrants.tools(
                dev.keyward.testing.TestToolGrants.entry("agno__linear__x", "api_key", "LINEAR"))));
    harness.awaitToolGrant(
        "incomplete", g -> g.getStatus() != null && "Incomplete".equals(g.getStatus().getPhase()));
  }

  // --- helpers

  /** A 40s/20s rotating key, a 30-day key that does not rotate, an Agent key (90d, rotates). */
  @Test
  @SuppressWarnings("unchecked")
  void everyDashboardQueryReadsSeriesTheOperatorExports() throws Exception {
    assertThat(dashboard(render())).as("no dashboard unless enabled").isNull();
    Map<String, Object> dashboard = dashboard(render("grafana.dashboard.enabled"));
    assertThat(dashboard).isNotNull().containsEntry("title", "Keyward");
    PromQl.Scrape scrape = scrapeWithEverySeries();

    List<Map<String, Object>> panels = (List<Map<String, Object>>) dashboard.get("panels");
    assertThat(panels)
        .extracting(p -> (String) p.get("title"))
        .contains(
            "ApiKeys by phase",
            "Soonest expiries",
            "Rotation overdue",
            "Rotations",
            "Unseal failures",
            "Reconcile errors");
    for (Map<String, Object> panel : panels) {
      List<Map<String, Object>> targets = (List<Map<String, Object>>) panel.get("targets");
      assertThat(targets).as("panel %s queries something", panel.get("title")).isNotEmpty();
      for (Map<String, Object> target : targets) {
        String expr = (String) target.get("expr");
        Set<String> metrics = PromQl.metricNames(expr);
        assertThat(metrics).as("%s: %s names a metric", panel.get("title"), expr).isNotEmpty();
        for (String metric : metrics) {
          assertThat(scrape.metric(metric))
              .as("%s reads %s, which the operator exports", panel.get("title"), metric)
              .isNotEmpty();
          for (String label : PromQl.labelsUsed(expr)) {
            assertThat(scrape.metric(metric).keySet())
                .as("%s: %s has label %s", panel.get("title"), metric, label)
                .allSatisfy(labels -> assertThat(labels).containsKey(label));
          }
        }
      }
    }
    Map<String, Object> templating = (Map<String, Object>) dashboard.get("templating");
    for (Map<String, Object> variable : (List<Map<String, Object>>) templating.get("list")) {
      if (variable.get("definition") instanceof String definition) {
        var labelValues =
            java.util.regex.Pattern.compile("^label_values\\((\\w+),\\s*(\\w+)\\)$")
                .matcher(definition);
        assertThat(labelValues.matches())
            .as("variable %s: %s", variable.get("name"), definition)
            .isTrue();
        assertThat(scrape.metric(labelValues.group(1)).keySet())
            .as("variable %s reads %s", variable.get("name"), definition)
            .isNotEmpty()
            .allSatisfy(labels -> assertThat(labels).containsKey(labelValues.group(2)));
      }
    }
  }

  /**
   * A scrape with every series Keyward exports: keys in each state, an unseal failure and a failed
   * reconcile (the rotating key's Secret writes answer 500).
   */
  private PromQl.Scrape scrapeWithEverySeries() throws Exception {
    createKeys();
    // Well-formed, so the CRD's rules let it in, but sealed for another object.
    harness.create(
        toolSecret("broken", s -> s.setEncryptedValue(harness.seal("tok-1234", "other"))));
    harness.awaitToolSecret(
        "broken", t -> t.getStatus() != null && "Failed".equals(t.getStatus().getPhase()));
    incompleteGrant();
    harness.requests().answerWithErrors(r -> isSecretWrite(r, "rotating") ? 500 : 0);
    harness.tick(Duration.ofSeconds(21));
    waiting().until(() -> !scrape().metric("operator_sdk_reconciliations_failed_total").isEmpty());
    harness.requests().answerWithErrors(r -> 0);
    harness.tick(Duration.ofSeconds(1));
    harness.awaitApiKey("rotating", k -> Integer.valueOf(2).equals(k.getStatus().getKeyVersion()));
    // A use of "fixed", written the way the verifier records it: a merge patch of the status.
    String usedAt = harness.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
    harness
        .apiKeys()
        .inNamespace(harness.namespace())
        .withName("fixed")
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"lastUsedAt\":\"" + usedAt + "\"}}");
    harness.awaitApiKey("fixed", k -> usedAt.equals(k.getStatus().getLastUsedAt()));
    waiting()
        .until(() -> !scrape().metric("keyward_api_key_last_used_timestamp_seconds").isEmpty());
    return scrape();
  }

  private void createKeys() {
    createKeys("rotating", "fixed", "agent");
  }

  private void createKeys(String... names) {
    for (String name : names) {
      harness.create(
          apiKey(
              name,
              s -> {
                switch (name) {
                  case "rotating" -> {
                    s.setExpiresAfter("40s");
                    s.setRotation(rotation(true, "20s"));
                  }
                  case "fixed" -> {
                    s.setExpiresAfter("30d");
                    s.setRotation(rotation(false, null));
                  }
                  default -> s.setType("Agent");
                }
              }));
    }
    for (String name : names) {
      harness.awaitApiKey(
          name, k -> k.getStatus() != null && "Active".equals(k.getStatus().getPhase()));
    }
  }

  private static boolean isSecretWrite(dev.keyward.testing.RequestLog.Request r, String name) {
    return r.isWrite() && r.path().contains("/secrets/" + name);
  }

  private Map<Map<String, String>, Double> fired(String alert, PromQl.Scrape scrape, double time) {
    return fired(alert, List.of(scrape), time);
  }

  private Map<Map<String, String>, Double> fired(
      String alert, List<PromQl.Scrape> scrapes, double time) {
    return PromQl.eval((String) rules.get(alert).get("expr"), scrapes, time);
  }

  private List<String> names(Map<Map<String, String>, Double> series) {
    series.keySet().forEach(l -> assertThat(l).containsEntry("namespace", harness.namespace()));
    return series.keySet().stream().map(l -> l.get("name")).toList();
  }

  private Map<String, String> labels(String name) {
    return Map.of("namespace", harness.namespace(), "name", name);
  }

  private double nowSeconds() {
    return harness.clock().instant().getEpochSecond();
  }

  private static double epochSeconds(String time) {
    return OffsetDateTime.parse(time).toEpochSecond();
  }

  /** The labels an alert's annotations print ({@code $labels.x}). */
  private static Set<String> labelsInAnnotations(Map<String, Object> rule) {
    @SuppressWarnings("unchecked")
    Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
    return java.util.regex.Pattern.compile("\\$labels\\.([a-zA-Z_]+)")
        .matcher(String.join(" ", annotations.values()))
        .results()
        .map(m -> m.group(1))
        .collect(Collectors.toSet());
  }

  private PromQl.Scrape scrape() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + harness.operator().httpPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return PromQl.Scrape.parse(response.body());
  }
}
